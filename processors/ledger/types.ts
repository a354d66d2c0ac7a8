import type { Logger } from 'pino';
import type { BalanceActionKind, BalanceActionRequested, ErpConfirmation, EventCodec, EventEnvelope, HoldStatus, PaymentCompleted, PaymentFailed } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import type { PublishOutputs } from '../runtime';
import type { LedgerProcessorOptions } from './options';

/** What the ledger processor needs; every dependency arrives here. */
export interface LedgerProcessorDeps {
  pool: Pool;
  /** Publishes committed outputs (`createOutputPublisher`); a rejection fails the batch. */
  publish: PublishOutputs;
  codec: EventCodec;
  logger: Logger;
  options: LedgerProcessorOptions;
  /** Epoch ms stamped on transactions and outputs (default `Date.now`). */
  now?: () => number;
}

export type LedgerTransactionKind = 'SALE' | 'TOP_UP' | 'USAGE' | 'TRANSFER' | 'VOID' | 'OPENING_BALANCE';
export type AccountKind = 'personal' | 'enterprise' | 'reseller' | 'system';
export type SystemAccountCode = 'psp_clearing' | 'platform_revenue' | 'topup_clearing' | 'usage_revenue' | 'erp_suspense' | 'opening_balance';

/** What identifies an account and what it is: enough to create it. */
export interface AccountSpec {
  id: string;
  merchantId: string | null;
  kind: AccountKind;
  systemCode: SystemAccountCode | null;
  currency: string;
  isDefault: boolean;
}

/** An account with its balances (credit-normal), as locked for a batch. BigInt: sums never lose a unit. */
export interface AccountState extends AccountSpec {
  /** The enterprise or reseller wallet this one is a child of. */
  parentAccountId: string | null;
  creditLimitMinor: bigint;
  /** How far an enterprise child may draw on its parent's pool (null: only the pool limits it). */
  childLimitMinor: bigint | null;
  postedMinor: bigint;
  pendingInMinor: bigint;
  pendingOutMinor: bigint;
}

/** One immutable line of a ledger transaction: positive credits the account, negative debits it. */
export interface LedgerEntry {
  accountId: string;
  amountMinor: number;
}

export interface LedgerTransaction {
  id: string;
  kind: LedgerTransactionKind;
  status: HoldStatus;
  currency: string;
  /** The gross amount the transaction is about (a sale's order total). */
  amountMinor: number;
  merchantId: string;
  /** The wallet the transaction is for (a sale: the merchant's default wallet). */
  walletId: string;
  orderId: string | null;
  actionId: string | null;
  /** The transaction a compensating VOID transaction reverses. */
  reversesTransactionId: string | null;
  sourceEventId: string;
  memo: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of posting or release; null while HELD. */
  settledAt: number | null;
  /** In insertion order; they sum to zero. */
  entries: LedgerEntry[];
}

/** A status change of a transaction that already exists. */
export interface StatusChange {
  transactionId: string;
  status: HoldStatus;
  settledAt: number;
}

/** The input event a command came from. */
export interface SourceEvent {
  eventId: string;
  correlationId: string;
}

/** The ledger's inputs, one per fresh input event, in batch order. */
export type LedgerCommand =
  | { type: 'PaymentCompleted'; source: SourceEvent; event: PaymentCompleted }
  | { type: 'PaymentFailed'; source: SourceEvent; event: PaymentFailed }
  | { type: 'ErpConfirmation'; source: SourceEvent; event: ErpConfirmation }
  | { type: 'BalanceActionRequested'; source: SourceEvent; event: BalanceActionRequested };

/** The life of a balance action (`wallet_actions.status`): PENDING → HELD | REJECTED → POSTED | RELEASED | VOIDED. */
export type ActionStatus = 'PENDING' | 'HELD' | 'REJECTED' | 'POSTED' | 'RELEASED' | 'VOIDED';

/**
 * Why the ledger rejected or released an action (`wallet_actions.reason_code`; the reason text
 * starts with it).
 */
export type ActionReasonCode =
  | 'INSUFFICIENT_FUNDS'
  | 'NOT_ALLOWED'
  | 'CURRENCY_MISMATCH'
  | 'WALLET_NOT_FOUND'
  | 'INVALID_ACTION'
  | 'ALREADY_VOIDED'
  | 'CANNOT_VOID_A_VOID'
  | 'NOTHING_TO_VOID'
  | 'ERP_REJECTED'
  | 'VOIDED';

/** A `wallet_actions` row as the ledger reads and writes it (the gateway's request columns left out). */
export interface ActionRecord {
  id: string;
  merchantId: string;
  kind: BalanceActionKind;
  walletId: string;
  counterpartyWalletId: string | null;
  amountMinor: number | null;
  currency: string | null;
  voidsActionId: string | null;
  status: ActionStatus;
  reasonCode: string | null;
  reason: string | null;
  ledgerTransactionId: string | null;
  voidedByActionId: string | null;
  /** Epoch ms. */
  decidedAt: number | null;
  /** Epoch ms. */
  settledAt: number | null;
}

/** The columns of an action the ledger owns, with their new values. */
export type ActionUpdate = Pick<
  ActionRecord,
  'id' | 'status' | 'reasonCode' | 'reason' | 'ledgerTransactionId' | 'voidedByActionId' | 'decidedAt' | 'settledAt'
>;

/** An output event before encoding, with its topic. */
export type LedgerOutput = (EventEnvelope<'WalletUpdated'> | EventEnvelope<'OrderCompleted'>) & { topic: string };
