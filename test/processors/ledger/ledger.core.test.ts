import {
  accountIdsToLock,
  defaultWalletId,
  isLedgerError,
  planLedgerBatch,
  saleAccountSpecs,
  saleTransactionId,
  systemAccountId,
  type AccountState,
  type LedgerCommand,
  type LedgerSnapshot,
  type LedgerTransaction,
} from '../../../processors/ledger';
import type { WalletUpdated } from '../../../schemas';
import { erpConfirmation, paymentCompleted, paymentFailed } from './ledger.events';

const merchantId = 'mer-1';
const walletId = defaultWalletId(merchantId, 'EUR');
const clearingId = systemAccountId('psp_clearing', 'EUR');
const revenueId = systemAccountId('platform_revenue', 'EUR');
const ctx = { feeBps: 250, now: 1_732_230_009_000 };

function account(id: string, balances: Partial<Pick<AccountState, 'postedMinor' | 'pendingInMinor' | 'pendingOutMinor' | 'creditLimitMinor'>> = {}): AccountState {
  return {
    id,
    merchantId: id === walletId ? merchantId : null,
    kind: id === walletId ? 'personal' : 'system',
    systemCode: id === clearingId ? 'psp_clearing' : id === revenueId ? 'platform_revenue' : null,
    currency: 'EUR',
    parentAccountId: null,
    isDefault: id === walletId,
    creditLimitMinor: 0n,
    childLimitMinor: null,
    postedMinor: 0n,
    pendingInMinor: 0n,
    pendingOutMinor: 0n,
    ...balances,
  };
}

function snapshot(overrides: Partial<LedgerSnapshot> = {}): LedgerSnapshot {
  return {
    accounts: new Map([walletId, clearingId, revenueId].map((id) => [id, account(id, { postedMinor: id === walletId ? 500n : 0n })])),
    transactions: new Map(),
    creditedOrders: new Set(),
    actions: new Map(),
    pools: new Map(),
    ...overrides,
  };
}

function command(envelope: ReturnType<typeof paymentCompleted> | ReturnType<typeof paymentFailed> | ReturnType<typeof erpConfirmation>): LedgerCommand {
  const source = { eventId: envelope.eventId, correlationId: envelope.correlationId };
  switch (envelope.type) {
    case 'PaymentCompleted':
      return { type: envelope.type, event: envelope.event, source };
    case 'PaymentFailed':
      return { type: envelope.type, event: envelope.event, source };
    case 'ErpConfirmation':
      return { type: envelope.type, event: envelope.event, source };
  }
}

function walletUpdates(plan: ReturnType<typeof planLedgerBatch>): WalletUpdated[] {
  return plan.outputs.flatMap((o) => (o.type === 'WalletUpdated' ? [o.event] : []));
}

describe('ledger core (pure)', () => {
  it('holds a sale: clearing −amount, wallet +net, revenue +fee, entries summing to zero', () => {
    const sale = paymentCompleted(merchantId, 1_001);
    const plan = planLedgerBatch([command(sale)], snapshot(), ctx);

    expect(plan.transactions).toHaveLength(1);
    const [transaction] = plan.transactions;
    expect(transaction).toMatchObject({ id: saleTransactionId(sale.eventId), kind: 'SALE', status: 'HELD', amountMinor: 1_001, walletId, orderId: sale.event.orderId });
    expect(transaction?.entries).toEqual([
      { accountId: clearingId, amountMinor: -1_001 },
      { accountId: walletId, amountMinor: 976 },
      { accountId: revenueId, amountMinor: 25 },
    ]);
    expect(transaction?.entries.reduce((s, e) => s + e.amountMinor, 0)).toBe(0);
    const byId = new Map(plan.accounts.map((a) => [a.id, a]));
    expect(byId.get(clearingId)).toMatchObject({ pendingOutMinor: 1_001n, pendingInMinor: 0n, postedMinor: 0n });
    expect(byId.get(walletId)).toMatchObject({ pendingInMinor: 976n, postedMinor: 500n });
    expect(byId.get(revenueId)).toMatchObject({ pendingInMinor: 25n });
    expect(walletUpdates(plan)[0]).toMatchObject({
      cause: 'SALE',
      status: 'HELD',
      amountMinor: 976,
      balances: { postedMinor: 500, pendingInMinor: 976, pendingOutMinor: 0, availableMinor: 500, shadowMinor: 1_476 },
    });
    const completed = plan.outputs.find((o) => o.type === 'OrderCompleted');
    expect(completed?.event).toMatchObject({ status: 'COMPLETED', feeMinor: 25, netMinor: 976, walletId, ledgerTransactionId: transaction?.id });
  });

  it('gives each output the balances right after its own change, in event order', () => {
    const sales = [paymentCompleted(merchantId, 10_000), paymentCompleted(merchantId, 2_000)];
    const settle = erpConfirmation(saleTransactionId(sales[0]?.eventId ?? ''), walletId, 'CONFIRMED');
    const plan = planLedgerBatch([...sales.map(command), command(settle)], snapshot(), ctx);

    expect(walletUpdates(plan).map((u) => [u.status, u.amountMinor, u.balances.postedMinor, u.balances.pendingInMinor, u.balances.shadowMinor])).toEqual([
      ['HELD', 9_750, 500, 9_750, 10_250],
      ['HELD', 1_950, 500, 11_700, 12_200],
      // Posting moves the net from pending to posted: the shadow balance does not change.
      ['POSTED', 0, 10_250, 1_950, 12_200],
    ]);
    // The sale settled within the batch is inserted with its final status; no separate update.
    expect(plan.transactions.map((t) => t.status)).toEqual(['POSTED', 'HELD']);
    expect(plan.statusChanges).toEqual([]);
  });

  it('settles a stored HELD transaction once, and releases on rejection', () => {
    const held: LedgerTransaction = {
      id: 'ltx-1',
      kind: 'SALE',
      status: 'HELD',
      currency: 'EUR',
      amountMinor: 1_000,
      merchantId,
      walletId,
      orderId: 'ord-1',
      actionId: null,
      reversesTransactionId: null,
      sourceEventId: 'evt-1',
      memo: 'sale',
      createdAt: 1,
      settledAt: null,
      entries: [
        { accountId: clearingId, amountMinor: -1_000 },
        { accountId: walletId, amountMinor: 975 },
        { accountId: revenueId, amountMinor: 25 },
      ],
    };
    const state = snapshot({
      transactions: new Map([[held.id, held]]),
      accounts: new Map([
        [walletId, account(walletId, { pendingInMinor: 975n })],
        [clearingId, account(clearingId, { pendingOutMinor: 1_000n })],
        [revenueId, account(revenueId, { pendingInMinor: 25n })],
      ]),
    });
    const reject = erpConfirmation(held.id, walletId, 'REJECTED', 'Unknown customer');
    const lateConfirm = erpConfirmation(held.id, walletId, 'CONFIRMED');
    const plan = planLedgerBatch([command(reject), command(lateConfirm)], state, ctx);

    expect(plan.statusChanges).toEqual([{ transactionId: held.id, status: 'REJECTED', settledAt: ctx.now }]);
    expect(plan.skipped).toEqual([{ eventId: lateConfirm.eventId, reason: 'TRANSACTION_ALREADY_SETTLED' }]);
    expect(walletUpdates(plan)).toEqual([expect.objectContaining({ status: 'REJECTED', amountMinor: -975, reason: 'Unknown customer', cause: 'SALE' })]);
    for (const a of plan.accounts) expect([a.postedMinor, a.pendingInMinor, a.pendingOutMinor]).toEqual([0n, 0n, 0n]);
    // The snapshot is left as it was.
    expect(held.status).toBe('HELD');
    expect(state.accounts.get(walletId)?.pendingInMinor).toBe(975n);
  });

  it('credits an order once and fails declined orders without touching any account', () => {
    const first = paymentCompleted(merchantId, 1_000);
    const again = paymentCompleted(merchantId, 1_000, 'EUR', first.event.orderId);
    again.eventId = 'another-event-id';
    const declined = paymentFailed(merchantId, 700, 'Card expired');
    const plan = planLedgerBatch([command(first), command(again), command(declined)], snapshot(), ctx);

    expect(plan.transactions).toHaveLength(1);
    expect(plan.skipped).toEqual([{ eventId: 'another-event-id', reason: 'ORDER_ALREADY_CREDITED' }]);
    const failed = plan.outputs.filter((o) => o.type === 'OrderCompleted').map((o) => o.event);
    expect(failed[1]).toMatchObject({ status: 'FAILED', failureReason: 'Card expired', walletId: null, ledgerTransactionId: null, feeMinor: 0, netMinor: 0 });
    expect(plan.outputs).toHaveLength(3);
  });

  it('locks sale accounts and the accounts of settled transactions, sorted', () => {
    const sale = paymentCompleted('mer-2', 100, 'USD');
    const ids = accountIdsToLock([command(sale)], new Map());
    expect(ids).toEqual(saleAccountSpecs(sale.event).map((s) => s.id).sort());
  });

  it('refuses a confirmation of an unknown transaction (non-retryable)', () => {
    let caught: unknown;
    try {
      planLedgerBatch([command(erpConfirmation('ltx-missing', walletId, 'CONFIRMED'))], snapshot(), ctx);
    } catch (err) {
      caught = err;
    }
    expect(isLedgerError(caught) && caught.code === 'LEDGER_UNKNOWN_TRANSACTION' && !caught.retryable).toBe(true);
  });
});
