/**
 * Measures ledger throughput against the real MariaDB: not part of `npm test` (jest only runs
 * `*.test.ts`) and asserts no timing. Run it on purpose with
 *
 *   npx jest --testMatch '**\/ledger.throughput.measure.ts' test/processors/ledger
 *
 * It prints events/s of `handle()` over batches of 200 PaymentCompleted (1,000 merchants, one
 * currency: every batch also locks the two hot system accounts), once called directly and once
 * end to end through `runProcessor` on the memory transport (decoding, outbox publish included).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLedgerProcessor, LEDGER_PROCESSOR_NAME } from '../../../processors/ledger';
import { decodeBatch } from '../../../processors/runtime';
import { TOPICS, toMessage } from '../../../schemas';
import type { IncomingMessage } from '../../../streams';
import { paymentCompleted } from './ledger.events';
import { codec, createHarness, rows, silentLogger, type Harness } from './processor.harness';

const BATCH = 200;
const EVENTS = 20_000;
const MERCHANTS = 1_000;

jest.setTimeout(300_000);

function incoming(count: number, merchants: readonly string[]): IncomingMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const message = toMessage(codec, paymentCompleted(merchants[i % merchants.length] ?? '', 1_000 + (i % 9_000)));
    return { ...message, topic: TOPICS.paymentsCompleted, partition: 0, position: String(i), attempt: 1 };
  });
}

async function expectBalanced(h: Harness): Promise<void> {
  const [sums] = await rows(h.pool, 'SELECT SUM(posted_minor) AS posted, SUM(pending_in_minor - pending_out_minor) AS pending FROM accounts');
  expect([Number(sums?.posted), Number(sums?.pending)]).toEqual([0, 0]);
}

describe('ledger throughput (measurement)', () => {
  it(`handles batches of ${BATCH} PaymentCompleted: direct handle() calls`, async () => {
    const h = await createHarness();
    try {
      const merchants = Array.from({ length: MERCHANTS }, () => randomUUID());
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      // Warm-up: creates the accounts and the connections.
      await processor.handle(decodeBatch(codec, incoming(MERCHANTS, merchants)));
      const batches: ReturnType<typeof decodeBatch>[] = [];
      const all = incoming(EVENTS, merchants);
      for (let i = 0; i < all.length; i += BATCH) batches.push(decodeBatch(codec, all.slice(i, i + BATCH)));

      const started = performance.now();
      for (const batch of batches) await processor.handle(batch);
      const seconds = (performance.now() - started) / 1_000;
      console.log(`ledger handle(): ${EVENTS} events in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)} events/s (batches of ${BATCH})`);
      expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: EVENTS + MERCHANTS }]);
      await expectBalanced(h);
    } finally {
      await h.close();
    }
  });

  it(`handles batches of ${BATCH} PaymentCompleted: end to end through runProcessor`, async () => {
    const h = await createHarness({ partitions: 1 });
    try {
      const merchants = Array.from({ length: MERCHANTS }, () => randomUUID());
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      await h.transport.ensureTopics([TOPICS.paymentsCompleted]);
      await h.transport.publish(TOPICS.paymentsCompleted, incoming(MERCHANTS, merchants));
      await h.run(processor, { maxBatchSize: BATCH });
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.paymentsCompleted, 60_000);

      const all = incoming(EVENTS, merchants);
      const started = performance.now();
      await h.transport.publish(TOPICS.paymentsCompleted, all);
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.paymentsCompleted, 240_000);
      const seconds = (performance.now() - started) / 1_000;
      console.log(`ledger via runProcessor: ${EVENTS} events in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)} events/s (batches of ${BATCH})`);
      await expectBalanced(h);
    } finally {
      await h.close();
    }
  });
});
