import type { BalanceActionKind } from '../../schemas';

export type WalletKindName = 'PERSONAL' | 'ENTERPRISE' | 'RESELLER';
export type ActionKindName = BalanceActionKind;
export type ActionStatusName = 'PENDING' | 'HELD' | 'REJECTED' | 'POSTED' | 'RELEASED' | 'VOIDED';
export type ThresholdDirectionName = 'BELOW' | 'ABOVE';

/** A balance action request that passed the checks that need no database (field by field). */
export type ActionRequest =
  | {
      kind: 'TOP_UP';
      idempotencyKey: string;
      walletId: string;
      amountMinor: number;
      externalReference: string;
      /** The currency the client expects the wallet to hold; null when it did not say. */
      currency: string | null;
    }
  | { kind: 'USAGE'; idempotencyKey: string; walletId: string; amountMinor: number; description: string; currency: string | null }
  | {
      kind: 'TRANSFER';
      idempotencyKey: string;
      walletId: string;
      counterpartyWalletId: string;
      amountMinor: number;
      description: string | null;
      currency: string | null;
    }
  | { kind: 'VOID'; idempotencyKey: string; voidsActionId: string };

/**
 * An action as recorded: the request resolved against the merchant's wallets (the currency is the
 * wallet's; a void's wallet is the voided action's). Its canonical JSON is what `request_hash`
 * hashes and what the BalanceActionRequested is rebuilt from.
 */
export interface ResolvedAction {
  kind: ActionKindName;
  idempotencyKey: string;
  walletId: string;
  counterpartyWalletId: string | null;
  /** Null for a void. */
  amountMinor: number | null;
  currency: string;
  voidsActionId: string | null;
  externalReference: string | null;
  description: string | null;
}

/** An action as the gateway answers it. */
export interface ActionView {
  actionId: string;
  idempotencyKey: string;
  kind: ActionKindName;
  status: ActionStatusName;
  reasonCode: string | null;
  reason: string | null;
  amountMinor: number | null;
  currency: string | null;
  walletId: string;
  counterpartyWalletId: string | null;
  voidsActionId: string | null;
  voidedByActionId: string | null;
  ledgerTransactionId: string | null;
  externalReference: string | null;
  description: string | null;
  /** Epoch ms. */
  createdAt: number;
  decidedAt: number | null;
  settledAt: number | null;
}

/** What a balance action call answers (unless the ledger rejected it: then it fails). */
export interface ActionResult {
  action: ActionView;
  replayed: boolean;
}

/** A wallet of the calling merchant, as stored (`accounts`), without balances. */
export interface WalletRecord {
  walletId: string;
  kind: WalletKindName;
  currency: string;
  name: string | null;
  parentWalletId: string | null;
  creditLimitMinor: number;
  childLimitMinor: number | null;
  isDefault: boolean;
  /** Epoch ms. */
  createdAt: number;
}

export interface BalancesView {
  postedMinor: number;
  pendingInMinor: number;
  pendingOutMinor: number;
  availableMinor: number;
  shadowMinor: number;
}

export interface WalletView extends WalletRecord {
  balances: BalancesView;
  /** The largest debit the ledger would accept now (its funds rule), never below 0. */
  spendableMinor: number;
  /** Enterprise wallets (top-level and children): their pool's available; null otherwise. */
  poolAvailableMinor: number | null;
}

/** A wallet's figures as the ledger computes them. */
export interface LedgerFigures {
  balances: BalancesView;
  spendableMinor: number;
  poolAvailableMinor: number | null;
}

/** A CreateWallet request that passed the field checks. */
export interface WalletRequest {
  kind: WalletKindName;
  currency: string;
  name: string | null;
  creditLimitMinor: number;
  parentWalletId: string | null;
  childLimitMinor: number | null;
}

export interface ThresholdView {
  thresholdId: string;
  walletId: string;
  thresholdMinor: number;
  direction: ThresholdDirectionName;
  /** Epoch ms. */
  createdAt: number;
}

/** A ledger transaction as it touches one wallet. */
export interface TransactionView {
  ledgerTransactionId: string;
  kind: string;
  status: string;
  /** Signed change of the wallet's balance (positive: credit). */
  amountMinor: number;
  currency: string;
  actionId: string | null;
  orderId: string | null;
  memo: string;
  /** Epoch ms. */
  createdAt: number;
  settledAt: number | null;
  /** A compensating VOID transaction: the transaction it reverses. */
  reversesTransactionId: string | null;
}

/**
 * What the wallet service needs of the ledger, which owns wallets' money: creating a wallet,
 * its balances (the ledger's formulas, enterprise pools included) and its transactions.
 */
export interface WalletLedger {
  /** Creates the wallet; resolves with its id. */
  create(merchantId: string, request: WalletRequest): Promise<string>;
  figures(walletId: string): Promise<LedgerFigures>;
  /** Up to `limit` of the wallet's transactions, newest first, after `before` (exclusive). */
  transactions(walletId: string, limit: number, before: { createdAt: number; id: string } | null): Promise<TransactionView[]>;
}
