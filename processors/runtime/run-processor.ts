import type { Logger } from 'pino';
import type { EventCodec } from '../../schemas';
import type { IncomingMessage, RetryPolicy, Subscription, Transport } from '../../streams';
import { createBatchCoalescer } from './batch-coalescer';
import type { DecodedMessage, Processor } from './types';

/** A merged batch takes whole partition batches until it holds at least this many messages. */
const MAX_MERGED = 1_000;

export interface RunProcessorOptions {
  transport: Transport;
  codec: EventCodec;
  logger: Logger;
  maxBatchSize?: number;
  retry?: Partial<RetryPolicy>;
}

/** Decodes a batch; an undecodable message throws its non-retryable `SchemaDecodeError`. */
export function decodeBatch(codec: EventCodec, batch: readonly IncomingMessage[]): DecodedMessage[] {
  return batch.map((m) => {
    const { type, event } = codec.decode(m.value);
    // Built field by field (no spread): every consumer group decodes every message it reads.
    return { type, event, headers: m.headers, topic: m.topic, key: m.key, partition: m.partition, attempt: m.attempt } as DecodedMessage;
  });
}

/**
 * Subscribes `processor` to its topics under its own consumer group. The processor handles one
 * batch at a time: partition batches that arrive meanwhile are merged into its next batch (see
 * `batch-coalescer.ts`), so a busy processor commits fewer, larger transactions.
 *
 * The batches wait as the transport delivered them and are decoded when their merged call starts:
 * a busy processor has a batch of every partition of every topic it reads waiting (the logger, which
 * reads every topic, up to partitions × topics × batch size), and a decoded event takes several
 * times the heap of its Avro bytes. An undecodable message fails the merged call before it touches
 * anything; its batch then fails alone (see the coalescer), and the runner dead-letters the message.
 */
export async function runProcessor(processor: Processor, options: RunProcessorOptions): Promise<Subscription> {
  const log = options.logger.child({ processor: processor.name });
  await options.transport.ensureTopics(processor.topics);
  const handleTimed = async (batch: readonly IncomingMessage[]): Promise<void> => {
    const started = performance.now();
    await processor.handle(decodeBatch(options.codec, batch));
    log.debug({ messages: batch.length, ms: Math.round((performance.now() - started) * 10) / 10 }, 'batch handled');
  };
  const coalescer = createBatchCoalescer<IncomingMessage>(handleTimed, {
    maxMessages: MAX_MERGED,
    onMergedFailure: (err, batches, messages) => log.warn({ err, batches, messages }, 'merged batch failed; handling its partition batches one by one'),
  });
  const subscription = await options.transport.subscribe({
    topics: processor.topics,
    group: processor.name,
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    handler: async (batch) => {
      try {
        await coalescer.handle(batch);
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
      const stopping = subscription.abort();
      coalescer.abort(new Error(`processor ${processor.name} aborted`));
      await stopping;
      await processor.close?.();
    },
  };
}
