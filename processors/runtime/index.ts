export type { DecodedMessage, Processor } from './types';
export { decodeBatch, runProcessor } from './run-processor';
export type { RunProcessorOptions } from './run-processor';
export { createOutboxPublisher } from './outbox.publisher';
export type { OutboxPublisher, OutboxPublisherOptions } from './outbox.publisher';
