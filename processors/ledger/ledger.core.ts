/**
 * The ledger's arithmetic, without I/O: given a batch of commands and the locked state they touch,
 * the rows to write and the events to publish. Balances change in event order, so each output
 * carries the balances right after its own change.
 *
 * Holds (credit-normal, see order-path.md): while a transaction is HELD, a positive entry sits in the
 * account's `pending_in`, a negative one in `pending_out` (as a positive number). Posting moves each
 * entry into `posted`; rejection and voiding remove it. Every transaction's entries sum to zero, so
 * per currency the sums of `posted` and of `pending_in − pending_out` over all accounts stay zero.
 */
import { deriveId } from '../../schemas';
import type { ErpConfirmation, PaymentCompleted, PaymentFailed, WalletUpdateCause } from '../../schemas';
import { splitSale } from './fees';
import { defaultWalletId, defaultWalletSpec, systemAccountId, systemAccountSpec } from './ledger.accounts';
import { BatchState, type LedgerPlan, type LedgerSnapshot, type PlanContext } from './ledger.batch';
import { LedgerError } from './ledger.errors';
import type { AccountSpec, LedgerCommand, LedgerEntry, LedgerTransaction, LedgerTransactionKind, SourceEvent } from './types';
import { actionLockSeeds, actionTransactionId, decideAction } from './wallet-actions.core';

export type { LedgerPlan, LedgerSnapshot, PlanContext, SkipReason } from './ledger.batch';
export { balancesOf } from './ledger.balances';

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

/** The ledger transactions a batch reads, to lock: those ERP verdicts name, those of its actions and of the actions they void. */
export function transactionIdsToLock(commands: readonly LedgerCommand[]): string[] {
  const ids = new Set<string>();
  for (const command of commands) {
    if (command.type === 'ErpConfirmation') ids.add(command.event.ledgerTransactionId);
    if (command.type === 'BalanceActionRequested') {
      ids.add(actionTransactionId(command.event.actionId));
      if (command.event.voidsActionId !== null) ids.add(actionTransactionId(command.event.voidsActionId));
    }
  }
  return [...ids].sort();
}

/** The `wallet_actions` rows a batch reads, to lock: its actions, the actions they void, the actions of transactions it settles. */
export function actionIdsToLock(commands: readonly LedgerCommand[], transactions: ReadonlyMap<string, LedgerTransaction>): string[] {
  const ids = new Set<string>();
  for (const command of commands) {
    if (command.type === 'BalanceActionRequested') {
      ids.add(command.event.actionId);
      if (command.event.voidsActionId !== null) ids.add(command.event.voidsActionId);
    }
    if (command.type === 'ErpConfirmation') {
      const actionId = transactions.get(command.event.ledgerTransactionId)?.actionId;
      if (actionId !== undefined && actionId !== null) ids.add(actionId);
    }
  }
  return [...ids].sort();
}

/** The accounts a batch touches: `required` must exist; `wallets` (named by actions) may not; `poolSeeds` are wallets whose enterprise pool to lock whole. */
export interface AccountLockPlan {
  required: string[];
  wallets: string[];
  poolSeeds: string[];
}

export function accountLockPlan(commands: readonly LedgerCommand[], transactions: ReadonlyMap<string, LedgerTransaction>): AccountLockPlan {
  const required = new Set<string>();
  const wallets = new Set<string>();
  const poolSeeds = new Set<string>();
  for (const command of commands) {
    switch (command.type) {
      case 'PaymentCompleted':
        for (const spec of saleAccountSpecs(command.event)) required.add(spec.id);
        break;
      case 'PaymentFailed':
        break;
      case 'ErpConfirmation':
        // Settling only ever raises what may be spent: no pool to check.
        for (const entry of transactions.get(command.event.ledgerTransactionId)?.entries ?? []) required.add(entry.accountId);
        break;
      case 'BalanceActionRequested': {
        const seeds = actionLockSeeds(command.event, transactions);
        for (const id of seeds.required) required.add(id);
        for (const id of seeds.wallets) wallets.add(id);
        for (const id of seeds.poolSeeds) poolSeeds.add(id);
        break;
      }
    }
  }
  return { required: [...required].sort(), wallets: [...wallets].sort(), poolSeeds: [...poolSeeds].sort() };
}

/** Ids of every account the commands touch (before enterprise pools are added), sorted: the order in which they are locked. */
export function accountIdsToLock(commands: readonly LedgerCommand[], transactions: ReadonlyMap<string, LedgerTransaction>): string[] {
  const plan = accountLockPlan(commands, transactions);
  return [...new Set([...plan.required, ...plan.wallets])].sort();
}

/** Checks what the Avro contract cannot; throws a non-retryable `LEDGER_INVALID_EVENT`. Actions are checked when decided (a bad one is REJECTED). */
export function validateCommand(command: LedgerCommand): void {
  if (command.type === 'ErpConfirmation' || command.type === 'BalanceActionRequested') return;
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
  const state = new BatchState(snapshot, ctx);
  for (const command of commands) {
    switch (command.type) {
      case 'PaymentCompleted':
        sale(state, command.source, command.event);
        break;
      case 'PaymentFailed':
        failedPayment(state, command.source, command.event);
        break;
      case 'ErpConfirmation':
        settle(state, command.source, command.event);
        break;
      case 'BalanceActionRequested':
        decideAction(state, command.source, command.event);
        break;
    }
  }
  return state.result();
}

/** A captured payment: a HELD sale crediting the merchant's default wallet with the net, the fee to revenue. */
function sale(state: BatchState, source: SourceEvent, event: PaymentCompleted): void {
  if (!state.creditOrder(event.orderId)) {
    state.skip(source.eventId, 'ORDER_ALREADY_CREDITED');
    return;
  }
  const { now, feeBps } = state.ctx;
  const { feeMinor, netMinor } = splitSale(event.amountMinor, feeBps);
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
    reversesTransactionId: null,
    sourceEventId: source.eventId,
    memo: `Sale of order ${event.orderId}, payment ${event.paymentId} (${event.pspReference})`.slice(0, 500),
    createdAt: now,
    settledAt: null,
    // A zero fee (or net) is no movement: no entry for it.
    entries: lines.filter((line) => line.amountMinor !== 0),
  };
  state.changeWithUpdates(source, transaction, { actionId: null, reason: null }, () => state.open(transaction));
  state.pushOrderCompleted(source, {
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
    completedAt: now,
  });
}

/** A declined payment: the order fails; nothing moves. An order that was credited stays completed. */
function failedPayment(state: BatchState, source: SourceEvent, event: PaymentFailed): void {
  if (state.isOrderCredited(event.orderId)) {
    state.skip(source.eventId, 'ORDER_ALREADY_CREDITED');
    return;
  }
  state.pushOrderCompleted(source, {
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
    completedAt: state.ctx.now,
  });
}

/**
 * The ERP's verdict on a HELD transaction: post it or release it, once; a later verdict changes
 * nothing. The transaction's action (if any) becomes POSTED, or RELEASED with the ERP's reason.
 */
function settle(state: BatchState, source: SourceEvent, event: ErpConfirmation): void {
  const transaction = state.transaction(event.ledgerTransactionId);
  if (transaction === undefined) {
    throw new LedgerError('LEDGER_UNKNOWN_TRANSACTION', `ERP confirmation ${source.eventId} names unknown ledger transaction ${event.ledgerTransactionId}`);
  }
  if (transaction.status !== 'HELD') {
    state.skip(source.eventId, 'TRANSACTION_ALREADY_SETTLED');
    return;
  }
  const confirmed = event.outcome === 'CONFIRMED';
  state.changeWithUpdates(source, transaction, { actionId: transaction.actionId, reason: confirmed ? null : event.reason }, () => {
    state.settle(transaction, confirmed ? 'POSTED' : 'REJECTED');
  });
  const action = transaction.actionId === null ? undefined : state.action(transaction.actionId);
  if (action === undefined) return;
  if (confirmed) {
    state.updateAction(action, { status: 'POSTED', settledAt: state.ctx.now });
  } else {
    const reason = `ERP_REJECTED: ${event.reason ?? 'rejected by the ERP'}`.slice(0, 500);
    state.updateAction(action, { status: 'RELEASED', reasonCode: 'ERP_REJECTED', reason, settledAt: state.ctx.now });
  }
}
