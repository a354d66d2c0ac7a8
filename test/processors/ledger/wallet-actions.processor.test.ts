import { randomUUID } from 'node:crypto';
import { actionTransactionId, createLedgerProcessor, getWalletBalances, LEDGER_PROCESSOR_NAME, systemAccountId } from '../../../processors/ledger';
import type { Processor } from '../../../processors/runtime';
import { TOPICS, type EventEnvelope, type WalletUpdated } from '../../../schemas';
import { codec, createHarness, createTestDatabase, rows, silentLogger, type Harness, type Observer, type TestDatabase } from './processor.harness';
import { accountBalances, action, actionRow, insertMerchant, recordActions, submit, topUp, transfer, usage, verdictOn, voidOf, wallet } from './wallet.fixtures';

const NOW = 1_732_230_009_000;
type Action = EventEnvelope<'BalanceActionRequested'>;

describe('ledger: balance actions', () => {
  let db: TestDatabase;
  let h: Harness;
  let updates: Observer;
  let merchantId: string;
  let batches: number;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    h = await createHarness({ db });
    updates = await h.observe(TOPICS.walletUpdates);
    merchantId = await insertMerchant(h.pool);
    batches = 0;
  });
  afterEach(async () => {
    await h.close();
  });

  async function start(options: { maxBatchSize?: number } = {}): Promise<void> {
    const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 }, now: () => NOW });
    const counted: Processor = {
      name: processor.name,
      topics: processor.topics,
      handle: async (batch) => {
        batches += 1;
        await processor.handle(batch);
      },
    };
    await h.run(counted, options);
  }

  /** Publishes the actions (rows first) and waits until the ledger acknowledged them. */
  async function act(...actions: Action[]): Promise<void> {
    await submit(h, actions);
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions);
  }

  async function erp(...verdicts: EventEnvelope<'ErpConfirmation'>[]): Promise<void> {
    await h.publish(TOPICS.erpConfirmations, verdicts);
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.erpConfirmations);
  }

  /** Every WalletUpdated published for the action, in order. */
  async function outcome(target: Action, count = 1): Promise<WalletUpdated[]> {
    const mine = (): WalletUpdated[] => updates.events('WalletUpdated').flatMap((u) => (u.event.actionId === target.event.actionId ? [u.event] : []));
    const deadline = Date.now() + 10_000;
    while (mine().length < count) {
      if (Date.now() > deadline) throw new Error(`no ${count} WalletUpdated for action ${target.event.actionId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return mine();
  }

  async function funded(walletId: string, amount: number): Promise<void> {
    const credit = topUp(merchantId, walletId, amount);
    await act(credit);
    await erp(verdictOn(credit, 'CONFIRMED'));
  }

  async function expectInvariants(): Promise<void> {
    const sums = await rows(h.pool, 'SELECT currency, SUM(posted_minor) AS posted, SUM(pending_in_minor - pending_out_minor) AS pending FROM accounts GROUP BY currency');
    for (const row of sums) expect([row.currency, Number(row.posted), Number(row.pending)]).toEqual([row.currency, 0, 0]);
    expect(await rows(h.pool, 'SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0')).toEqual([]);
  }

  it('holds a top-up at once and posts it on ERP confirmation', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 10_000);
    await act(credit);
    const txId = actionTransactionId(credit.event.actionId);
    const clearing = systemAccountId('topup_clearing', 'EUR');

    const [held] = await outcome(credit);
    expect(held).toEqual({
      walletId,
      merchantId,
      ledgerTransactionId: txId,
      cause: 'TOP_UP',
      status: 'HELD',
      actionId: credit.event.actionId,
      orderId: null,
      amountMinor: 10_000,
      currency: 'EUR',
      balances: { postedMinor: 0, pendingInMinor: 10_000, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 10_000 },
      lines: [
        { account: clearing, amountMinor: -10_000 },
        { account: walletId, amountMinor: 10_000 },
      ],
      reason: null,
      occurredAt: NOW,
    });
    expect(await actionRow(h.pool, credit.event.actionId)).toEqual({
      status: 'HELD',
      reason_code: null,
      reason: null,
      ledger_transaction_id: txId,
      voided_by_action_id: null,
      decided: 1,
      settled: 0,
    });
    expect(await rows(h.pool, 'SELECT kind, status, action_id, wallet_id, amount_minor FROM ledger_transactions')).toEqual([
      { kind: 'TOP_UP', status: 'HELD', action_id: credit.event.actionId, wallet_id: walletId, amount_minor: 10_000 },
    ]);

    await erp(verdictOn(credit, 'CONFIRMED'));
    const [, posted] = await outcome(credit, 2);
    expect(posted).toMatchObject({ status: 'POSTED', cause: 'TOP_UP', amountMinor: 0, balances: { postedMinor: 10_000, pendingInMinor: 0, availableMinor: 10_000, shadowMinor: 10_000 } });
    expect(await actionRow(h.pool, credit.event.actionId)).toMatchObject({ status: 'POSTED', settled: 1 });
    expect(await accountBalances(h.pool, clearing)).toEqual({ posted: -10_000, pendingIn: 0, pendingOut: 0 });
    await expectInvariants();
  });

  it('holds a usage only when funds allow it; unconfirmed credits are not spendable; refusals are decided at request', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 10_000);
    const early = usage(merchantId, walletId, 1);
    await act(credit, early);
    const [refused] = await outcome(early);
    expect(refused).toMatchObject({
      status: 'REJECTED',
      cause: 'USAGE',
      amountMinor: 0,
      lines: [],
      ledgerTransactionId: actionTransactionId(early.event.actionId),
      reason: 'INSUFFICIENT_FUNDS: available 0 < 1',
      balances: { postedMinor: 0, pendingInMinor: 10_000, availableMinor: 0 },
    });
    expect(await actionRow(h.pool, early.event.actionId)).toMatchObject({ status: 'REJECTED', reason_code: 'INSUFFICIENT_FUNDS', ledger_transaction_id: null, decided: 1 });

    await erp(verdictOn(credit, 'CONFIRMED'));
    const spend = usage(merchantId, walletId, 4_000);
    const tooMuch = usage(merchantId, walletId, 6_001);
    await act(spend, tooMuch);
    expect((await outcome(spend))[0]).toMatchObject({
      status: 'HELD',
      cause: 'USAGE',
      amountMinor: -4_000,
      balances: { postedMinor: 10_000, pendingOutMinor: 4_000, availableMinor: 6_000, shadowMinor: 6_000 },
      lines: [
        { account: walletId, amountMinor: -4_000 },
        { account: systemAccountId('usage_revenue', 'EUR'), amountMinor: 4_000 },
      ],
    });
    expect((await outcome(tooMuch))[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: available 6000 < 6001' });
    // Rejected actions leave no ledger rows.
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions WHERE action_id IN (?)', [[early.event.actionId, tooMuch.event.actionId]])).toEqual([{ n: 0 }]);
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 10_000, pendingIn: 0, pendingOut: 4_000 });
    await expectInvariants();
  });

  it('decides a batch of 100 usages on one wallet in event order: exactly those that would overdraw are refused', async () => {
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    await start();
    await funded(walletId, 25_000);
    const before = batches;
    const amounts = Array.from({ length: 100 }, (_, i) => 100 + ((i * 7_919) % 900));
    const spends = amounts.map((amount) => usage(merchantId, walletId, amount));
    await recordActions(h.pool, spends);
    await h.publish(TOPICS.balanceActions, spends);
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions);
    expect(batches - before).toBe(1);

    let available = 25_000;
    const expected = amounts.map((amount) => {
      if (amount > available) return 'REJECTED';
      available -= amount;
      return 'HELD';
    });
    expect(expected).toContain('REJECTED');
    const decided = await Promise.all(spends.map(async (s) => (await outcome(s))[0]?.status));
    expect(decided).toEqual(expected);
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 25_000, pendingIn: 0, pendingOut: 25_000 - available });
    const statuses = await rows(h.pool, 'SELECT status, COUNT(*) AS n FROM wallet_actions WHERE kind = ? GROUP BY status ORDER BY status', ['USAGE']);
    expect(statuses).toEqual([
      { status: 'HELD', n: expected.filter((s) => s === 'HELD').length },
      { status: 'REJECTED', n: expected.filter((s) => s === 'REJECTED').length },
    ]);
    await expectInvariants();
  });

  it('settles each action exactly once: a rejection releases the hold, later verdicts change nothing', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    await funded(walletId, 1_000);
    const spend = usage(merchantId, walletId, 600);
    const kept = usage(merchantId, walletId, 300);
    await act(spend, kept);
    const rejection = verdictOn(spend, 'REJECTED', 'cost centre closed');
    await erp(rejection, verdictOn(kept, 'CONFIRMED'));
    await erp(rejection, verdictOn(spend, 'CONFIRMED'), verdictOn(kept, 'REJECTED'), verdictOn(kept, 'CONFIRMED'));

    const spent = await outcome(spend, 2);
    expect(spent).toHaveLength(2);
    // Balances right after the release (the other usage was still held then).
    expect(spent[1]).toMatchObject({ status: 'REJECTED', amountMinor: 600, reason: 'cost centre closed', balances: { postedMinor: 1_000, pendingOutMinor: 300, availableMinor: 700 } });
    expect(await outcome(kept, 2)).toHaveLength(2);
    expect(await actionRow(h.pool, spend.event.actionId)).toMatchObject({ status: 'RELEASED', reason_code: 'ERP_REJECTED', reason: 'ERP_REJECTED: cost centre closed', settled: 1 });
    expect(await actionRow(h.pool, kept.event.actionId)).toMatchObject({ status: 'POSTED', settled: 1 });
    expect(await rows(h.pool, 'SELECT status FROM ledger_transactions WHERE id = ?', [actionTransactionId(spend.event.actionId)])).toEqual([{ status: 'REJECTED' }]);
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 700, pendingIn: 0, pendingOut: 0 });
    await expectInvariants();
  });

  it('voids a HELD action: its holds are released, it becomes VOIDED, the void is POSTED, a late ERP verdict changes nothing', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 5_000);
    await act(credit);
    const cancel = voidOf(credit);
    await act(cancel);
    const [voided] = await outcome(cancel);
    expect(voided).toMatchObject({
      walletId,
      status: 'VOIDED',
      cause: 'VOID',
      ledgerTransactionId: actionTransactionId(credit.event.actionId),
      amountMinor: -5_000,
      balances: { postedMinor: 0, pendingInMinor: 0, pendingOutMinor: 0, shadowMinor: 0 },
    });
    expect(voided?.lines).toHaveLength(2);
    expect(await actionRow(h.pool, credit.event.actionId)).toMatchObject({ status: 'VOIDED', voided_by_action_id: cancel.event.actionId, settled: 1 });
    expect(await actionRow(h.pool, cancel.event.actionId)).toMatchObject({ status: 'POSTED', ledger_transaction_id: null, decided: 1, settled: 1 });
    expect(await rows(h.pool, 'SELECT status FROM ledger_transactions')).toEqual([{ status: 'VOIDED' }]);

    await erp(verdictOn(credit, 'CONFIRMED'));
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 0 });
    expect(await outcome(credit)).toHaveLength(1);
    await expectInvariants();
  });

  it('voids a POSTED action with a compensating HELD transaction, itself confirmed by the ERP', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 5_000);
    await act(credit);
    await erp(verdictOn(credit, 'CONFIRMED'));
    const cancel = voidOf(credit);
    await act(cancel);

    const compensationId = actionTransactionId(cancel.event.actionId);
    const [held] = await outcome(cancel);
    expect(held).toMatchObject({
      status: 'HELD',
      cause: 'VOID',
      ledgerTransactionId: compensationId,
      amountMinor: -5_000,
      balances: { postedMinor: 5_000, pendingOutMinor: 5_000, availableMinor: 0, shadowMinor: 0 },
      lines: [
        { account: systemAccountId('topup_clearing', 'EUR'), amountMinor: 5_000 },
        { account: walletId, amountMinor: -5_000 },
      ],
    });
    expect(await rows(h.pool, 'SELECT kind, status, reverses_transaction_id FROM ledger_transactions WHERE id = ?', [compensationId])).toEqual([
      { kind: 'VOID', status: 'HELD', reverses_transaction_id: actionTransactionId(credit.event.actionId) },
    ]);
    expect(await actionRow(h.pool, cancel.event.actionId)).toMatchObject({ status: 'HELD', ledger_transaction_id: compensationId, settled: 0 });
    expect(await actionRow(h.pool, credit.event.actionId)).toMatchObject({ status: 'POSTED', voided_by_action_id: cancel.event.actionId });
    // The held compensation already keeps the money from being spent.
    const spend = usage(merchantId, walletId, 1);
    await act(spend);
    expect((await outcome(spend))[0]?.status).toBe('REJECTED');

    await erp(verdictOn(cancel, 'CONFIRMED'));
    expect((await outcome(cancel, 2))[1]).toMatchObject({ status: 'POSTED', cause: 'VOID', balances: { postedMinor: 0, pendingOutMinor: 0 } });
    expect(await actionRow(h.pool, cancel.event.actionId)).toMatchObject({ status: 'POSTED', settled: 1 });
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 0 });
    // Entries are immutable: the original's two plus the compensation's two.
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_entries')).toEqual([{ n: 4 }]);
    await expectInvariants();
  });

  it('refuses a void whose compensation the wallet cannot cover, and leaves the action voidable', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 5_000);
    await act(credit);
    await erp(verdictOn(credit, 'CONFIRMED'));
    await act(usage(merchantId, walletId, 4_000));
    const cancel = voidOf(credit);
    await act(cancel);
    expect((await outcome(cancel))[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: available 1000 < 5000' });
    expect(await actionRow(h.pool, credit.event.actionId)).toMatchObject({ status: 'POSTED', voided_by_action_id: null });
    expect(await actionRow(h.pool, cancel.event.actionId)).toMatchObject({ status: 'REJECTED', reason_code: 'INSUFFICIENT_FUNDS' });
  });

  it('voids an action at most once, never a void, and nothing already final', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 5_000);
    await act(credit);
    const first = voidOf(credit);
    await act(first);
    // The gateway cannot record a second void of one action (UNIQUE voids_action_id); published anyway, the ledger refuses it.
    const second = voidOf(credit);
    await recordActions(h.pool, [second]);
    expect(await actionRow(h.pool, second.event.actionId)).toBeUndefined();
    await h.publish(TOPICS.balanceActions, [second]);
    const ofVoid = voidOf(first);
    const refused = usage(merchantId, walletId, 1);
    await act(ofVoid, refused);
    const ofRefused = voidOf(refused);
    await act(ofRefused);

    expect((await outcome(second))[0]).toMatchObject({ status: 'REJECTED', cause: 'VOID', reason: `ALREADY_VOIDED: action ${credit.event.actionId} is already voided by action ${first.event.actionId}` });
    expect((await outcome(ofVoid))[0]).toMatchObject({ status: 'REJECTED', reason: `CANNOT_VOID_A_VOID: action ${first.event.actionId} is a void` });
    expect((await outcome(ofRefused))[0]).toMatchObject({ status: 'REJECTED', reason: `NOTHING_TO_VOID: action ${refused.event.actionId} is REJECTED` });
    expect(await actionRow(h.pool, ofVoid.event.actionId)).toMatchObject({ status: 'REJECTED', reason_code: 'CANNOT_VOID_A_VOID' });
    expect(await actionRow(h.pool, first.event.actionId)).toMatchObject({ status: 'POSTED', voided_by_action_id: null });
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: 1 }]);
  });

  it('voids an action the ledger has not decided yet; its request, arriving later, changes nothing', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const late = topUp(merchantId, walletId, 700);
    await recordActions(h.pool, [late]);
    const cancel = voidOf(late);
    await act(cancel);
    expect((await outcome(cancel))[0]).toMatchObject({ status: 'VOIDED', ledgerTransactionId: actionTransactionId(late.event.actionId), amountMinor: 0, lines: [] });
    await h.publish(TOPICS.balanceActions, [late]);
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions);

    expect(await actionRow(h.pool, late.event.actionId)).toMatchObject({ status: 'VOIDED', voided_by_action_id: cancel.event.actionId });
    expect(await actionRow(h.pool, cancel.event.actionId)).toMatchObject({ status: 'POSTED' });
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: 0 }]);
    expect(await accountBalances(h.pool, walletId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 0 });
  });

  it('transfers between two wallets: one transaction, an update per wallet, currencies kept apart', async () => {
    await start();
    const a = (await wallet(h.pool, merchantId, { kind: 'personal' })).walletId;
    const b = (await wallet(h.pool, merchantId, { kind: 'personal' })).walletId;
    const dollars = (await wallet(h.pool, merchantId, { kind: 'personal', currency: 'USD' })).walletId;
    await funded(a, 10_000);
    const move = transfer(merchantId, a, b, 3_000);
    const crossCurrency = transfer(merchantId, a, dollars, 100);
    const wrongCurrency = transfer(merchantId, a, b, 100, 'USD');
    const tooMuch = transfer(merchantId, a, b, 7_001);
    await act(move, crossCurrency, wrongCurrency, tooMuch);

    // Keyed by wallet, the two updates may arrive in either order.
    const held = await outcome(move, 2);
    const out = held.find((u) => u.walletId === a);
    const into = held.find((u) => u.walletId === b);
    expect(out).toMatchObject({ walletId: a, cause: 'TRANSFER_OUT', status: 'HELD', amountMinor: -3_000, balances: { availableMinor: 7_000 } });
    expect(into).toMatchObject({ walletId: b, cause: 'TRANSFER_IN', status: 'HELD', amountMinor: 3_000, balances: { pendingInMinor: 3_000, availableMinor: 0 } });
    expect(out?.ledgerTransactionId).toBe(into?.ledgerTransactionId);
    expect((await outcome(crossCurrency))[0]).toMatchObject({ status: 'REJECTED', reason: `CURRENCY_MISMATCH: the action is in EUR, wallet ${dollars} holds USD` });
    expect((await outcome(wrongCurrency))[0]).toMatchObject({ status: 'REJECTED', reason: `CURRENCY_MISMATCH: the action is in USD, wallet ${a} holds EUR` });
    expect((await outcome(tooMuch))[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: available 7000 < 7001' });

    await erp(verdictOn(move, 'CONFIRMED'));
    const settled = (await outcome(move, 4)).filter((u) => u.status === 'POSTED');
    expect(settled.map((u) => [u.walletId, u.cause, u.status, u.balances.postedMinor]).sort()).toEqual([
      [a, 'TRANSFER_OUT', 'POSTED', 7_000],
      [b, 'TRANSFER_IN', 'POSTED', 3_000],
    ].sort());
    expect(await accountBalances(h.pool, dollars)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 0 });
    await expectInvariants();
  });

  it('runs opposite transfers on two consumers without deadlocks and keeps every balance exact', async () => {
    const failures: unknown[] = [];
    for (let member = 0; member < 2; member += 1) {
      const processor = createLedgerProcessor({ pool: h.pool, publish: h.publishOutputs, codec, logger: silentLogger, options: { feeBps: 250 } });
      const watched: Processor = {
        name: processor.name,
        topics: processor.topics,
        handle: async (batch) => {
          try {
            await processor.handle(batch);
          } catch (err) {
            failures.push(err);
            throw err;
          }
        },
      };
      await h.run(watched, { maxBatchSize: 20 });
    }
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push((await wallet(h.pool, merchantId, { kind: 'personal' })).walletId);
    const credits = ids.map((id) => topUp(merchantId, id, 1_000));
    await act(...credits);
    await erp(...credits.map((c) => verdictOn(c, 'CONFIRMED')));
    const moves: Action[] = [];
    for (let i = 0; i < 200; i += 1) moves.push(transfer(merchantId, ids[i % 4] ?? '', ids[(i + 1 + (i % 3)) % 4] ?? '', 1 + (i % 50)));
    await act(...moves);

    expect(failures).toEqual([]);
    const held = await rows(h.pool, "SELECT COUNT(*) AS n FROM wallet_actions WHERE kind = 'TRANSFER' AND status = 'HELD'");
    const rejected = await rows(h.pool, "SELECT COUNT(*) AS n FROM wallet_actions WHERE kind = 'TRANSFER' AND status = 'REJECTED'");
    expect(Number(held[0]?.n) + Number(rejected[0]?.n)).toBe(200);
    // Replaying the entries gives every stored balance.
    const replay = await rows(
      h.pool,
      `SELECT a.id, a.posted_minor, a.pending_in_minor, a.pending_out_minor,
         COALESCE(SUM(CASE WHEN t.status = 'POSTED' THEN e.amount_minor END), 0) AS posted,
         COALESCE(SUM(CASE WHEN t.status = 'HELD' AND e.amount_minor > 0 THEN e.amount_minor END), 0) AS pending_in,
         COALESCE(SUM(CASE WHEN t.status = 'HELD' AND e.amount_minor < 0 THEN -e.amount_minor END), 0) AS pending_out
       FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
       GROUP BY a.id, a.posted_minor, a.pending_in_minor, a.pending_out_minor`,
    );
    for (const r of replay) expect([r.id, Number(r.posted_minor), Number(r.pending_in_minor), Number(r.pending_out_minor)]).toEqual([r.id, Number(r.posted), Number(r.pending_in), Number(r.pending_out)]);
    for (const id of ids) expect((await getWalletBalances(h.pool, id)).availableMinor).toBeGreaterThanOrEqual(0);
    await expectInvariants();
  });

  it('lets enterprise children draw on the pool within their child limit, and the parent spend its credit limit', async () => {
    await start();
    const parent = (await wallet(h.pool, merchantId, { kind: 'enterprise', creditLimitMinor: 1_000 })).walletId;
    const limited = (await wallet(h.pool, merchantId, { kind: 'enterprise', parentWalletId: parent, childLimitMinor: 300 })).walletId;
    const open = (await wallet(h.pool, merchantId, { kind: 'enterprise', parentWalletId: parent })).walletId;
    await funded(parent, 500);
    // Pool: 500 posted + 1,000 credit.
    const steps: [Action, string, string | null][] = [
      [usage(merchantId, limited, 300), 'HELD', null],
      [usage(merchantId, limited, 1), 'REJECTED', 'INSUFFICIENT_FUNDS: child limit 300 exceeded (would owe 301)'],
      [usage(merchantId, open, 1_000), 'HELD', null],
      [usage(merchantId, open, 201), 'REJECTED', 'INSUFFICIENT_FUNDS: pool available 200 < 201'],
      [usage(merchantId, parent, 200), 'HELD', null],
      [usage(merchantId, parent, 1), 'REJECTED', 'INSUFFICIENT_FUNDS: pool available 0 < 1'],
    ];
    // Different wallets are different keys (partitions): one at a time, so the order is the one written.
    for (const [step, status, reason] of steps) {
      await act(step);
      expect((await outcome(step))[0]).toMatchObject({ status, reason });
    }

    expect(await getWalletBalances(h.pool, limited)).toMatchObject({ availableMinor: -300, poolAvailableMinor: 0, spendableMinor: 0, childLimitMinor: 300 });
    expect(await getWalletBalances(h.pool, parent)).toMatchObject({ postedMinor: 500, pendingOutMinor: 200, availableMinor: 1_300, creditLimitMinor: 1_000, poolAvailableMinor: 0 });
    // A child's own confirmed top-up joins the pool.
    await funded(open, 150);
    const after = usage(merchantId, limited, 100);
    await act(after);
    expect((await outcome(after))[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: child limit 300 exceeded (would owe 400)' });
    const parentSpend = usage(merchantId, parent, 150);
    await act(parentSpend);
    expect((await outcome(parentSpend))[0]).toMatchObject({ status: 'HELD', balances: { availableMinor: 1_150 } });
    await expectInvariants();
  });

  it('funds reseller children only by transfers from their parent', async () => {
    await start();
    const reseller = (await wallet(h.pool, merchantId, { kind: 'reseller' })).walletId;
    const other = (await wallet(h.pool, merchantId, { kind: 'reseller' })).walletId;
    const child = (await wallet(h.pool, merchantId, { kind: 'reseller', parentWalletId: reseller })).walletId;
    const personal = (await wallet(h.pool, merchantId, { kind: 'personal' })).walletId;
    await funded(reseller, 1_000);
    await funded(other, 1_000);
    await funded(personal, 1_000);
    const direct = topUp(merchantId, child, 100);
    const fromOther = transfer(merchantId, other, child, 100);
    const fromPersonal = transfer(merchantId, personal, child, 100);
    const fromParent = transfer(merchantId, reseller, child, 400);
    await act(direct, fromOther, fromPersonal, fromParent);

    expect((await outcome(direct))[0]).toMatchObject({ status: 'REJECTED', reason: `NOT_ALLOWED: wallet ${child} is a reseller child wallet: only transfers from its parent fund it` });
    for (const refused of [fromOther, fromPersonal]) {
      expect((await outcome(refused))[0]).toMatchObject({ status: 'REJECTED', reason: `NOT_ALLOWED: wallet ${child} is a reseller child wallet: only its parent ${reseller} may fund it` });
    }
    expect((await outcome(fromParent, 2)).map((u) => [u.walletId, u.status]).sort()).toEqual(
      [
        [reseller, 'HELD'],
        [child, 'HELD'],
      ].sort(),
    );
    await erp(verdictOn(fromParent, 'CONFIRMED'));
    // The child's own balance, not its parent's: it spends what it was given.
    const spend = usage(merchantId, child, 401);
    await act(spend);
    expect((await outcome(spend))[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: available 400 < 401' });
    await expectInvariants();
  });

  it('refuses actions on unknown wallets, other merchants wallets and with bad amounts, as values', async () => {
    await start();
    const mine = (await wallet(h.pool, merchantId, { kind: 'personal' })).walletId;
    const otherMerchant = await insertMerchant(h.pool);
    const theirs = (await wallet(h.pool, otherMerchant, { kind: 'personal' })).walletId;
    await funded(mine, 1_000);
    const theirCredit = topUp(otherMerchant, theirs, 900);
    await act(theirCredit);
    const unknown = topUp(merchantId, randomUUID(), 100);
    const foreign = usage(merchantId, theirs, 1);
    const intoForeign = transfer(merchantId, mine, theirs, 1);
    const zero = action('USAGE', { merchantId, walletId: mine, amountMinor: 0 });
    const toItself = transfer(merchantId, mine, mine, 1);
    await act(unknown, foreign, intoForeign, zero, toItself);

    expect((await outcome(unknown))[0]).toMatchObject({ status: 'REJECTED', reason: `WALLET_NOT_FOUND: wallet ${unknown.event.walletId} not found` });
    // Another merchant's balances are not shown to this one.
    expect((await outcome(foreign))[0]).toMatchObject({ status: 'REJECTED', reason: `NOT_ALLOWED: wallet ${theirs} belongs to another merchant`, balances: { shadowMinor: 0 } });
    expect(await accountBalances(h.pool, theirs)).toEqual({ posted: 0, pendingIn: 900, pendingOut: 0 });
    expect((await outcome(intoForeign))[0]).toMatchObject({ status: 'REJECTED', reason: `NOT_ALLOWED: wallet ${theirs} belongs to another merchant` });
    expect((await outcome(zero))[0]).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ACTION: amountMinor must be a positive safe integer, got 0' });
    expect((await outcome(toItself))[0]).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ACTION: a transfer needs two different wallets' });
    expect(await accountBalances(h.pool, mine)).toEqual({ posted: 1_000, pendingIn: 0, pendingOut: 0 });
  });

  it('changes nothing when actions and verdicts are delivered again', async () => {
    await start();
    const { walletId } = await wallet(h.pool, merchantId, { kind: 'personal' });
    const credit = topUp(merchantId, walletId, 2_000);
    const spend = usage(merchantId, walletId, 500);
    await act(credit);
    const confirm = verdictOn(credit, 'CONFIRMED');
    await erp(confirm);
    await act(spend);
    const cancel = voidOf(spend);
    await act(cancel);
    const seen = updates.messages.length;
    const balances = await accountBalances(h.pool, walletId);
    const actionRows = await rows(h.pool, 'SELECT id, status, decided_at, settled_at FROM wallet_actions ORDER BY id');

    await h.publish(TOPICS.balanceActions, [credit, spend, cancel]);
    await h.drained(LEDGER_PROCESSOR_NAME, TOPICS.balanceActions);
    await erp(confirm);

    expect(await accountBalances(h.pool, walletId)).toEqual(balances);
    expect(balances).toEqual({ posted: 2_000, pendingIn: 0, pendingOut: 0 });
    expect(await rows(h.pool, 'SELECT id, status, decided_at, settled_at FROM wallet_actions ORDER BY id')).toEqual(actionRows);
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: 2 }]);
    expect(updates.messages.length).toBe(seen);
  });
});
