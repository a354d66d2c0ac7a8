/**
 * The working state of one ledger batch: copies of the locked rows that change as the batch's
 * commands apply in event order, the rows to write and the events to publish. Each output carries
 * the balances right after its own change.
 */
import { deriveId, TOPICS } from '../../schemas';
import type { JournalLine, WalletBalances, WalletUpdateCause, WalletUpdated } from '../../schemas';
import { balancesOf, fundsShortfall, hold, post, release, shadowOf, toSafeNumber, ZERO_BALANCES, type AccountLookup } from './ledger.balances';
import { LedgerError } from './ledger.errors';
import type { AccountState, ActionRecord, ActionUpdate, LedgerOutput, LedgerTransaction, SourceEvent, StatusChange } from './types';

/** The locked state a batch reads. */
export interface LedgerSnapshot {
  /** Every account the batch touches, as locked (an action's wallet that does not exist is absent). */
  accounts: ReadonlyMap<string, AccountState>;
  /** The transactions the batch names (ERP confirmations, actions, voided actions), as locked, with their entries. */
  transactions: ReadonlyMap<string, LedgerTransaction>;
  /** Orders of the batch that already have a ledger transaction. */
  creditedOrders: ReadonlySet<string>;
  /** The `wallet_actions` rows the batch touches, as locked. */
  actions: ReadonlyMap<string, ActionRecord>;
  /** Enterprise pools the batch locked whole: top-level wallet id → ids of all its children. */
  pools: ReadonlyMap<string, readonly string[]>;
}

export interface PlanContext {
  feeBps: number;
  /** Epoch ms stamped on new transactions, settlements and outputs. */
  now: number;
}

export type SkipReason = 'ORDER_ALREADY_CREDITED' | 'TRANSACTION_ALREADY_SETTLED' | 'ACTION_ALREADY_DECIDED';

export interface LedgerPlan {
  /** New transactions with their entries (a transaction settled in the same batch has its final status). */
  transactions: LedgerTransaction[];
  /** Status changes of transactions that already existed. */
  statusChanges: StatusChange[];
  /** Accounts whose balances changed, with their final balances. */
  accounts: AccountState[];
  /** Final values of the `wallet_actions` rows the batch changed (rows that exist only). */
  actionUpdates: ActionUpdate[];
  /** In event order. */
  outputs: LedgerOutput[];
  /** Commands that changed nothing, and why. */
  skipped: { eventId: string; reason: SkipReason }[];
}

/** What a WalletUpdated says beyond the wallet's own figures. */
interface WalletUpdateFacts {
  actionId: string | null;
  /** Overrides the cause that follows from the transaction's kind. */
  cause?: WalletUpdateCause;
  reason: string | null;
}

export interface RejectionFacts {
  walletId: string;
  merchantId: string;
  actionId: string;
  ledgerTransactionId: string;
  cause: WalletUpdateCause;
  currency: string;
  reason: string | null;
  /** Whether the wallet's balances may be shown to the merchant of the action (it is theirs). */
  showBalances: boolean;
}

export class BatchState implements AccountLookup {
  private readonly accounts = new Map<string, AccountState>();
  private readonly changedAccounts = new Set<string>();
  private readonly created = new Map<string, LedgerTransaction>();
  private readonly existing = new Map<string, LedgerTransaction>();
  private readonly statusChanges = new Map<string, StatusChange>();
  private readonly actions = new Map<string, ActionRecord>();
  private readonly storedActions = new Set<string>();
  private readonly actionUpdates = new Map<string, ActionUpdate>();
  private readonly pools: ReadonlyMap<string, readonly string[]>;
  private readonly creditedOrders: Set<string>;
  private readonly outputs: LedgerOutput[] = [];
  private readonly skipped: LedgerPlan['skipped'] = [];

  constructor(
    snapshot: LedgerSnapshot,
    readonly ctx: PlanContext,
  ) {
    for (const [id, account] of snapshot.accounts) this.accounts.set(id, { ...account });
    for (const [id, transaction] of snapshot.transactions) this.existing.set(id, { ...transaction, entries: [...transaction.entries] });
    for (const [id, action] of snapshot.actions) {
      this.actions.set(id, { ...action });
      this.storedActions.add(id);
    }
    this.creditedOrders = new Set(snapshot.creditedOrders);
    this.pools = snapshot.pools;
  }

  account(id: string): AccountState {
    const account = this.accounts.get(id);
    if (account === undefined) throw new LedgerError('LEDGER_ACCOUNT_MISSING', `account ${id} was not locked for this batch`);
    return account;
  }

  findAccount(id: string): AccountState | undefined {
    return this.accounts.get(id);
  }

  poolChildren(topId: string): readonly string[] | undefined {
    return this.pools.get(topId);
  }

  /** Why debiting `amountMinor` from the account must be refused now, or null (see `fundsShortfall`). */
  shortfall(accountId: string, amountMinor: number): string | null {
    return fundsShortfall(this, accountId, amountMinor);
  }

  transaction(id: string): LedgerTransaction | undefined {
    return this.created.get(id) ?? this.existing.get(id);
  }

  /** Marks an order as credited; false when it already was. */
  creditOrder(orderId: string): boolean {
    if (this.creditedOrders.has(orderId)) return false;
    this.creditedOrders.add(orderId);
    return true;
  }

  isOrderCredited(orderId: string): boolean {
    return this.creditedOrders.has(orderId);
  }

  /** Records a new HELD transaction and places its holds. */
  open(transaction: LedgerTransaction): void {
    if (transaction.status !== 'HELD') throw new LedgerError('LEDGER_INVALID_EVENT', `a new transaction must be HELD, ${transaction.id} is ${transaction.status}`);
    for (const entry of transaction.entries) this.change(entry.accountId, (account) => hold(account, entry.amountMinor));
    this.created.set(transaction.id, transaction);
  }

  /** Settles a HELD transaction: POSTED moves its holds into posted; REJECTED and VOIDED release them. */
  settle(transaction: LedgerTransaction, status: 'POSTED' | 'REJECTED' | 'VOIDED'): void {
    if (transaction.status !== 'HELD') throw new LedgerError('LEDGER_INVALID_EVENT', `only a HELD transaction settles, ${transaction.id} is ${transaction.status}`);
    for (const entry of transaction.entries) {
      this.change(entry.accountId, (account) => (status === 'POSTED' ? post(account, entry.amountMinor) : release(account, entry.amountMinor)));
    }
    transaction.status = status;
    transaction.settledAt = this.ctx.now;
    if (!this.created.has(transaction.id)) this.statusChanges.set(transaction.id, { transactionId: transaction.id, status, settledAt: this.ctx.now });
  }

  action(id: string): ActionRecord | undefined {
    return this.actions.get(id);
  }

  /** Tracks an action that has no `wallet_actions` row: decided like any other, never written. */
  adoptAction(record: ActionRecord): ActionRecord {
    this.actions.set(record.id, record);
    return record;
  }

  updateAction(record: ActionRecord, changes: Partial<Omit<ActionUpdate, 'id'>>): void {
    Object.assign(record, changes);
    if (!this.storedActions.has(record.id)) return;
    const { id, status, reasonCode, reason, ledgerTransactionId, voidedByActionId, decidedAt, settledAt } = record;
    this.actionUpdates.set(id, { id, status, reasonCode, reason, ledgerTransactionId, voidedByActionId, decidedAt, settledAt });
  }

  skip(eventId: string, reason: SkipReason): void {
    this.skipped.push({ eventId, reason });
  }

  /**
   * Runs `change` (which opens or settles `transaction`) and publishes one WalletUpdated per wallet
   * the transaction touches, each with that wallet's shadow change and balances afterwards.
   */
  changeWithUpdates(source: SourceEvent, transaction: LedgerTransaction, facts: WalletUpdateFacts, change: () => void): void {
    const wallets = this.walletsOf(transaction);
    const before = new Map(wallets.map((id) => [id, shadowOf(this.account(id))]));
    change();
    const lines: JournalLine[] = transaction.entries.map((entry) => ({ account: entry.accountId, amountMinor: entry.amountMinor }));
    for (const walletId of wallets) {
      const wallet = this.account(walletId);
      const net = transaction.entries.reduce((sum, entry) => (entry.accountId === walletId ? sum + entry.amountMinor : sum), 0);
      this.pushWalletUpdated(source, {
        walletId,
        merchantId: wallet.merchantId ?? transaction.merchantId,
        ledgerTransactionId: transaction.id,
        cause: facts.cause ?? causeFor(transaction, net),
        status: transaction.status,
        actionId: facts.actionId,
        orderId: transaction.orderId,
        amountMinor: toSafeNumber(shadowOf(wallet) - (before.get(walletId) ?? 0n), walletId),
        currency: transaction.currency,
        balances: balancesOf(wallet),
        lines,
        reason: facts.reason,
        occurredAt: this.ctx.now,
      });
    }
  }

  /** A WalletUpdated for an action refused (or voided before it was decided): no transaction, no lines. */
  pushActionOutcome(source: SourceEvent, facts: RejectionFacts, status: 'REJECTED' | 'VOIDED'): void {
    const wallet = facts.showBalances ? this.findAccount(facts.walletId) : undefined;
    const balances: WalletBalances = wallet === undefined ? ZERO_BALANCES : balancesOf(wallet);
    this.pushWalletUpdated(source, {
      walletId: facts.walletId,
      merchantId: facts.merchantId,
      ledgerTransactionId: facts.ledgerTransactionId,
      cause: facts.cause,
      status,
      actionId: facts.actionId,
      orderId: null,
      amountMinor: 0,
      currency: facts.currency,
      balances,
      lines: [],
      reason: facts.reason,
      occurredAt: this.ctx.now,
    });
  }

  pushOrderCompleted(source: SourceEvent, event: Extract<LedgerOutput, { type: 'OrderCompleted' }>['event']): void {
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

  result(): LedgerPlan {
    return {
      transactions: [...this.created.values()],
      statusChanges: [...this.statusChanges.values()],
      accounts: [...this.changedAccounts].map((id) => this.account(id)),
      actionUpdates: [...this.actionUpdates.values()],
      outputs: this.outputs,
      skipped: this.skipped,
    };
  }

  private change(id: string, apply: (account: AccountState) => void): void {
    apply(this.account(id));
    this.changedAccounts.add(id);
  }

  /** The wallets (not system accounts) a transaction touches, once each, in entry order. */
  private walletsOf(transaction: LedgerTransaction): string[] {
    const ids: string[] = [];
    for (const entry of transaction.entries) {
      if (this.account(entry.accountId).kind !== 'system' && !ids.includes(entry.accountId)) ids.push(entry.accountId);
    }
    return ids;
  }

  /** Key = wallet id; event id derived from the input event and the wallet, so redelivery dedupes. */
  private pushWalletUpdated(source: SourceEvent, event: WalletUpdated): void {
    this.outputs.push({
      topic: TOPICS.walletUpdates,
      type: 'WalletUpdated',
      eventId: deriveId(source.eventId, 'WalletUpdated', event.walletId),
      key: event.walletId,
      correlationId: source.correlationId,
      causationId: source.eventId,
      producedAt: new Date(this.ctx.now),
      event,
    });
  }
}

/** The cause a transaction gives one of its wallets: a transfer is TRANSFER_OUT for the wallet it debits, TRANSFER_IN for the other. */
function causeFor(transaction: LedgerTransaction, netForWallet: number): WalletUpdateCause {
  if (transaction.kind === 'TRANSFER') return netForWallet < 0 ? 'TRANSFER_OUT' : 'TRANSFER_IN';
  return transaction.kind;
}
