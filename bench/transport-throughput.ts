import { randomBytes, randomUUID } from 'node:crypto';
import type { OutgoingMessage, Transport } from '../streams/types';

export interface ThroughputPlan {
  /** Messages published, then consumed. */
  messages: number;
  /** Messages per `publish` call, and the subscription's `maxBatchSize`. */
  batchSize: number;
  /** Size of each message value in bytes. */
  valueBytes: number;
  /** Distinct message keys (spread over the partitions). */
  keys: number;
}

export interface ThroughputResult {
  publishPerSecond: number;
  consumePerSecond: number;
}

/**
 * Publishes `plan.messages` messages to a fresh topic in batches (one `publish` awaited at a time),
 * then consumes them all with one subscription of a fresh group and closes it (so every batch is
 * acknowledged); reports both rates.
 */
export async function measureThroughput(transport: Transport, plan: ThroughputPlan): Promise<ThroughputResult> {
  const topic = `bench-${randomUUID()}`;
  await transport.ensureTopics([topic]);
  const batches = makeBatches(plan);

  const publishStart = process.hrtime.bigint();
  for (const batch of batches) await transport.publish(topic, batch);
  const publishSeconds = secondsSince(publishStart);

  let consumed = 0;
  let allConsumed: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allConsumed = resolve;
  });
  const consumeStart = process.hrtime.bigint();
  const subscription = await transport.subscribe({
    topics: [topic],
    group: `bench-${randomUUID()}`,
    maxBatchSize: plan.batchSize,
    handler: (batch) => {
      consumed += batch.length;
      if (consumed >= plan.messages) allConsumed();
      return Promise.resolve();
    },
  });
  await done;
  await subscription.close();
  const consumeSeconds = secondsSince(consumeStart);
  if (consumed !== plan.messages) throw new Error(`consumed ${consumed} messages, published ${plan.messages}`);

  return { publishPerSecond: plan.messages / publishSeconds, consumePerSecond: plan.messages / consumeSeconds };
}

/** Built before the clock starts, so the rates measure the transport, not the test data. */
function makeBatches(plan: ThroughputPlan): OutgoingMessage[][] {
  const value = randomBytes(plan.valueBytes);
  const batches: OutgoingMessage[][] = [];
  for (let start = 0; start < plan.messages; start += plan.batchSize) {
    const batch: OutgoingMessage[] = [];
    for (let i = start; i < Math.min(plan.messages, start + plan.batchSize); i += 1) {
      const key = `merchant-${i % plan.keys}`;
      const eventId = `evt-${i}`;
      batch.push({
        key,
        value,
        headers: { eventId, eventType: 'BenchEvent', correlationId: key, causationId: eventId, producedAt: new Date().toISOString() },
      });
    }
    batches.push(batch);
  }
  return batches;
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
