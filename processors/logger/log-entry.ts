import type { AnyEvent, EventMap } from '../../schemas';
import type { DecodedMessage } from '../runtime';
import { formatAmount } from './money.format';
import type { LogLevel } from './types';

/** A `log_entries` row to insert, derived from one event. */
export interface LogEntry {
  eventId: string;
  loggedAt: Date;
  producedAt: Date;
  service: string;
  level: LogLevel;
  eventType: string;
  topic: string;
  key: string;
  correlationId: string;
  causationId: string;
  orderId: string | null;
  walletId: string | null;
  merchantId: string | null;
  message: string;
  payload: string;
}

/** The role that produces each topic (design.md §3). */
const PRODUCER_OF_TOPIC: Readonly<Record<string, string>> = {
  'orders.submitted': 'gateway',
  'payments.completed': 'payment',
  'balance.actions': 'gateway',
  'wallet.updates': 'ledger',
  'erp.confirmations': 'erp-sync',
  'orders.completed': 'ledger',
  'notifications.sent': 'notification',
};

/** Column widths of `log_entries` (longer values are cut rather than failing the batch). */
const MAX = { service: 64, eventType: 64, topic: 128, key: 128, correlationId: 64, causationId: 64, message: 1000 } as const;

export function serviceOfTopic(topic: string): string {
  return PRODUCER_OF_TOPIC[topic] ?? 'unknown';
}

export function toLogEntry(message: DecodedMessage, loggedAt: Date): LogEntry {
  const ids = idsOf(message);
  return {
    eventId: message.headers.eventId,
    loggedAt,
    producedAt: parseProducedAt(message.headers.producedAt, loggedAt),
    service: cut(serviceOfTopic(message.topic), MAX.service),
    level: levelOf(message),
    eventType: cut(message.type, MAX.eventType),
    topic: cut(message.topic, MAX.topic),
    key: cut(message.key, MAX.key),
    correlationId: cut(message.headers.correlationId, MAX.correlationId),
    causationId: cut(message.headers.causationId, MAX.causationId),
    orderId: ids.orderId,
    walletId: ids.walletId,
    merchantId: ids.merchantId,
    message: cut(describe(message), MAX.message),
    payload: JSON.stringify(redact(message)),
  };
}

export function levelOf(message: AnyEvent): LogLevel {
  switch (message.type) {
    case 'PaymentFailed':
      return 'warn';
    case 'OrderCompleted':
      return message.event.status === 'FAILED' ? 'warn' : 'info';
    case 'WalletUpdated':
      return message.event.status === 'REJECTED' ? 'warn' : 'info';
    case 'NotificationDelivered':
      return message.event.status === 'FAILED' ? 'error' : 'info';
    default:
      return 'info';
  }
}

interface EventIds {
  orderId: string | null;
  walletId: string | null;
  merchantId: string | null;
}

function idsOf(message: AnyEvent): EventIds {
  switch (message.type) {
    case 'OrderSubmitted':
    case 'PaymentCompleted':
    case 'PaymentFailed':
      return { orderId: message.event.orderId, walletId: null, merchantId: message.event.merchantId };
    case 'OrderCompleted':
      return { orderId: message.event.orderId, walletId: message.event.walletId, merchantId: message.event.merchantId };
    case 'BalanceActionRequested':
      return { orderId: null, walletId: message.event.walletId, merchantId: message.event.merchantId };
    case 'WalletUpdated':
      return { orderId: message.event.orderId, walletId: message.event.walletId, merchantId: message.event.merchantId };
    case 'ErpConfirmation':
      return { orderId: null, walletId: message.event.walletId, merchantId: null };
    case 'NotificationDelivered':
      return { orderId: null, walletId: null, merchantId: message.event.merchantId };
  }
}

/** One human sentence per event, amounts with the currency's exponent. */
export function describe(message: AnyEvent): string {
  switch (message.type) {
    case 'OrderSubmitted':
      return describeOrderSubmitted(message.event);
    case 'PaymentCompleted': {
      const e = message.event;
      return `payment ${e.paymentId} captured for order ${e.orderId}: ${formatAmount(e.amountMinor, e.currency)} (psp ${e.pspReference})`;
    }
    case 'PaymentFailed': {
      const e = message.event;
      return `payment for order ${e.orderId} declined (${e.reasonCode}): ${formatAmount(e.amountMinor, e.currency)}, ${e.reason}`;
    }
    case 'BalanceActionRequested':
      return describeBalanceAction(message.event);
    case 'WalletUpdated':
      return describeWalletUpdated(message.event);
    case 'ErpConfirmation': {
      const e = message.event;
      const record = e.erpRecordId === null ? '' : ` (record ${e.erpRecordId})`;
      const reason = e.reason === null ? '' : `: ${e.reason}`;
      return `ERP ${e.outcome} ledger transaction ${e.ledgerTransactionId}${record} via ${e.source}${reason}`;
    }
    case 'OrderCompleted':
      return describeOrderCompleted(message.event);
    case 'NotificationDelivered': {
      const e = message.event;
      const id = e.providerMessageId === null ? '' : ` id ${e.providerMessageId}`;
      return `${e.channel} notification ${e.status} via ${e.provider}${id} after ${e.attempts} attempt(s), for event ${e.sourceEventId}`;
    }
  }
}

function describeOrderSubmitted(e: EventMap['OrderSubmitted']): string {
  const items = e.items.reduce((n, item) => n + item.quantity, 0);
  return `order ${e.orderId} submitted: ${items} item${items === 1 ? '' : 's'}, ${formatAmount(e.totalMinor, e.currency)}`;
}

function describeBalanceAction(e: EventMap['BalanceActionRequested']): string {
  const amount = e.amountMinor === null || e.currency === null ? '' : ` of ${formatAmount(e.amountMinor, e.currency)}`;
  switch (e.kind) {
    case 'TRANSFER':
      return `TRANSFER${amount} requested from wallet ${e.walletId} to wallet ${e.counterpartyWalletId ?? '?'} (action ${e.actionId})`;
    case 'VOID':
      return `VOID of action ${e.voidsActionId ?? '?'} requested on wallet ${e.walletId} (action ${e.actionId})`;
    default:
      return `${e.kind}${amount} requested on wallet ${e.walletId} (action ${e.actionId})`;
  }
}

function describeWalletUpdated(e: EventMap['WalletUpdated']): string {
  const sign = e.amountMinor > 0 ? '+' : '';
  const about = e.orderId !== null ? ` for order ${e.orderId}` : e.actionId !== null ? ` for action ${e.actionId}` : '';
  const reason = e.reason === null ? '' : `: ${e.reason}`;
  return (
    `wallet ${e.walletId} ${e.cause} ${e.status} ${sign}${formatAmount(e.amountMinor, e.currency)}${about}, ` +
    `shadow ${formatAmount(e.balances.shadowMinor, e.currency)}, available ${formatAmount(e.balances.availableMinor, e.currency)}${reason}`
  );
}

function describeOrderCompleted(e: EventMap['OrderCompleted']): string {
  if (e.status === 'FAILED') {
    return `order ${e.orderId} FAILED: ${formatAmount(e.totalMinor, e.currency)}, ${e.failureReason ?? 'no reason given'}`;
  }
  return (
    `order ${e.orderId} COMPLETED: ${formatAmount(e.totalMinor, e.currency)}, fee ${formatAmount(e.feeMinor, e.currency)}, ` +
    `net ${formatAmount(e.netMinor, e.currency)} to wallet ${e.walletId ?? '?'}`
  );
}

/** The event as a JSON-ready object, without the payment token. */
function redact(message: AnyEvent): unknown {
  if (message.type === 'OrderSubmitted') return { ...message.event, paymentToken: '[redacted]' };
  return message.event;
}

function parseProducedAt(header: string, fallback: Date): Date {
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? fallback : new Date(ms);
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
