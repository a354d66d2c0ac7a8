export type { DecodedMessage, Processor } from './types';
export { decodeBatch, runProcessor } from './run-processor';
export type { RunProcessorOptions } from './run-processor';
export { createOutboxPublisher } from './outbox.publisher';
export { createBatchCoalescer } from './batch-coalescer';
export type { BatchCoalescer, BatchCoalescerOptions } from './batch-coalescer';
export type { OutboxPublisher, OutboxPublisherOptions } from './outbox.publisher';
export { createOutputPublisher, skipRecentlyPublished } from './publish-outputs';
export type { PublishOutputs } from './publish-outputs';
