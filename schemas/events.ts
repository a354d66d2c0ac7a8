/**
 * The TypeScript shape of every event, declared once here and checked field by field against the
 * newest `.avsc` of each event in `test/schemas/types-match.test.ts`.
 *
 * Money is always an integer amount of minor units (`long` in Avro; a safe integer in JS) plus an
 * ISO 4217 currency code. Times are epoch milliseconds (`long`, logicalType `timestamp-millis`).
 */

/** Integer minor units (cents); never a float. */
export type MinorUnits = number;
/** Milliseconds since the Unix epoch. */
export type EpochMillis = number;

export interface Customer {
  id: string;
  name: string;
  email: string;
  phone: string;
}

export interface LineItem {
  sku: string;
  name: string;
  quantity: number;
  unitPriceMinor: MinorUnits;
}

export interface OrderSubmitted {
  orderId: string;
  merchantId: string;
  idempotencyKey: string;
  customer: Customer;
  items: LineItem[];
  currency: string;
  totalMinor: MinorUnits;
  paymentToken: string;
  submittedAt: EpochMillis;
}

export interface PaymentCompleted {
  orderId: string;
  merchantId: string;
  paymentId: string;
  pspReference: string;
  amountMinor: MinorUnits;
  currency: string;
  capturedAt: EpochMillis;
}

export interface PaymentFailed {
  orderId: string;
  merchantId: string;
  amountMinor: MinorUnits;
  currency: string;
  reasonCode: string;
  reason: string;
  failedAt: EpochMillis;
}

export type BalanceActionKind = 'TOP_UP' | 'USAGE' | 'TRANSFER' | 'VOID';

export interface BalanceActionRequested {
  actionId: string;
  merchantId: string;
  kind: BalanceActionKind;
  /** The wallet acted on (the source wallet of a transfer; for a void, the voided action's wallet). */
  walletId: string;
  /** Destination wallet of a transfer. */
  counterpartyWalletId: string | null;
  /** Positive amount; null for a void. */
  amountMinor: MinorUnits | null;
  currency: string | null;
  /** The voided action, for a void. */
  voidsActionId: string | null;
  externalReference: string | null;
  description: string | null;
  idempotencyKey: string;
  requestedAt: EpochMillis;
}

export type WalletUpdateCause =
  | 'SALE'
  | 'TOP_UP'
  | 'USAGE'
  | 'TRANSFER_IN'
  | 'TRANSFER_OUT'
  | 'VOID'
  | 'OPENING_BALANCE';

export type HoldStatus = 'HELD' | 'POSTED' | 'RELEASED' | 'REJECTED' | 'VOIDED';

export interface WalletBalances {
  postedMinor: MinorUnits;
  pendingInMinor: MinorUnits;
  pendingOutMinor: MinorUnits;
  availableMinor: MinorUnits;
  shadowMinor: MinorUnits;
}

/**
 * One line of a ledger transaction. Positive credits the account (raises a wallet's balance),
 * negative debits it; the lines of a transaction sum to zero.
 */
export interface JournalLine {
  account: string;
  amountMinor: MinorUnits;
}

export interface WalletUpdated {
  walletId: string;
  merchantId: string;
  ledgerTransactionId: string;
  cause: WalletUpdateCause;
  status: HoldStatus;
  actionId: string | null;
  orderId: string | null;
  /** Signed change of the wallet's shadow balance. */
  amountMinor: MinorUnits;
  currency: string;
  balances: WalletBalances;
  lines: JournalLine[];
  reason: string | null;
  occurredAt: EpochMillis;
}

export type ErpOutcome = 'CONFIRMED' | 'REJECTED';
export type ErpConfirmationSource = 'WEBHOOK' | 'POLL' | 'RECONCILE';

export interface ErpConfirmation {
  ledgerTransactionId: string;
  walletId: string;
  erpRecordId: string | null;
  outcome: ErpOutcome;
  reason: string | null;
  source: ErpConfirmationSource;
  confirmedAt: EpochMillis;
}

export type OrderStatus = 'COMPLETED' | 'FAILED';

export interface OrderCompleted {
  orderId: string;
  merchantId: string;
  status: OrderStatus;
  totalMinor: MinorUnits;
  currency: string;
  feeMinor: MinorUnits;
  netMinor: MinorUnits;
  walletId: string | null;
  ledgerTransactionId: string | null;
  failureReason: string | null;
  completedAt: EpochMillis;
}

export type NotificationChannel = 'EMAIL' | 'SMS';
export type DeliveryStatus = 'SENT' | 'FAILED' | 'NOT_CONFIGURED';

export interface NotificationDelivered {
  notificationId: string;
  merchantId: string;
  sourceEventId: string;
  channel: NotificationChannel;
  status: DeliveryStatus;
  provider: string;
  providerMessageId: string | null;
  attempts: number;
  deliveredAt: EpochMillis;
}

/** Every event type by its Avro record name. */
export interface EventMap {
  OrderSubmitted: OrderSubmitted;
  PaymentCompleted: PaymentCompleted;
  PaymentFailed: PaymentFailed;
  BalanceActionRequested: BalanceActionRequested;
  WalletUpdated: WalletUpdated;
  ErpConfirmation: ErpConfirmation;
  OrderCompleted: OrderCompleted;
  NotificationDelivered: NotificationDelivered;
}

export type EventType = keyof EventMap;

export const EVENT_TYPES: readonly EventType[] = [
  'OrderSubmitted',
  'PaymentCompleted',
  'PaymentFailed',
  'BalanceActionRequested',
  'WalletUpdated',
  'ErpConfirmation',
  'OrderCompleted',
  'NotificationDelivered',
];

/** A decoded event with its type, so a `switch` on `type` narrows `event`. */
export type AnyEvent = { [K in EventType]: { type: K; event: EventMap[K] } }[EventType];
