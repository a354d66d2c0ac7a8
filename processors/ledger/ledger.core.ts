/**
 * The ledger's arithmetic, without I/O: given a batch of commands and the locked state they touch,
 * the rows to write and the events to publish. Balances change in event order, so each output
 * carries the balances right after its own change.
 *
 * Holds (credit-normal, see order-path.md): while a transaction is HELD, a positive entry sits in the
 * account's `pending_in`, a negative one in `pending_out` (as a positive number). Posting moves each
 * entry into `posted`; rejection removes it. Every transaction's entries sum to zero, so per currency
 * the sums of `posted` and of `pending_in − pending_out` over all accounts stay zero.
 */
import { deriveId, TOPICS } from '../../schemas';
import type { ErpConfirmation, HoldStatus, PaymentCompleted, PaymentFailed, WalletBalances, WalletUpdateCause } from '../../schemas';
import { splitSale } from './fees';
import { defaultWalletId, defaultWalletSpec, systemAccountId, systemAccountSpec } from './ledger.accounts';
import { LedgerError } from './ledger.errors';
import type { AccountSpec, AccountState, LedgerCommand, LedgerEntry, LedgerOutput, LedgerTransaction, LedgerTransactionKind, SourceEvent, StatusChange } from './types';

/** The locked state a batch reads. */
export interface LedgerSnapshot {
  /** Every account the batch touches (see {@link accountIdsToLock}), as locked. */
  accounts: ReadonlyMap<string, AccountState>;
  /** The transactions ERP confirmations of the batch name, as locked, with their entries. */
  transactions: ReadonlyMap<string, LedgerTransaction>;
  /** Orders of the batch that already have a ledger transaction. */
  creditedOrders: ReadonlySet<string>;
}

export interface PlanContext {
  feeBps: number;
  /** Epoch ms stamped on new transactions, settlements and outputs. */
  now: number;
}

export type SkipReason = 'ORDER_ALREADY_CREDITED' | 'TRANSACTION_ALREADY_SETTLED';

export interface LedgerPlan {
  /** New transactions with their entries (a transaction settled in the same batch has its final status). */
  transactions: LedgerTransaction[];
  /** Status changes of transactions that already existed. */
  statusChanges: StatusChange[];
  /** Accounts whose balances changed, with their final balances. */
  accounts: AccountState[];
  /** In event order. */
  outputs: LedgerOutput[];
  /** Commands that changed nothing, and why. */
  skipped: { eventId: string; reason: SkipReason }[];
}

/** The ledger transaction a sale event creates. */
export function saleTransactionId(inputEventId: string): string {
  return deriveId(inputEventId, 'ledger-transaction');
}

/** The accounts a sale touches, to create when missing: PSP clearing, the merchant's default wallet, platform revenue. */
export function saleAccountSpecs(event: PaymentCompleted): AccountSpec[] {
  return [
    systemAccountSpec('psp_clearing', event.currency),
    defaultWalletSpec(event.merchantId, event.currency),
    systemAccountSpec('platform_revenue', event.currency),
  ];
}

/** Ids of every account the commands touch, sorted: the order in which they are locked. */
export function accountIdsToLock(commands: readonly LedgerCommand[], transactions: ReadonlyMap<string, LedgerTransaction>): string[] {
  const ids = new Set<string>();
  for (const command of commands) {
    if (command.type === 'PaymentCompleted') for (const spec of saleAccountSpecs(command.event)) ids.add(spec.id);
    if (command.type === 'ErpConfirmation') {
      for (const entry of transactions.get(command.event.ledgerTransactionId)?.entries ?? []) ids.add(entry.accountId);
    }
  }
  return [...ids].sort();
}

/** Checks what the Avro contract cannot; throws a non-retryable `LEDGER_INVALID_EVENT`. */
export function validateCommand(command: LedgerCommand): void {
  if (command.type === 'ErpConfirmation') return;
  const { amountMinor, currency, orderId } = command.event;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new LedgerError('LEDGER_INVALID_EVENT', `${command.type} of order ${orderId}: amountMinor must be a positive safe integer, got ${amountMinor}`);
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new LedgerError('LEDGER_INVALID_EVENT', `${command.type} of order ${orderId}: currency must be an ISO 4217 code, got "${currency}"`);
  }
}

/** The wallet-update cause of settling a transaction of `kind` (for a transfer, the source wallet's side). */
export function causeOf(kind: LedgerTransactionKind): WalletUpdateCause {
  return kind === 'TRANSFER' ? 'TRANSFER_OUT' : kind;
}

/** Plans one batch; `commands` are fresh (inbox-claimed) and valid, in event order. Never mutates `snapshot`. */
export function planLedgerBatch(commands: readonly LedgerCommand[], snapshot: LedgerSnapshot, ctx: PlanContext): LedgerPlan {
  const batch = new BatchPlanner(snapshot, ctx);
  for (const command of commands) {
    switch (command.type) {
      case 'PaymentCompleted':
        batch.sale(command.source, command.event);
        break;
      case 'PaymentFailed':
        batch.failedPayment(command.source, command.event);
        break;
      case 'ErpConfirmation':
        batch.settle(command.source, command.event);
        break;
    }
  }
  return batch.result();
}

/** The working state of one batch: copies of the snapshot that change as the commands apply. */
class BatchPlanner {
  private readonly accounts = new Map<string, AccountState>();
  private readonly changedAccounts = new Set<string>();
  private readonly created = new Map<string, LedgerTransaction>();
  private readonly existing = new Map<string, LedgerTransaction>();
  private readonly statusChanges = new Map<string, StatusChange>();
  private readonly creditedOrders: Set<string>;
  private readonly outputs: LedgerOutput[] = [];
  private readonly skipped: LedgerPlan['skipped'] = [];

  constructor(
    snapshot: LedgerSnapshot,
    private readonly ctx: PlanContext,
  ) {
    for (const [id, account] of snapshot.accounts) this.accounts.set(id, { ...account });
    for (const [id, transaction] of snapshot.transactions) this.existing.set(id, { ...transaction });
    this.creditedOrders = new Set(snapshot.creditedOrders);
  }

  /** A captured payment: a HELD sale crediting the merchant's default wallet with the net, the fee to revenue. */
  sale(source: SourceEvent, event: PaymentCompleted): void {
    if (this.creditedOrders.has(event.orderId)) {
      this.skipped.push({ eventId: source.eventId, reason: 'ORDER_ALREADY_CREDITED' });
      return;
    }
    this.creditedOrders.add(event.orderId);
    const { feeMinor, netMinor } = splitSale(event.amountMinor, this.ctx.feeBps);
    const walletId = defaultWalletId(event.merchantId, event.currency);
    const lines: LedgerEntry[] = [
      { accountId: systemAccountId('psp_clearing', event.currency), amountMinor: -event.amountMinor },
      { accountId: walletId, amountMinor: netMinor },
      { accountId: systemAccountId('platform_revenue', event.currency), amountMinor: feeMinor },
    ];
    const transaction: LedgerTransaction = {
      id: saleTransactionId(source.eventId),
      kind: 'SALE',
      status: 'HELD',
      currency: event.currency,
      amountMinor: event.amountMinor,
      merchantId: event.merchantId,
      walletId,
      orderId: event.orderId,
      actionId: null,
      sourceEventId: source.eventId,
      memo: `Sale of order ${event.orderId}, payment ${event.paymentId} (${event.pspReference})`.slice(0, 500),
      createdAt: this.ctx.now,
      settledAt: null,
      // A zero fee (or net) is no movement: no entry for it.
      entries: lines.filter((line) => line.amountMinor !== 0),
    };
    const shadowBefore = shadowOf(this.account(walletId));
    for (const entry of transaction.entries) this.change(entry.accountId, (account) => hold(account, entry.amountMinor));
    this.created.set(transaction.id, transaction);
    this.pushWalletUpdated(source, transaction, 'SALE', shadowBefore, null);
    this.pushOrderCompleted(source, {
      orderId: event.orderId,
      merchantId: event.merchantId,
      status: 'COMPLETED',
      totalMinor: event.amountMinor,
      currency: event.currency,
      feeMinor,
      netMinor,
      walletId,
      ledgerTransactionId: transaction.id,
      failureReason: null,
      completedAt: this.ctx.now,
    });
  }

  /** A declined payment: the order fails; nothing moves. An order that was credited stays completed. */
  failedPayment(source: SourceEvent, event: PaymentFailed): void {
    if (this.creditedOrders.has(event.orderId)) {
      this.skipped.push({ eventId: source.eventId, reason: 'ORDER_ALREADY_CREDITED' });
      return;
    }
    this.pushOrderCompleted(source, {
      orderId: event.orderId,
      merchantId: event.merchantId,
      status: 'FAILED',
      totalMinor: event.amountMinor,
      currency: event.currency,
      feeMinor: 0,
      netMinor: 0,
      walletId: null,
      ledgerTransactionId: null,
      failureReason: event.reason,
      completedAt: this.ctx.now,
    });
  }

  /** The ERP's verdict on a HELD transaction: post it or release it, once; a later verdict changes nothing. */
  settle(source: SourceEvent, event: ErpConfirmation): void {
    const id = event.ledgerTransactionId;
    const transaction = this.created.get(id) ?? this.existing.get(id);
    if (transaction === undefined) {
      throw new LedgerError('LEDGER_UNKNOWN_TRANSACTION', `ERP confirmation ${source.eventId} names unknown ledger transaction ${id}`);
    }
    if (transaction.status !== 'HELD') {
      this.skipped.push({ eventId: source.eventId, reason: 'TRANSACTION_ALREADY_SETTLED' });
      return;
    }
    const status: HoldStatus = event.outcome === 'CONFIRMED' ? 'POSTED' : 'REJECTED';
    const shadowBefore = shadowOf(this.account(transaction.walletId));
    for (const entry of transaction.entries) {
      this.change(entry.accountId, (account) => (status === 'POSTED' ? post(account, entry.amountMinor) : release(account, entry.amountMinor)));
    }
    transaction.status = status;
    transaction.settledAt = this.ctx.now;
    if (!this.created.has(id)) this.statusChanges.set(id, { transactionId: id, status, settledAt: this.ctx.now });
    this.pushWalletUpdated(source, transaction, causeOf(transaction.kind), shadowBefore, status === 'POSTED' ? null : event.reason);
  }

  result(): LedgerPlan {
    return {
      transactions: [...this.created.values()],
      statusChanges: [...this.statusChanges.values()],
      accounts: [...this.changedAccounts].map((id) => this.account(id)),
      outputs: this.outputs,
      skipped: this.skipped,
    };
  }

  private account(id: string): AccountState {
    const account = this.accounts.get(id);
    if (account === undefined) throw new LedgerError('LEDGER_ACCOUNT_MISSING', `account ${id} was not locked for this batch`);
    return account;
  }

  private change(id: string, apply: (account: AccountState) => void): void {
    apply(this.account(id));
    this.changedAccounts.add(id);
  }

  /** `amountMinor` is the signed change of the wallet's shadow balance (the contract of WalletUpdated). */
  private pushWalletUpdated(source: SourceEvent, transaction: LedgerTransaction, cause: WalletUpdateCause, shadowBefore: bigint, reason: string | null): void {
    const wallet = this.account(transaction.walletId);
    this.outputs.push({
      topic: TOPICS.walletUpdates,
      type: 'WalletUpdated',
      eventId: deriveId(source.eventId, 'WalletUpdated', wallet.id),
      key: wallet.id,
      correlationId: source.correlationId,
      causationId: source.eventId,
      producedAt: new Date(this.ctx.now),
      event: {
        walletId: wallet.id,
        merchantId: transaction.merchantId,
        ledgerTransactionId: transaction.id,
        cause,
        status: transaction.status,
        actionId: transaction.actionId,
        orderId: transaction.orderId,
        amountMinor: toSafeNumber(shadowOf(wallet) - shadowBefore, wallet.id),
        currency: transaction.currency,
        balances: balancesOf(wallet),
        lines: transaction.entries.map((entry) => ({ account: entry.accountId, amountMinor: entry.amountMinor })),
        reason,
        occurredAt: this.ctx.now,
      },
    });
  }

  private pushOrderCompleted(source: SourceEvent, event: LedgerOutputEvent<'OrderCompleted'>): void {
    this.outputs.push({
      topic: TOPICS.ordersCompleted,
      type: 'OrderCompleted',
      eventId: deriveId(source.eventId, 'OrderCompleted'),
      key: event.merchantId,
      correlationId: source.correlationId,
      causationId: source.eventId,
      producedAt: new Date(this.ctx.now),
      event,
    });
  }
}

type LedgerOutputEvent<K extends LedgerOutput['type']> = Extract<LedgerOutput, { type: K }>['event'];

/** Places an entry of a new HELD transaction. */
function hold(account: AccountState, amountMinor: number): void {
  if (amountMinor > 0) account.pendingInMinor += BigInt(amountMinor);
  else account.pendingOutMinor += BigInt(-amountMinor);
}

/** Moves an entry of a HELD transaction from pending to posted. */
function post(account: AccountState, amountMinor: number): void {
  release(account, amountMinor);
  account.postedMinor += BigInt(amountMinor);
}

/** Takes an entry of a HELD transaction out of pending. */
function release(account: AccountState, amountMinor: number): void {
  if (amountMinor > 0) account.pendingInMinor -= BigInt(amountMinor);
  else account.pendingOutMinor -= BigInt(-amountMinor);
}

function shadowOf(account: AccountState): bigint {
  return account.postedMinor + account.pendingInMinor - account.pendingOutMinor;
}

/** The figures of design.md §1: available = posted − pending_out + credit limit; shadow = posted + pending_in − pending_out. */
export function balancesOf(account: AccountState): WalletBalances {
  return {
    postedMinor: toSafeNumber(account.postedMinor, account.id),
    pendingInMinor: toSafeNumber(account.pendingInMinor, account.id),
    pendingOutMinor: toSafeNumber(account.pendingOutMinor, account.id),
    availableMinor: toSafeNumber(account.postedMinor - account.pendingOutMinor + account.creditLimitMinor, account.id),
    shadowMinor: toSafeNumber(shadowOf(account), account.id),
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toSafeNumber(value: bigint, accountId: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    throw new LedgerError('LEDGER_AMOUNT_OVERFLOW', `a balance of account ${accountId} is beyond the safe integer range: ${value}`);
  }
  return Number(value);
}
