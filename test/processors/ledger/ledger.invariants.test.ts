import { randomUUID } from 'node:crypto';
import { createLedgerProcessor, defaultWalletId, LEDGER_PROCESSOR_NAME, platformFeeMinor, saleTransactionId, systemAccountId } from '../../../processors/ledger';
import type { Processor } from '../../../processors/runtime';
import { TOPICS, toMessage, type EventEnvelope, type WalletUpdated } from '../../../schemas';
import { dlqTopic } from '../../../streams';
import { erpConfirmation, paymentCompleted, paymentFailed } from './ledger.events';
import { codec, createHarness, rows, silentLogger, waitUntil, type Harness } from './processor.harness';

const FEE_BPS = 275;
const CURRENCIES = ['EUR', 'USD'] as const;

/** Deterministic pseudo-random numbers (a 32-bit LCG), so a failure can be replayed. */
function lcg(seed: number): (max: number) => number {
  let state = seed >>> 0;
  return (max) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % max;
  };
}

interface ExpectedWallet {
  posted: number;
  pendingIn: number;
}

describe('ledger invariants under two consumers', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ partitions: 8 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps every balance exact and every sum at zero over 500 mixed events across 20 merchants', async () => {
    const random = lcg(20_241_122);
    const merchants = Array.from({ length: 20 }, () => randomUUID());
    const wallets = h.observe(TOPICS.walletUpdates);
    const orders = h.observe(TOPICS.ordersCompleted);
    const dlqs = [h.observe(dlqTopic(TOPICS.paymentsCompleted)), h.observe(dlqTopic(TOPICS.erpConfirmations))];
    const [walletUpdates, ordersCompleted, ...deadLetters] = await Promise.all([wallets, orders, ...dlqs]);
    if (walletUpdates === undefined || ordersCompleted === undefined) throw new Error('observers missing');
    // Two members of the `ledger` group, each with its own outbox publisher: they split the partitions.
    // Each is wrapped (at our own Processor port) to count what it handled and what it threw.
    const handled = [0, 0];
    const failures: unknown[] = [];
    for (const member of [0, 1]) {
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: FEE_BPS } });
      const counted: Processor = {
        name: processor.name,
        topics: processor.topics,
        handle: async (batch) => {
          handled[member] = (handled[member] ?? 0) + batch.length;
          try {
            await processor.handle(batch);
          } catch (err) {
            failures.push(err);
            throw err;
          }
        },
      };
      await h.run(counted, { maxBatchSize: 40 });
    }

    // Phase 1: 280 sales, 40 declines and 20 redeliveries of sales already sent (340 events).
    const sales: EventEnvelope<'PaymentCompleted'>[] = [];
    const phase1: EventEnvelope[] = [];
    for (let i = 0; i < 320; i += 1) {
      const merchantId = merchants[random(merchants.length)] ?? '';
      const currency = CURRENCIES[random(2)] ?? 'EUR';
      const amount = 1 + random(250_000);
      if (i % 8 === 7) {
        phase1.push(paymentFailed(merchantId, amount, 'Card declined', currency));
      } else {
        const sale = paymentCompleted(merchantId, amount, currency);
        sales.push(sale);
        phase1.push(sale);
      }
    }
    for (let i = 0; i < 20; i += 1) phase1.push(sales[random(sales.length)] as EventEnvelope);
    // Published in slices while the consumers run, so batches interleave between them.
    for (let i = 0; i < phase1.length; i += 50) {
      await h.publish(TOPICS.paymentsCompleted, phase1.slice(i, i + 50));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.paymentsCompleted, 20_000);

    // Phase 2: 100 confirmations, 40 rejections, then 20 contradicting second verdicts (160 events).
    const verdict = new Map<string, 'POSTED' | 'REJECTED'>();
    const phase2: EventEnvelope[] = [];
    const firstVerdicts: { sale: EventEnvelope<'PaymentCompleted'>; outcome: 'CONFIRMED' | 'REJECTED' }[] = [];
    for (const [i, sale] of sales.slice(0, 140).entries()) firstVerdicts.push({ sale, outcome: i % 7 < 5 ? 'CONFIRMED' : 'REJECTED' });
    for (const { sale, outcome } of firstVerdicts) {
      const tx = saleTransactionId(sale.eventId);
      phase2.push(erpConfirmation(tx, defaultWalletId(sale.event.merchantId, sale.event.currency), outcome, outcome === 'REJECTED' ? 'ERP rejected' : null));
      verdict.set(tx, outcome === 'CONFIRMED' ? 'POSTED' : 'REJECTED');
    }
    for (const { sale, outcome } of firstVerdicts.slice(0, 20)) {
      phase2.push(erpConfirmation(saleTransactionId(sale.eventId), defaultWalletId(sale.event.merchantId, sale.event.currency), outcome === 'CONFIRMED' ? 'REJECTED' : 'CONFIRMED'));
    }
    expect(phase1.length + phase2.length).toBe(500);
    for (let i = 0; i < phase2.length; i += 40) await h.publish(TOPICS.erpConfirmations, phase2.slice(i, i + 40));
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.erpConfirmations, 20_000);
    await walletUpdates.waitForCount(280 + 140);
    await ordersCompleted.waitForCount(320);

    // The model: what every account must hold.
    const expectedWallets = new Map<string, ExpectedWallet>();
    const expectedSystem = new Map<string, { posted: number; pendingIn: number; pendingOut: number }>();
    const system = (id: string): { posted: number; pendingIn: number; pendingOut: number } => {
      const entry = expectedSystem.get(id) ?? { posted: 0, pendingIn: 0, pendingOut: 0 };
      expectedSystem.set(id, entry);
      return entry;
    };
    for (const sale of sales) {
      const { merchantId, currency, amountMinor } = sale.event;
      const fee = platformFeeMinor(amountMinor, FEE_BPS);
      const walletId = defaultWalletId(merchantId, currency);
      const wallet = expectedWallets.get(walletId) ?? { posted: 0, pendingIn: 0 };
      expectedWallets.set(walletId, wallet);
      const clearing = system(systemAccountId('psp_clearing', currency));
      const revenue = system(systemAccountId('platform_revenue', currency));
      const status = verdict.get(saleTransactionId(sale.eventId)) ?? 'HELD';
      if (status === 'POSTED') {
        wallet.posted += amountMinor - fee;
        clearing.posted -= amountMinor;
        revenue.posted += fee;
      } else if (status === 'HELD') {
        wallet.pendingIn += amountMinor - fee;
        clearing.pendingOut += amountMinor;
        revenue.pendingIn += fee;
      }
    }

    const accountRows = await rows(h.pool, 'SELECT id, posted_minor, pending_in_minor, pending_out_minor FROM accounts');
    const actual = new Map(accountRows.map((r) => [String(r.id), { posted: Number(r.posted_minor), pendingIn: Number(r.pending_in_minor), pendingOut: Number(r.pending_out_minor) }]));
    expect(actual.size).toBe(expectedWallets.size + expectedSystem.size);
    for (const [id, wallet] of expectedWallets) expect([id, actual.get(id)]).toEqual([id, { ...wallet, pendingOut: 0 }]);
    for (const [id, account] of expectedSystem) expect([id, actual.get(id)]).toEqual([id, account]);

    // Per currency, posted and pending each sum to zero; every transaction's entries sum to zero.
    const sums = await rows(h.pool, 'SELECT currency, SUM(posted_minor) AS posted, SUM(pending_in_minor - pending_out_minor) AS pending FROM accounts GROUP BY currency');
    expect(sums.map((r) => [r.currency, Number(r.posted), Number(r.pending)]).sort()).toEqual([
      ['EUR', 0, 0],
      ['USD', 0, 0],
    ]);
    expect(await rows(h.pool, 'SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0')).toEqual([]);
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: sales.length }]);
    const statuses = await rows(h.pool, 'SELECT status, COUNT(*) AS n FROM ledger_transactions GROUP BY status ORDER BY status');
    expect(statuses).toEqual([
      { status: 'HELD', n: sales.length - 140 },
      { status: 'POSTED', n: 100 },
      { status: 'REJECTED', n: 40 },
    ]);

    // Outputs: one per effect, none for duplicates; nothing dead-lettered; the outbox is empty.
    expect(walletUpdates.messages).toHaveLength(280 + 140);
    expect(new Set(walletUpdates.messages.map((m) => m.headers.eventId)).size).toBe(420);
    expect(ordersCompleted.messages).toHaveLength(320);
    expect(ordersCompleted.events('OrderCompleted').filter((e) => e.event.status === 'FAILED')).toHaveLength(40);
    for (const dlq of deadLetters) expect(dlq.messages).toHaveLength(0);
    await waitUntil(async () => Number((await rows(h.pool, 'SELECT COUNT(*) AS n FROM outbox'))[0]?.n) === 0, 'an empty outbox');

    // Each wallet's updates arrive in its order: the last one carries the wallet's stored balances,
    // and every one is self-consistent.
    const lastByWallet = new Map<string, WalletUpdated>();
    for (const { event } of walletUpdates.events('WalletUpdated')) {
      const b = event.balances;
      expect(b.shadowMinor).toBe(b.postedMinor + b.pendingInMinor - b.pendingOutMinor);
      expect(b.availableMinor).toBe(b.postedMinor - b.pendingOutMinor);
      lastByWallet.set(event.walletId, event);
    }
    for (const [walletId, last] of lastByWallet) {
      const stored = actual.get(walletId);
      expect([walletId, last.balances.postedMinor, last.balances.pendingInMinor]).toEqual([walletId, stored?.posted, stored?.pendingIn]);
    }
    // Both members worked, and locking every batch in one order left no deadlock to retry.
    expect(handled.every((n) => n > 0)).toBe(true);
    expect(failures).toEqual([]);
    expect(handled.reduce((a, b) => a + b, 0)).toBe(500);
    // Redelivered inputs were recorded once in the inbox.
    const distinctInputs = new Set([...phase1, ...phase2].map((e) => toMessage(codec, e).headers.eventId)).size;
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM inbox WHERE consumer = ?', [LEDGER_PROCESSOR_NAME])).toEqual([{ n: distinctInputs }]);
  });
});
