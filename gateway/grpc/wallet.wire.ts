import type { JournalLine, WalletBalances, WalletUpdated } from '../../schemas';
import type {
  ActionKindName,
  ActionStatusName,
  ActionView,
  BalancesView,
  ThresholdDirectionName,
  ThresholdView,
  TransactionView,
  WalletKindName,
  WalletView,
} from '../wallets/types';

/**
 * The wire shapes of paystream.v1.WalletService as proto-loader serializes them (camelCase fields,
 * enums by name, int64 given as numbers; an absent proto3 `optional` field left out).
 */

export type WalletKindWire = `WALLET_KIND_${WalletKindName}`;
export type ActionKindWire = `ACTION_KIND_${ActionKindName}`;
export type ActionStatusWire = `ACTION_STATUS_${ActionStatusName}`;
export type ThresholdDirectionWire = `THRESHOLD_DIRECTION_${ThresholdDirectionName}`;

export type BalancesWire = BalancesView;

export interface WalletWire {
  walletId: string;
  kind: WalletKindWire;
  currency: string;
  name: string;
  parentWalletId: string;
  creditLimitMinor: number;
  childLimitMinor?: number;
  isDefault: boolean;
  balances: BalancesWire;
  createdAtMs: number;
  spendableMinor: number;
  poolAvailableMinor?: number;
}

export interface ActionWire {
  actionId: string;
  kind: ActionKindWire;
  status: ActionStatusWire;
  reasonCode: string;
  reason: string;
  amountMinor: number;
  currency: string;
  walletId: string;
  counterpartyWalletId: string;
  voidsActionId: string;
  ledgerTransactionId: string;
  createdAtMs: number;
  decidedAtMs: number;
  settledAtMs: number;
  voidedByActionId: string;
  idempotencyKey: string;
  externalReference: string;
  description: string;
}

export interface ActionResponseWire {
  action: ActionWire;
  replayed: boolean;
}

export interface TransactionWire {
  ledgerTransactionId: string;
  kind: string;
  status: string;
  amountMinor: number;
  currency: string;
  actionId: string;
  orderId: string;
  memo: string;
  createdAtMs: number;
  settledAtMs: number;
  reversesTransactionId: string;
}

export interface ListTransactionsResponseWire {
  transactions: TransactionWire[];
  nextPageToken: string;
}

export interface WalletUpdateWire {
  walletId: string;
  ledgerTransactionId: string;
  cause: string;
  status: string;
  actionId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  balances: BalancesWire;
  lines: { account: string; amountMinor: number }[];
  reason: string;
  occurredAtMs: number;
}

export type WatchWalletResponseWire = { snapshot: WalletWire } | { update: WalletUpdateWire };

export interface ThresholdWire {
  thresholdId: string;
  walletId: string;
  thresholdMinor: number;
  direction: ThresholdDirectionWire;
  createdAtMs: number;
}

function balancesToWire(balances: BalancesView | WalletBalances): BalancesWire {
  return {
    postedMinor: balances.postedMinor,
    pendingInMinor: balances.pendingInMinor,
    pendingOutMinor: balances.pendingOutMinor,
    availableMinor: balances.availableMinor,
    shadowMinor: balances.shadowMinor,
  };
}

export function walletToWire(wallet: WalletView): WalletWire {
  const wire: WalletWire = {
    walletId: wallet.walletId,
    kind: `WALLET_KIND_${wallet.kind}`,
    currency: wallet.currency,
    name: wallet.name ?? '',
    parentWalletId: wallet.parentWalletId ?? '',
    creditLimitMinor: wallet.creditLimitMinor,
    isDefault: wallet.isDefault,
    balances: balancesToWire(wallet.balances),
    createdAtMs: wallet.createdAt,
    spendableMinor: wallet.spendableMinor,
  };
  if (wallet.childLimitMinor !== null) wire.childLimitMinor = wallet.childLimitMinor;
  if (wallet.poolAvailableMinor !== null) wire.poolAvailableMinor = wallet.poolAvailableMinor;
  return wire;
}

export function actionToWire(action: ActionView): ActionWire {
  return {
    actionId: action.actionId,
    kind: `ACTION_KIND_${action.kind}`,
    status: `ACTION_STATUS_${action.status}`,
    reasonCode: action.reasonCode ?? '',
    reason: action.reason ?? '',
    amountMinor: action.amountMinor ?? 0,
    currency: action.currency ?? '',
    walletId: action.walletId,
    counterpartyWalletId: action.counterpartyWalletId ?? '',
    voidsActionId: action.voidsActionId ?? '',
    ledgerTransactionId: action.ledgerTransactionId ?? '',
    createdAtMs: action.createdAt,
    decidedAtMs: action.decidedAt ?? 0,
    settledAtMs: action.settledAt ?? 0,
    voidedByActionId: action.voidedByActionId ?? '',
    idempotencyKey: action.idempotencyKey,
    externalReference: action.externalReference ?? '',
    description: action.description ?? '',
  };
}

export function transactionToWire(transaction: TransactionView): TransactionWire {
  return {
    ledgerTransactionId: transaction.ledgerTransactionId,
    kind: transaction.kind,
    status: transaction.status,
    amountMinor: transaction.amountMinor,
    currency: transaction.currency,
    actionId: transaction.actionId ?? '',
    orderId: transaction.orderId ?? '',
    memo: transaction.memo,
    createdAtMs: transaction.createdAt,
    settledAtMs: transaction.settledAt ?? 0,
    reversesTransactionId: transaction.reversesTransactionId ?? '',
  };
}

function lineToWire(line: JournalLine): { account: string; amountMinor: number } {
  return { account: line.account, amountMinor: line.amountMinor };
}

export function walletUpdateToWire(update: WalletUpdated): WalletUpdateWire {
  return {
    walletId: update.walletId,
    ledgerTransactionId: update.ledgerTransactionId,
    cause: update.cause,
    status: update.status,
    actionId: update.actionId ?? '',
    orderId: update.orderId ?? '',
    amountMinor: update.amountMinor,
    currency: update.currency,
    balances: balancesToWire(update.balances),
    lines: update.lines.map(lineToWire),
    reason: update.reason ?? '',
    occurredAtMs: update.occurredAt,
  };
}

export function thresholdToWire(threshold: ThresholdView): ThresholdWire {
  return {
    thresholdId: threshold.thresholdId,
    walletId: threshold.walletId,
    thresholdMinor: threshold.thresholdMinor,
    direction: `THRESHOLD_DIRECTION_${threshold.direction}`,
    createdAtMs: threshold.createdAt,
  };
}
