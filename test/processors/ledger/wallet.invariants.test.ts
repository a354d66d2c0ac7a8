import { createLedgerProcessor, getWalletBalances, LEDGER_PROCESSOR_NAME, type WalletRow } from '../../../processors/ledger';
import type { Processor } from '../../../processors/runtime';
import { TOPICS, type EventEnvelope } from '../../../schemas';
import { dlqTopic } from '../../../streams';
import { erpConfirmation } from './ledger.events';
import { codec, createHarness, rows, silentLogger, type Harness } from './processor.harness';
import { insertMerchant, recordActions, topUp, transfer, usage, voidOf, wallet } from './wallet.fixtures';

type Action = EventEnvelope<'BalanceActionRequested'>;

/** Deterministic pseudo-random numbers (a 32-bit LCG), so a failure can be replayed. */
function lcg(seed: number): (max: number) => number {
  let state = seed >>> 0;
  return (max) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % max;
  };
}

const ROUNDS = 10;
const PER_ROUND = 200;

/** Violations of the funds rule in the stored balances: every wallet alone, every enterprise pool, every child limit. */
async function fundsViolations(h: Harness): Promise<string[]> {
  const accounts = await rows(h.pool, "SELECT id, kind, parent_account_id, credit_limit_minor, child_limit_minor, posted_minor, pending_out_minor FROM accounts WHERE kind <> 'system'");
  const committed = new Map(accounts.map((a) => [String(a.id), Number(a.posted_minor) - Number(a.pending_out_minor)]));
  const problems: string[] = [];
  for (const a of accounts) {
    const id = String(a.id);
    const own = committed.get(id) ?? 0;
    if (a.kind !== 'enterprise' && own + Number(a.credit_limit_minor) < 0) problems.push(`${id} available ${own}`);
    if (a.kind === 'enterprise' && a.parent_account_id === null) {
      const pool = accounts.filter((c) => c.parent_account_id === id).reduce((sum, c) => sum + (committed.get(String(c.id)) ?? 0), own + Number(a.credit_limit_minor));
      if (pool < 0) problems.push(`pool ${id} available ${pool}`);
    }
    if (a.child_limit_minor !== null && -own > Number(a.child_limit_minor)) problems.push(`${id} owes ${-own} > ${Number(a.child_limit_minor)}`);
  }
  return problems;
}

describe('wallet ledger invariants under two consumers', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ partitions: 4 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps every balance exact, every pool and limit respected and every action final over 2,000 mixed actions on 30 wallets', async () => {
    const random = lcg(20_241_123);
    const pick = <T>(items: readonly T[]): T => {
      const item = items[random(items.length)];
      if (item === undefined) throw new Error('empty choice');
      return item;
    };

    // 2 merchants × 15 wallets: personal (EUR, USD), an enterprise pool with a credit limit and three
    // children (one limited), a reseller with two children, a USD enterprise with a child.
    const wallets: WalletRow[] = [];
    for (let m = 0; m < 2; m += 1) {
      const merchantId = await insertMerchant(h.pool);
      const make = async (input: Parameters<typeof wallet>[2]): Promise<WalletRow> => {
        const created = await wallet(h.pool, merchantId, input);
        wallets.push(created);
        return created;
      };
      for (let i = 0; i < 4; i += 1) await make({ kind: 'personal' });
      for (let i = 0; i < 2; i += 1) await make({ kind: 'personal', currency: 'USD' });
      const enterprise = await make({ kind: 'enterprise', creditLimitMinor: 5_000 });
      await make({ kind: 'enterprise', parentWalletId: enterprise.walletId, childLimitMinor: 2_000 });
      await make({ kind: 'enterprise', parentWalletId: enterprise.walletId });
      await make({ kind: 'enterprise', parentWalletId: enterprise.walletId });
      const reseller = await make({ kind: 'reseller' });
      for (let i = 0; i < 2; i += 1) await make({ kind: 'reseller', parentWalletId: reseller.walletId });
      const dollars = await make({ kind: 'enterprise', currency: 'USD', creditLimitMinor: 1_000 });
      await make({ kind: 'enterprise', currency: 'USD', parentWalletId: dollars.walletId, childLimitMinor: 500 });
    }
    expect(wallets).toHaveLength(30);
    const byId = new Map(wallets.map((w) => [w.walletId, w]));

    const updates = await h.observe(TOPICS.walletUpdates);
    const deadLetters = await Promise.all([TOPICS.balanceActions, TOPICS.erpConfirmations].map((t) => h.observe(dlqTopic(t))));
    const failures: unknown[] = [];
    const violations: string[] = [];
    const handled = [0, 0];
    for (const member of [0, 1]) {
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      const checked: Processor = {
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
          // After every committed batch, the stored state obeys the funds rule.
          violations.push(...(await fundsViolations(h)));
        },
      };
      await h.run(checked, { maxBatchSize: 100 });
    }

    const published: Action[] = [];
    const unrecorded: Action[] = [];
    let erpVerdicts = 0;
    async function settleHeld(share: number): Promise<void> {
      const held = await rows(h.pool, "SELECT id, wallet_id FROM ledger_transactions WHERE status = 'HELD' ORDER BY id");
      const verdicts = held
        .filter(() => random(100) < share)
        .map((tx) => (random(100) < 80 ? erpConfirmation(String(tx.id), String(tx.wallet_id), 'CONFIRMED') : erpConfirmation(String(tx.id), String(tx.wallet_id), 'REJECTED', 'ERP refused it')));
      erpVerdicts += verdicts.length;
      await h.publish(TOPICS.erpConfirmations, verdicts);
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.erpConfirmations, 30_000);
    }

    for (let round = 0; round < ROUNDS; round += 1) {
      const batch: Action[] = [];
      for (let i = 0; i < PER_ROUND; i += 1) {
        const from = pick(wallets);
        const roll = random(100);
        let next: Action;
        // One in twenty names the wrong currency (refused CURRENCY_MISMATCH).
        const currency = random(20) === 0 ? (from.currency === 'EUR' ? 'USD' : 'EUR') : from.currency;
        if (roll < 30) next = topUp(from.merchantId, from.walletId, 100 + random(5_000), currency);
        else if (roll < 60) next = usage(from.merchantId, from.walletId, 50 + random(3_000), currency);
        else if (roll < 85) {
          // Mostly wallets of the same merchant and currency, sometimes not; reseller parents fund their children.
          const candidates = wallets.filter((w) => w.walletId !== from.walletId && w.merchantId === from.merchantId && (random(10) > 0 ? w.currency === from.currency : true));
          const children = wallets.filter((w) => w.parentWalletId === from.walletId && w.kind === 'reseller');
          const to = children.length > 0 && random(2) === 0 ? pick(children) : pick(candidates);
          next = transfer(from.merchantId, from.walletId, to.walletId, 50 + random(2_500), from.currency);
        } else {
          const pool = [...published, ...batch];
          if (pool.length === 0) continue;
          next = voidOf(pick(pool));
        }
        batch.push(next);
      }
      await recordActions(h.pool, batch);
      // A second void of an action has no row (UNIQUE voids_action_id): published anyway, the ledger must refuse it.
      const recorded = new Set((await rows(h.pool, 'SELECT id FROM wallet_actions WHERE id IN (?)', [batch.map((a) => a.event.actionId)])).map((r) => String(r.id)));
      unrecorded.push(...batch.filter((a) => !recorded.has(a.event.actionId)));
      await h.publish(TOPICS.balanceActions, batch);
      published.push(...batch);
      await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions, 30_000);
      await settleHeld(60);
    }
    // The ERP answers everything still held (compensating voids it confirms create no new holds).
    for (let pass = 0; pass < 3; pass += 1) await settleHeld(100);
    expect(published.length).toBeGreaterThanOrEqual(1_950);
    expect(await rows(h.pool, "SELECT COUNT(*) AS n FROM ledger_transactions WHERE status = 'HELD'")).toEqual([{ n: 0 }]);

    // Both consumers worked; nothing failed or was dead-lettered; the funds rule held after every batch.
    expect(handled.every((n) => n > 0)).toBe(true);
    expect(failures).toEqual([]);
    for (const dlq of deadLetters) expect(dlq.messages).toHaveLength(0);
    expect(violations).toEqual([]);
    expect(await fundsViolations(h)).toEqual([]);

    // Every recorded action ended in exactly one final state; every action, recorded or not, was answered.
    const finals = await rows(h.pool, 'SELECT status, COUNT(*) AS n FROM wallet_actions GROUP BY status');
    const finalStates = new Map(finals.map((r) => [String(r.status), Number(r.n)]));
    expect([...finalStates.keys()].every((s) => ['POSTED', 'REJECTED', 'RELEASED', 'VOIDED'].includes(s))).toBe(true);
    expect([...finalStates.values()].reduce((a, b) => a + b, 0)).toBe(published.length - unrecorded.length);
    for (const state of ['POSTED', 'REJECTED', 'RELEASED', 'VOIDED']) expect(finalStates.get(state) ?? 0).toBeGreaterThan(0);
    await updates.waitForCount(published.length + erpVerdicts, 30_000);
    await h.drainedAll(TOPICS.walletUpdates, 30_000);
    const events = updates.events('WalletUpdated').map((u) => u.event);
    const answered = new Set(events.map((e) => e.actionId));
    expect(published.filter((a) => !answered.has(a.event.actionId))).toEqual([]);
    // No action was voided twice: per voided action, at most one void took effect (its first update
    // not a refusal). That covers the voids published without a row, which only the ledger's own
    // guard stops (ALREADY_VOIDED; one may take effect when the recorded first void was refused).
    expect(unrecorded.length).toBeGreaterThan(0);
    const effectiveVoids = new Map<string, string[]>();
    for (const v of published.filter((a) => a.event.kind === 'VOID')) {
      const first = events.find((e) => e.actionId === v.event.actionId);
      if (first === undefined || first.status === 'REJECTED') continue;
      const target = v.event.voidsActionId ?? '';
      effectiveVoids.set(target, [...(effectiveVoids.get(target) ?? []), v.event.actionId]);
    }
    expect(effectiveVoids.size).toBeGreaterThan(0);
    expect([...effectiveVoids].filter(([, voids]) => voids.length > 1)).toEqual([]);
    // Final states agree with the transactions: HELD never, POSTED/RELEASED/VOIDED actions with their transaction's status.
    const mismatched = await rows(
      h.pool,
      `SELECT a.id, a.status, t.status AS tx FROM wallet_actions a JOIN ledger_transactions t ON t.id = a.ledger_transaction_id
       WHERE NOT ((a.status = 'POSTED' AND t.status = 'POSTED') OR (a.status = 'RELEASED' AND t.status = 'REJECTED') OR (a.status = 'VOIDED' AND t.status = 'VOIDED'))`,
    );
    expect(mismatched).toEqual([]);

    // No wallet's balance in any update broke its own limit (an enterprise child's own available may
    // be negative: its pool is checked per batch above).
    for (const e of events) {
      const w = byId.get(e.walletId);
      if (w === undefined) continue;
      const committed = e.balances.postedMinor - e.balances.pendingOutMinor;
      if (w.kind !== 'enterprise') expect([e.walletId, e.balances.availableMinor >= 0]).toEqual([e.walletId, true]);
      if (w.kind === 'enterprise' && w.parentWalletId === null) expect(e.balances.availableMinor).toBe(committed + w.creditLimitMinor);
      if (w.childLimitMinor !== null) expect([e.walletId, -committed <= w.childLimitMinor]).toEqual([e.walletId, true]);
      expect(e.balances.shadowMinor).toBe(e.balances.postedMinor + e.balances.pendingInMinor - e.balances.pendingOutMinor);
    }

    // Per currency everything sums to zero, and nothing is pending any more.
    const sums = await rows(h.pool, 'SELECT currency, SUM(posted_minor) AS posted, SUM(pending_in_minor) AS pin, SUM(pending_out_minor) AS pout FROM accounts GROUP BY currency ORDER BY currency');
    expect(sums.map((r) => [r.currency, Number(r.posted), Number(r.pin), Number(r.pout)])).toEqual([
      ['EUR', 0, 0, 0],
      ['USD', 0, 0, 0],
    ]);
    // Every balance equals a replay of the entries (POSTED counts; HELD would be pending; the rest nothing).
    const replay = await rows(
      h.pool,
      `SELECT a.id, a.posted_minor, a.pending_in_minor, a.pending_out_minor,
         COALESCE(SUM(CASE WHEN t.status = 'POSTED' THEN e.amount_minor END), 0) AS posted,
         COALESCE(SUM(CASE WHEN t.status = 'HELD' AND e.amount_minor > 0 THEN e.amount_minor END), 0) AS pending_in,
         COALESCE(SUM(CASE WHEN t.status = 'HELD' AND e.amount_minor < 0 THEN -e.amount_minor END), 0) AS pending_out
       FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
       GROUP BY a.id, a.posted_minor, a.pending_in_minor, a.pending_out_minor`,
    );
    expect(replay.length).toBeGreaterThan(30);
    for (const r of replay) {
      expect([r.id, Number(r.posted_minor), Number(r.pending_in_minor), Number(r.pending_out_minor)]).toEqual([r.id, Number(r.posted), Number(r.pending_in), Number(r.pending_out)]);
    }
    expect(await rows(h.pool, 'SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0')).toEqual([]);
    // Each wallet's final balances were announced by one of its updates (not necessarily the last to
    // arrive: two consumers committing changes of one wallet publish after commit, in either order);
    // what may be spent is never negative.
    for (const w of wallets) {
      const stored = await getWalletBalances(h.pool, w.walletId);
      expect(stored.spendableMinor).toBeGreaterThanOrEqual(0);
      const figures = (b: { postedMinor: number; pendingInMinor: number; pendingOutMinor: number }): string => `${b.postedMinor}/${b.pendingInMinor}/${b.pendingOutMinor}`;
      const announced = events.filter((e) => e.walletId === w.walletId).map((e) => figures(e.balances));
      if (announced.length > 0) expect([w.walletId, announced.includes(figures(stored))]).toEqual([w.walletId, true]);
    }
  });
});
