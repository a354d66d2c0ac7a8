import {
  actionTransactionId,
  isLedgerError,
  planLedgerBatch,
  systemAccountId,
  type AccountState,
  type ActionRecord,
  type LedgerCommand,
  type LedgerSnapshot,
  type LedgerTransaction,
} from '../../../processors/ledger';
import type { EventEnvelope, WalletUpdated } from '../../../schemas';
import { action, topUp, transfer, usage, voidOf } from './wallet.fixtures';

const merchantId = 'mer-1';
const ctx = { feeBps: 250, now: 1_732_230_009_000 };
const clearing = systemAccountId('topup_clearing', 'EUR');
const revenue = systemAccountId('usage_revenue', 'EUR');

function account(id: string, fields: Partial<AccountState> = {}): AccountState {
  return {
    id,
    merchantId: fields.kind === 'system' ? null : merchantId,
    kind: 'personal',
    systemCode: null,
    currency: 'EUR',
    parentAccountId: null,
    isDefault: false,
    creditLimitMinor: 0n,
    childLimitMinor: null,
    postedMinor: 0n,
    pendingInMinor: 0n,
    pendingOutMinor: 0n,
    ...fields,
  };
}

function systemAccounts(): AccountState[] {
  return [account(clearing, { kind: 'system', systemCode: 'topup_clearing' }), account(revenue, { kind: 'system', systemCode: 'usage_revenue' })];
}

/** A PENDING `wallet_actions` row for the action, as the gateway records it. */
function row(a: EventEnvelope<'BalanceActionRequested'>): ActionRecord {
  const e = a.event;
  return {
    id: e.actionId,
    merchantId: e.merchantId,
    kind: e.kind,
    walletId: e.walletId,
    counterpartyWalletId: e.counterpartyWalletId,
    amountMinor: e.amountMinor,
    currency: e.currency,
    voidsActionId: e.voidsActionId,
    status: 'PENDING',
    reasonCode: null,
    reason: null,
    ledgerTransactionId: null,
    voidedByActionId: null,
    decidedAt: null,
    settledAt: null,
  };
}

function snapshot(accounts: AccountState[], actions: EventEnvelope<'BalanceActionRequested'>[], extra: Partial<LedgerSnapshot> = {}): LedgerSnapshot {
  return {
    accounts: new Map([...systemAccounts(), ...accounts].map((a) => [a.id, a])),
    transactions: new Map(),
    creditedOrders: new Set(),
    actions: new Map(actions.map((a) => [a.event.actionId, row(a)])),
    pools: new Map(),
    ...extra,
  };
}

function commands(...actions: EventEnvelope<'BalanceActionRequested'>[]): LedgerCommand[] {
  return actions.map((a) => ({ type: 'BalanceActionRequested', event: a.event, source: { eventId: a.eventId, correlationId: a.correlationId } }));
}

function updatesOf(plan: ReturnType<typeof planLedgerBatch>): WalletUpdated[] {
  return plan.outputs.flatMap((o) => (o.type === 'WalletUpdated' ? [o.event] : []));
}

describe('wallet actions (pure planning)', () => {
  it('decides 100 usages on one wallet in event order, refusing exactly those that would overdraw', () => {
    const amounts = Array.from({ length: 100 }, (_, i) => 1 + ((i * 37) % 250));
    const spends = amounts.map((amount) => usage(merchantId, 'w-1', amount));
    const state = snapshot([account('w-1', { postedMinor: 10_000n, pendingInMinor: 5_000n })], spends);
    const plan = planLedgerBatch(commands(...spends), state, ctx);

    let available = 10_000;
    const expected = amounts.map((amount) => (amount <= available ? ((available -= amount), 'HELD') : 'REJECTED'));
    expect(expected).toContain('REJECTED');
    expect(updatesOf(plan).map((u) => u.status)).toEqual(expected);
    expect(plan.transactions).toHaveLength(expected.filter((s) => s === 'HELD').length);
    expect(plan.actionUpdates.map((u) => u.status)).toEqual(expected);
    const wallet = plan.accounts.find((a) => a.id === 'w-1');
    expect(wallet?.pendingOutMinor).toBe(BigInt(10_000 - available));
    // The snapshot is left as it was.
    expect(state.accounts.get('w-1')?.pendingOutMinor).toBe(0n);
    expect(state.actions.get(spends[0]?.event.actionId ?? '')?.status).toBe('PENDING');
  });

  it('voids an action decided earlier in the same batch: the transaction is written once, VOIDED, and nothing stays held', () => {
    const credit = topUp(merchantId, 'w-1', 800);
    const cancel = voidOf(credit);
    const plan = planLedgerBatch(commands(credit, cancel), snapshot([account('w-1')], [credit, cancel]), ctx);

    expect(plan.transactions.map((t) => [t.id, t.status])).toEqual([[actionTransactionId(credit.event.actionId), 'VOIDED']]);
    expect(plan.statusChanges).toEqual([]);
    for (const a of plan.accounts) expect([a.id, a.pendingInMinor, a.pendingOutMinor, a.postedMinor]).toEqual([a.id, 0n, 0n, 0n]);
    expect(plan.actionUpdates.map((u) => [u.id, u.status, u.voidedByActionId])).toEqual([
      [credit.event.actionId, 'VOIDED', cancel.event.actionId],
      [cancel.event.actionId, 'POSTED', null],
    ]);
    expect(updatesOf(plan).map((u) => [u.actionId, u.status, u.amountMinor])).toEqual([
      [credit.event.actionId, 'HELD', 800],
      [cancel.event.actionId, 'VOIDED', -800],
    ]);
  });

  it('compensates a POSTED transfer by debiting the destination wallet, which must have the funds', () => {
    const move = transfer(merchantId, 'w-a', 'w-b', 600);
    const posted: LedgerTransaction = {
      id: actionTransactionId(move.event.actionId),
      kind: 'TRANSFER',
      status: 'POSTED',
      currency: 'EUR',
      amountMinor: 600,
      merchantId,
      walletId: 'w-a',
      orderId: null,
      actionId: move.event.actionId,
      reversesTransactionId: null,
      sourceEventId: move.eventId,
      memo: 'transfer',
      createdAt: 1,
      settledAt: 2,
      entries: [
        { accountId: 'w-a', amountMinor: -600 },
        { accountId: 'w-b', amountMinor: 600 },
      ],
    };
    const cancel = voidOf(move);
    const stored = { ...row(move), status: 'POSTED' as const, ledgerTransactionId: posted.id };
    const base = (bPosted: bigint): LedgerSnapshot =>
      snapshot([account('w-a', { postedMinor: 0n }), account('w-b', { postedMinor: bPosted })], [cancel], {
        transactions: new Map([[posted.id, posted]]),
        actions: new Map([
          [move.event.actionId, stored],
          [cancel.event.actionId, row(cancel)],
        ]),
      });

    const spent = planLedgerBatch(commands(cancel), base(599n), ctx);
    expect(updatesOf(spent)[0]).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: wallet w-b: available 599 < 600' });

    const plan = planLedgerBatch(commands(cancel), base(600n), ctx);
    expect(plan.transactions[0]).toMatchObject({
      kind: 'VOID',
      status: 'HELD',
      reversesTransactionId: posted.id,
      entries: [
        { accountId: 'w-a', amountMinor: 600 },
        { accountId: 'w-b', amountMinor: -600 },
      ],
    });
    expect(updatesOf(plan).map((u) => [u.walletId, u.cause, u.status, u.amountMinor])).toEqual([
      ['w-a', 'VOID', 'HELD', 600],
      ['w-b', 'VOID', 'HELD', -600],
    ]);
    expect(plan.actionUpdates).toEqual([
      expect.objectContaining({ id: move.event.actionId, status: 'POSTED', voidedByActionId: cancel.event.actionId }),
      expect.objectContaining({ id: cancel.event.actionId, status: 'HELD', ledgerTransactionId: actionTransactionId(cancel.event.actionId) }),
    ]);
  });

  it('refuses to decide a debit on an enterprise wallet whose pool the batch did not lock (a bug, not a refusal)', () => {
    const spend = usage(merchantId, 'child', 10);
    const state = snapshot([account('parent', { kind: 'enterprise' }), account('child', { kind: 'enterprise', parentAccountId: 'parent', postedMinor: 100n })], [spend]);
    let caught: unknown;
    try {
      planLedgerBatch(commands(spend), state, ctx);
    } catch (err) {
      caught = err;
    }
    expect(isLedgerError(caught) && caught.code === 'LEDGER_ACCOUNT_MISSING' && !caught.retryable).toBe(true);
    const plan = planLedgerBatch(commands(spend), { ...state, pools: new Map([['parent', ['child']]]) }, ctx);
    expect(updatesOf(plan)[0]?.status).toBe('HELD');
  });

  it('skips an action that is no longer PENDING, and refuses a void without a target', () => {
    const credit = topUp(merchantId, 'w-1', 100);
    const orphan = action('VOID', { merchantId, walletId: 'w-1' });
    const state = snapshot([account('w-1')], [orphan], {
      actions: new Map([
        [credit.event.actionId, { ...row(credit), status: 'REJECTED' }],
        [orphan.event.actionId, row(orphan)],
      ]),
    });
    const plan = planLedgerBatch(commands(credit, orphan), state, ctx);
    expect(plan.skipped).toEqual([{ eventId: credit.eventId, reason: 'ACTION_ALREADY_DECIDED' }]);
    expect(updatesOf(plan)).toEqual([expect.objectContaining({ actionId: orphan.event.actionId, status: 'REJECTED', reason: 'INVALID_ACTION: a void needs the id of the action it voids' })]);
    expect(plan.transactions).toEqual([]);
  });
});
