/**
 * Balance actions (wallet-path.md), decided without I/O on a batch's locked state, in event order.
 *
 * TOP_UP wallet +A / topup_clearing −A, USAGE wallet −A / usage_revenue +A and TRANSFER from −A /
 * to +A are opened HELD at once, or refused when requested: a debit must pass the funds rule
 * (pessimistic: pending credits are not spendable). A VOID releases a HELD action's holds, or opens
 * a compensating HELD transaction (the original's entries negated) for a POSTED one; one void per
 * action, never of a void.
 */
import { deriveId } from '../../schemas';
import type { BalanceActionRequested, WalletUpdateCause } from '../../schemas';
import { isCurrencyCode } from '../../money';
import { systemAccountId, systemAccountSpec } from './ledger.accounts';
import type { BatchState, RejectionFacts } from './ledger.batch';
import type { AccountSpec, AccountState, ActionReasonCode, ActionRecord, LedgerEntry, LedgerTransaction, LedgerTransactionKind, SourceEvent } from './types';

/** The ledger transaction of a balance action (wallet-path.md). */
export function actionTransactionId(actionId: string): string {
  return deriveId(actionId, 'ledger-transaction');
}

/** The system account an action's transaction uses, to create when missing (none for transfers and voids). */
export function actionAccountSpecs(event: BalanceActionRequested): AccountSpec[] {
  if (event.currency === null || !isCurrencyCode(event.currency)) return [];
  if (event.kind === 'TOP_UP') return [systemAccountSpec('topup_clearing', event.currency)];
  if (event.kind === 'USAGE') return [systemAccountSpec('usage_revenue', event.currency)];
  return [];
}

/** What an action needs locked: accounts that must exist, wallets that may not, and wallets whose enterprise pool to lock. */
export interface ActionLockSeeds {
  required: string[];
  wallets: string[];
  poolSeeds: string[];
}

export function actionLockSeeds(event: BalanceActionRequested, transactions: ReadonlyMap<string, LedgerTransaction>): ActionLockSeeds {
  const wallets = [event.walletId, ...(event.counterpartyWalletId === null ? [] : [event.counterpartyWalletId])];
  const required = actionAccountSpecs(event).map((spec) => spec.id);
  // A voided transaction's accounts: released, or debited by a compensating transaction.
  const voided = event.voidsActionId === null ? undefined : transactions.get(actionTransactionId(event.voidsActionId));
  const voidedAccounts = voided?.entries.map((entry) => entry.accountId) ?? [];
  return { required: [...required, ...voidedAccounts], wallets, poolSeeds: [...wallets, ...voidedAccounts] };
}

/** Decides one action (fresh, in event order) on the batch state. */
export function decideAction(state: BatchState, source: SourceEvent, event: BalanceActionRequested): void {
  const record = state.action(event.actionId) ?? state.adoptAction(recordOf(event));
  if (record.status !== 'PENDING' || state.transaction(actionTransactionId(event.actionId)) !== undefined) {
    state.skip(source.eventId, 'ACTION_ALREADY_DECIDED');
    return;
  }
  const decision = new ActionDecision(state, source, event, record);
  switch (event.kind) {
    case 'TOP_UP':
      decision.topUp();
      break;
    case 'USAGE':
      decision.usage();
      break;
    case 'TRANSFER':
      decision.transfer();
      break;
    case 'VOID':
      decision.voidAction();
      break;
  }
}

/** Why an action is refused: its reason code and the text after it. */
class Refusal {
  constructor(
    readonly code: ActionReasonCode,
    readonly text: string,
  ) {}
}

function refuse(code: ActionReasonCode, text: string): Refusal {
  return new Refusal(code, text);
}

/** One action's decision: each step returns a {@link Refusal} to reject the action, or null once it is applied. */
class ActionDecision {
  private readonly now: number;

  constructor(
    private readonly state: BatchState,
    private readonly source: SourceEvent,
    private readonly event: BalanceActionRequested,
    private readonly record: ActionRecord,
  ) {
    this.now = state.ctx.now;
  }

  topUp(): void {
    this.decide('TOP_UP', () => {
      const amount = this.amount();
      if (amount instanceof Refusal) return amount;
      const wallet = this.ownWallet(this.event.walletId);
      if (wallet instanceof Refusal) return wallet;
      if (wallet.kind === 'reseller' && wallet.parentAccountId !== null) {
        return refuse('NOT_ALLOWED', `wallet ${wallet.id} is a reseller child wallet: only transfers from its parent fund it`);
      }
      this.openAction('TOP_UP', wallet, amount, [
        { accountId: systemAccountId('topup_clearing', wallet.currency), amountMinor: -amount },
        { accountId: wallet.id, amountMinor: amount },
      ]);
      return null;
    });
  }

  usage(): void {
    this.decide('USAGE', () => {
      const amount = this.amount();
      if (amount instanceof Refusal) return amount;
      const wallet = this.ownWallet(this.event.walletId);
      if (wallet instanceof Refusal) return wallet;
      const short = this.shortfall(wallet.id, amount);
      if (short !== null) return short;
      this.openAction('USAGE', wallet, amount, [
        { accountId: wallet.id, amountMinor: -amount },
        { accountId: systemAccountId('usage_revenue', wallet.currency), amountMinor: amount },
      ]);
      return null;
    });
  }

  transfer(): void {
    this.decide('TRANSFER_OUT', () => {
      const amount = this.amount();
      if (amount instanceof Refusal) return amount;
      const toId = this.event.counterpartyWalletId;
      if (toId === null) return refuse('INVALID_ACTION', 'a transfer needs a destination wallet');
      if (toId === this.event.walletId) return refuse('INVALID_ACTION', 'a transfer needs two different wallets');
      const from = this.ownWallet(this.event.walletId);
      if (from instanceof Refusal) return from;
      const to = this.ownWallet(toId);
      if (to instanceof Refusal) return to;
      if (to.kind === 'reseller' && to.parentAccountId !== null && to.parentAccountId !== from.id) {
        return refuse('NOT_ALLOWED', `wallet ${to.id} is a reseller child wallet: only its parent ${to.parentAccountId} may fund it`);
      }
      const short = this.shortfall(from.id, amount);
      if (short !== null) return short;
      this.openAction('TRANSFER', from, amount, [
        { accountId: from.id, amountMinor: -amount },
        { accountId: to.id, amountMinor: amount },
      ]);
      return null;
    });
  }

  voidAction(): void {
    this.decide('VOID', () => {
      const targetId = this.event.voidsActionId;
      if (targetId === null) return refuse('INVALID_ACTION', 'a void needs the id of the action it voids');
      if (targetId === this.event.actionId) return refuse('CANNOT_VOID_A_VOID', 'an action cannot void itself');
      const target = this.state.action(targetId);
      if (target === undefined || target.merchantId !== this.event.merchantId) return refuse('NOTHING_TO_VOID', `action ${targetId} not found`);
      if (target.kind === 'VOID') return refuse('CANNOT_VOID_A_VOID', `action ${targetId} is a void`);
      if (target.voidedByActionId !== null) return refuse('ALREADY_VOIDED', `action ${targetId} is already voided by action ${target.voidedByActionId}`);
      const transaction = this.state.transaction(actionTransactionId(targetId));
      if (transaction === undefined) {
        if (target.status !== 'PENDING') return refuse('NOTHING_TO_VOID', `action ${targetId} is ${target.status}`);
        this.voidUndecided(target);
        return null;
      }
      if (this.event.currency !== null && this.event.currency !== transaction.currency) {
        return refuse('CURRENCY_MISMATCH', `the void is in ${this.event.currency}, action ${targetId} in ${transaction.currency}`);
      }
      if (transaction.status === 'HELD') {
        this.voidHeld(target, transaction);
        return null;
      }
      if (transaction.status === 'POSTED') return this.compensate(target, transaction);
      return refuse('NOTHING_TO_VOID', `action ${targetId} is ${target.status} (its transaction ${transaction.status})`);
    });
  }

  /** A HELD action: its holds are released and it is VOIDED; the void itself is final at once. */
  private voidHeld(target: ActionRecord, transaction: LedgerTransaction): void {
    this.state.changeWithUpdates(this.source, transaction, { actionId: this.event.actionId, cause: 'VOID', reason: null }, () => {
      this.state.settle(transaction, 'VOIDED');
    });
    this.state.updateAction(target, {
      status: 'VOIDED',
      reasonCode: 'VOIDED',
      reason: `VOIDED: voided by action ${this.event.actionId}`,
      voidedByActionId: this.event.actionId,
      settledAt: this.now,
    });
    this.state.updateAction(this.record, { status: 'POSTED', decidedAt: this.now, settledAt: this.now });
  }

  /** An action not decided yet (its request has not reached the ledger): it never takes effect. */
  private voidUndecided(target: ActionRecord): void {
    this.state.updateAction(target, {
      status: 'VOIDED',
      reasonCode: 'VOIDED',
      reason: `VOIDED: voided by action ${this.event.actionId} before it was decided`,
      voidedByActionId: this.event.actionId,
      decidedAt: this.now,
      settledAt: this.now,
    });
    this.state.updateAction(this.record, { status: 'POSTED', decidedAt: this.now, settledAt: this.now });
    this.state.pushActionOutcome(this.source, { ...this.outcomeFacts('VOID', null), ledgerTransactionId: actionTransactionId(target.id) }, 'VOIDED');
  }

  /** A POSTED action: a compensating HELD transaction reverses it once the ERP confirms; its debits must pass the funds rule. */
  private compensate(target: ActionRecord, original: LedgerTransaction): Refusal | null {
    const entries: LedgerEntry[] = original.entries.map((entry) => ({ accountId: entry.accountId, amountMinor: -entry.amountMinor }));
    for (const entry of entries) {
      const short = entry.amountMinor < 0 ? this.shortfall(entry.accountId, -entry.amountMinor) : null;
      if (short !== null) return short;
    }
    const transaction = this.newTransaction('VOID', original.walletId, original.currency, original.amountMinor, entries);
    transaction.reversesTransactionId = original.id;
    transaction.memo = `Void of action ${target.id}: reverses ledger transaction ${original.id}`;
    this.state.changeWithUpdates(this.source, transaction, { actionId: this.event.actionId, reason: null }, () => this.state.open(transaction));
    this.state.updateAction(target, { voidedByActionId: this.event.actionId });
    this.state.updateAction(this.record, { status: 'HELD', ledgerTransactionId: transaction.id, decidedAt: this.now });
    return null;
  }

  /** Runs `decide`; a {@link Refusal} rejects the action, with a WalletUpdated on its wallet. */
  private decide(cause: WalletUpdateCause, decide: () => Refusal | null): void {
    const refusal = decide();
    if (refusal === null) return;
    const reason = `${refusal.code}: ${refusal.text}`.slice(0, 500);
    this.state.updateAction(this.record, { status: 'REJECTED', reasonCode: refusal.code, reason, decidedAt: this.now });
    this.state.pushActionOutcome(this.source, this.outcomeFacts(cause, reason), 'REJECTED');
  }

  private outcomeFacts(cause: WalletUpdateCause, reason: string | null): RejectionFacts {
    const wallet = this.state.findAccount(this.event.walletId);
    const owned = wallet !== undefined && wallet.merchantId === this.event.merchantId;
    const voided = this.event.voidsActionId === null ? undefined : this.state.transaction(actionTransactionId(this.event.voidsActionId));
    return {
      walletId: this.event.walletId,
      merchantId: this.event.merchantId,
      actionId: this.event.actionId,
      ledgerTransactionId: actionTransactionId(this.event.actionId),
      cause,
      currency: (owned ? wallet.currency : null) ?? voided?.currency ?? this.event.currency ?? '',
      reason,
      showBalances: owned,
    };
  }

  private amount(): number | Refusal {
    const amount = this.event.amountMinor;
    if (amount === null || !Number.isSafeInteger(amount) || amount <= 0) {
      return refuse('INVALID_ACTION', `amountMinor must be a positive safe integer, got ${String(amount)}`);
    }
    return amount;
  }

  /** A wallet of the action's merchant, in the action's currency. */
  private ownWallet(id: string): AccountState | Refusal {
    const wallet = this.state.findAccount(id);
    if (wallet === undefined || wallet.kind === 'system') return refuse('WALLET_NOT_FOUND', `wallet ${id} not found`);
    if (wallet.merchantId !== this.event.merchantId) return refuse('NOT_ALLOWED', `wallet ${id} belongs to another merchant`);
    if (this.event.currency !== wallet.currency) {
      return refuse('CURRENCY_MISMATCH', `the action is in ${String(this.event.currency)}, wallet ${id} holds ${wallet.currency}`);
    }
    return wallet;
  }

  private shortfall(accountId: string, amount: number): Refusal | null {
    const shortfall = this.state.shortfall(accountId, amount);
    if (shortfall === null) return null;
    return refuse('INSUFFICIENT_FUNDS', accountId === this.event.walletId ? shortfall : `wallet ${accountId}: ${shortfall}`);
  }

  private openAction(kind: LedgerTransactionKind, wallet: AccountState, amount: number, entries: LedgerEntry[]): void {
    const transaction = this.newTransaction(kind, wallet.id, wallet.currency, amount, entries);
    this.state.changeWithUpdates(this.source, transaction, { actionId: this.event.actionId, reason: null }, () => this.state.open(transaction));
    this.state.updateAction(this.record, { status: 'HELD', ledgerTransactionId: transaction.id, decidedAt: this.now });
  }

  private newTransaction(kind: LedgerTransactionKind, walletId: string, currency: string, amountMinor: number, entries: LedgerEntry[]): LedgerTransaction {
    const { event } = this;
    const detail = event.description ?? event.externalReference ?? '';
    return {
      id: actionTransactionId(event.actionId),
      kind,
      status: 'HELD',
      currency,
      amountMinor,
      merchantId: event.merchantId,
      walletId,
      orderId: null,
      actionId: event.actionId,
      reversesTransactionId: null,
      sourceEventId: this.source.eventId,
      memo: `${kind} action ${event.actionId}${detail === '' ? '' : `: ${detail}`}`.slice(0, 500),
      createdAt: this.now,
      settledAt: null,
      entries,
    };
  }
}

/** An action known only from its event (no `wallet_actions` row): decided like the others, not written. */
function recordOf(event: BalanceActionRequested): ActionRecord {
  return {
    id: event.actionId,
    merchantId: event.merchantId,
    kind: event.kind,
    walletId: event.walletId,
    counterpartyWalletId: event.counterpartyWalletId,
    amountMinor: event.amountMinor,
    currency: event.currency,
    voidsActionId: event.voidsActionId,
    status: 'PENDING',
    reasonCode: null,
    reason: null,
    ledgerTransactionId: null,
    voidedByActionId: null,
    decidedAt: null,
    settledAt: null,
  };
}
