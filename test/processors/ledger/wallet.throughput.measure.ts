/**
 * Measures the ledger's balance-action throughput against the real MariaDB: not part of `npm test`
 * (jest only runs `*.test.ts`) and asserts no timing. Run it on purpose with
 *
 *   npx jest --testMatch '**\/wallet.throughput.measure.ts' test/processors/ledger
 *
 * It prints actions/s of `handle()` over batches of 200 mixed TOP_UP/USAGE actions across 100
 * personal wallets of one merchant and currency (every batch also locks the two hot system
 * accounts), the `wallet_actions` rows recorded beforehand as the gateway does. Once called
 * directly, once end to end through `runProcessor` on the memory transport (decoding and the
 * outbox publish included).
 */
import { performance } from 'node:perf_hooks';
import { createLedgerProcessor, LEDGER_PROCESSOR_NAME } from '../../../processors/ledger';
import { decodeBatch } from '../../../processors/runtime';
import { TOPICS, toMessage, type EventEnvelope } from '../../../schemas';
import type { IncomingMessage } from '../../../streams';
import { codec, createHarness, rows, silentLogger, type Harness } from './processor.harness';
import { insertMerchant, recordActions, topUp, usage, wallet } from './wallet.fixtures';

const BATCH = 200;
const ACTIONS = 20_000;
const WALLETS = 100;

jest.setTimeout(300_000);

type Action = EventEnvelope<'BalanceActionRequested'>;

/** Two top-ups for every usage: most usages pass, some are refused (the refusals cost a decision too). */
function mixedActions(merchantId: string, walletIds: readonly string[], count: number): Action[] {
  return Array.from({ length: count }, (_, i) => {
    const walletId = walletIds[i % walletIds.length] ?? '';
    return i % 3 === 2 ? usage(merchantId, walletId, 500 + (i % 700)) : topUp(merchantId, walletId, 300 + (i % 900));
  });
}

function incoming(actions: readonly Action[]): IncomingMessage[] {
  return actions.map((a, i) => ({ ...toMessage(codec, a), topic: TOPICS.balanceActions, partition: 0, position: String(i), attempt: 1 }));
}

async function setUp(h: Harness): Promise<{ merchantId: string; walletIds: string[] }> {
  const merchantId = await insertMerchant(h.pool);
  const walletIds: string[] = [];
  for (let i = 0; i < WALLETS; i += 1) walletIds.push((await wallet(h.pool, merchantId, { kind: 'personal' })).walletId);
  return { merchantId, walletIds };
}

async function report(h: Harness, label: string, seconds: number): Promise<void> {
  console.log(`${label}: ${ACTIONS} actions in ${seconds.toFixed(2)} s = ${Math.round(ACTIONS / seconds)} actions/s (batches of ${BATCH}, ${WALLETS} wallets)`);
  const [sums] = await rows(h.pool, 'SELECT SUM(posted_minor) AS posted, SUM(pending_in_minor - pending_out_minor) AS pending FROM accounts');
  expect([Number(sums?.posted), Number(sums?.pending)]).toEqual([0, 0]);
  expect(await rows(h.pool, "SELECT COUNT(*) AS n FROM wallet_actions WHERE status = 'PENDING'")).toEqual([{ n: 0 }]);
}

describe('ledger balance-action throughput (measurement)', () => {
  it(`decides batches of ${BATCH} TOP_UP/USAGE: direct handle() calls`, async () => {
    const h = await createHarness();
    try {
      const { merchantId, walletIds } = await setUp(h);
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      // Warm-up: the system accounts, the connections, the statement caches.
      const warmUp = mixedActions(merchantId, walletIds, BATCH);
      await recordActions(h.pool, warmUp);
      await processor.handle(decodeBatch(codec, incoming(warmUp)));
      const all = mixedActions(merchantId, walletIds, ACTIONS);
      for (let i = 0; i < all.length; i += 1_000) await recordActions(h.pool, all.slice(i, i + 1_000));
      const batches: ReturnType<typeof decodeBatch>[] = [];
      for (let i = 0; i < all.length; i += BATCH) batches.push(decodeBatch(codec, incoming(all.slice(i, i + BATCH))));

      const started = performance.now();
      for (const batch of batches) await processor.handle(batch);
      await report(h, 'ledger actions handle()', (performance.now() - started) / 1_000);
    } finally {
      await h.close();
    }
  });

  it(`decides batches of ${BATCH} TOP_UP/USAGE: end to end through runProcessor`, async () => {
    const h = await createHarness({ partitions: 1 });
    try {
      const { merchantId, walletIds } = await setUp(h);
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      const warmUp = mixedActions(merchantId, walletIds, BATCH);
      await recordActions(h.pool, warmUp);
      await h.transport.ensureTopics([TOPICS.balanceActions]);
      await h.transport.publish(TOPICS.balanceActions, incoming(warmUp));
      await h.run(processor, { maxBatchSize: BATCH });
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions, 60_000);
      const all = mixedActions(merchantId, walletIds, ACTIONS);
      for (let i = 0; i < all.length; i += 1_000) await recordActions(h.pool, all.slice(i, i + 1_000));

      const started = performance.now();
      await h.transport.publish(TOPICS.balanceActions, incoming(all));
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions, 240_000);
      await report(h, 'ledger actions via runProcessor', (performance.now() - started) / 1_000);
    } finally {
      await h.close();
    }
  });
});
