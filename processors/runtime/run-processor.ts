import type { Logger } from 'pino';
import type { EventCodec } from '../../schemas';
import type { IncomingMessage, RetryPolicy, Subscription, Transport } from '../../streams';
import type { DecodedMessage, Processor } from './types';

export interface RunProcessorOptions {
  transport: Transport;
  codec: EventCodec;
  logger: Logger;
  maxBatchSize?: number;
  retry?: Partial<RetryPolicy>;
}

/** Decodes a batch; an undecodable message throws its non-retryable `SchemaDecodeError`. */
export function decodeBatch(codec: EventCodec, batch: readonly IncomingMessage[]): DecodedMessage[] {
  return batch.map((m) => ({
    ...codec.decode(m.value),
    headers: m.headers,
    topic: m.topic,
    key: m.key,
    partition: m.partition,
    attempt: m.attempt,
  }));
}

/** Subscribes `processor` to its topics under its own consumer group. */
export async function runProcessor(processor: Processor, options: RunProcessorOptions): Promise<Subscription> {
  const log = options.logger.child({ processor: processor.name });
  await options.transport.ensureTopics(processor.topics);
  const subscription = await options.transport.subscribe({
    topics: processor.topics,
    group: processor.name,
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    handler: async (batch) => {
      try {
        await processor.handle(decodeBatch(options.codec, batch));
      } catch (err) {
        log.warn({ err, size: batch.length, topic: batch[0]?.topic, attempt: batch[0]?.attempt }, 'batch failed');
        throw err;
      }
    },
  });
  log.info({ topics: processor.topics }, 'processor started');
  return {
    close: async () => {
      await subscription.close();
      await processor.close?.();
      log.info('processor stopped');
    },
    abort: async () => {
      await subscription.abort();
      await processor.close?.();
    },
  };
}
