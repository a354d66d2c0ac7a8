import type {
  BalanceActionKind,
  DeliveryStatus,
  ErpConfirmationSource,
  ErpOutcome,
  EventMap,
  EventType,
  HoldStatus,
  NotificationChannel,
  OrderStatus,
  WalletUpdateCause,
} from './events';

/**
 * A runtime description of every event's shape, typed against the declarations of `events.ts`, so
 * `tsc` fails when the two diverge (a field added, removed or renamed, nullability changed, an enum
 * symbol added or removed). `test/schemas/types-match.test.ts` then compares it with the newest
 * `.avsc` of each event: together they keep the TypeScript types and the Avro schemas one contract.
 *
 * TypeScript cannot tell `int` from `long` from `timestamp-millis` (all are `number`), so a number
 * field may take any of those kinds here; the test checks the kind against the schema.
 */

export type ScalarKind = 'string' | 'int' | 'long' | 'timestamp-millis';

export interface NullableShape<V> {
  readonly nullable: FieldShape<V>;
}
export interface EnumShape<V extends string> {
  readonly enum: string;
  /** Every member of the TypeScript union, exactly once (a record keyed by them makes that checkable). */
  readonly symbols: { readonly [S in V]: true };
}
export interface ArrayShape<I> {
  readonly array: FieldShape<I>;
}
export interface RecordShape<T> {
  readonly record: string;
  readonly fields: { readonly [K in keyof T]-?: FieldShape<T[K]> };
}

/** The shape a field of TypeScript type `V` may have. */
export type FieldShape<V> = [V] extends [string]
  ? string extends V
    ? 'string'
    : EnumShape<V>
  : [V] extends [number]
    ? Exclude<ScalarKind, 'string'>
    : null extends V
      ? NullableShape<Exclude<V, null>>
      : [V] extends [readonly (infer I)[]]
        ? ArrayShape<I>
        : [V] extends [object]
          ? RecordShape<V>
          : never;

/** The untyped view of a shape, for code that walks shapes of any event. */
export type AnyFieldShape =
  | ScalarKind
  | { readonly nullable: AnyFieldShape }
  | { readonly enum: string; readonly symbols: Readonly<Record<string, true>> }
  | { readonly array: AnyFieldShape }
  | AnyRecordShape;
export interface AnyRecordShape {
  readonly record: string;
  readonly fields: Readonly<Record<string, AnyFieldShape>>;
}

const timestamp = 'timestamp-millis';
const nullableString = { nullable: 'string' } as const;

const balanceActionKinds: { readonly [S in BalanceActionKind]: true } = { TOP_UP: true, USAGE: true, TRANSFER: true, VOID: true };
const walletUpdateCauses: { readonly [S in WalletUpdateCause]: true } = {
  SALE: true,
  TOP_UP: true,
  USAGE: true,
  TRANSFER_IN: true,
  TRANSFER_OUT: true,
  VOID: true,
  OPENING_BALANCE: true,
};
const holdStatuses: { readonly [S in HoldStatus]: true } = { HELD: true, POSTED: true, RELEASED: true, REJECTED: true, VOIDED: true };
const erpOutcomes: { readonly [S in ErpOutcome]: true } = { CONFIRMED: true, REJECTED: true };
const erpSources: { readonly [S in ErpConfirmationSource]: true } = { WEBHOOK: true, POLL: true, RECONCILE: true };
const orderStatuses: { readonly [S in OrderStatus]: true } = { COMPLETED: true, FAILED: true };
const channels: { readonly [S in NotificationChannel]: true } = { EMAIL: true, SMS: true };
const deliveryStatuses: { readonly [S in DeliveryStatus]: true } = { SENT: true, FAILED: true, NOT_CONFIGURED: true };

/** The shape of every event, by event type. */
export const EVENT_SHAPES: { readonly [K in EventType]: RecordShape<EventMap[K]> } = {
  OrderSubmitted: {
    record: 'OrderSubmitted',
    fields: {
      orderId: 'string',
      merchantId: 'string',
      idempotencyKey: 'string',
      customer: { record: 'Customer', fields: { id: 'string', name: 'string', email: 'string', phone: 'string' } },
      items: {
        array: { record: 'LineItem', fields: { sku: 'string', name: 'string', quantity: 'int', unitPriceMinor: 'long' } },
      },
      currency: 'string',
      totalMinor: 'long',
      paymentToken: 'string',
      submittedAt: timestamp,
    },
  },
  PaymentCompleted: {
    record: 'PaymentCompleted',
    fields: {
      orderId: 'string',
      merchantId: 'string',
      paymentId: 'string',
      pspReference: 'string',
      amountMinor: 'long',
      currency: 'string',
      capturedAt: timestamp,
    },
  },
  PaymentFailed: {
    record: 'PaymentFailed',
    fields: {
      orderId: 'string',
      merchantId: 'string',
      amountMinor: 'long',
      currency: 'string',
      reasonCode: 'string',
      reason: 'string',
      failedAt: timestamp,
    },
  },
  BalanceActionRequested: {
    record: 'BalanceActionRequested',
    fields: {
      actionId: 'string',
      merchantId: 'string',
      kind: { enum: 'BalanceActionKind', symbols: balanceActionKinds },
      walletId: 'string',
      counterpartyWalletId: nullableString,
      amountMinor: { nullable: 'long' },
      currency: nullableString,
      voidsActionId: nullableString,
      externalReference: nullableString,
      description: nullableString,
      idempotencyKey: 'string',
      requestedAt: timestamp,
    },
  },
  WalletUpdated: {
    record: 'WalletUpdated',
    fields: {
      walletId: 'string',
      merchantId: 'string',
      ledgerTransactionId: 'string',
      cause: { enum: 'WalletUpdateCause', symbols: walletUpdateCauses },
      status: { enum: 'HoldStatus', symbols: holdStatuses },
      actionId: nullableString,
      orderId: nullableString,
      amountMinor: 'long',
      currency: 'string',
      balances: {
        record: 'WalletBalances',
        fields: {
          postedMinor: 'long',
          pendingInMinor: 'long',
          pendingOutMinor: 'long',
          availableMinor: 'long',
          shadowMinor: 'long',
        },
      },
      lines: { array: { record: 'JournalLine', fields: { account: 'string', amountMinor: 'long' } } },
      reason: nullableString,
      occurredAt: timestamp,
    },
  },
  ErpConfirmation: {
    record: 'ErpConfirmation',
    fields: {
      ledgerTransactionId: 'string',
      walletId: 'string',
      erpRecordId: nullableString,
      outcome: { enum: 'ErpOutcome', symbols: erpOutcomes },
      reason: nullableString,
      source: { enum: 'ErpConfirmationSource', symbols: erpSources },
      confirmedAt: timestamp,
    },
  },
  OrderCompleted: {
    record: 'OrderCompleted',
    fields: {
      orderId: 'string',
      merchantId: 'string',
      status: { enum: 'OrderStatus', symbols: orderStatuses },
      totalMinor: 'long',
      currency: 'string',
      feeMinor: 'long',
      netMinor: 'long',
      walletId: nullableString,
      ledgerTransactionId: nullableString,
      failureReason: nullableString,
      completedAt: timestamp,
    },
  },
  NotificationDelivered: {
    record: 'NotificationDelivered',
    fields: {
      notificationId: 'string',
      merchantId: 'string',
      sourceEventId: 'string',
      channel: { enum: 'NotificationChannel', symbols: channels },
      status: { enum: 'DeliveryStatus', symbols: deliveryStatuses },
      provider: 'string',
      providerMessageId: nullableString,
      attempts: 'int',
      deliveredAt: timestamp,
    },
  },
};

/** The shape of one event, in the untyped view. */
export function eventShape(type: EventType): AnyRecordShape {
  return EVENT_SHAPES[type];
}
