import { randomUUID } from 'node:crypto';
import type { EventCodec, EventMap, EventType } from '../../../schemas';
import { deriveId, toMessage, TOPIC_EVENTS, type Topic } from '../../../schemas';
import type { DecodedMessage } from '../../../processors/runtime';
import type { OutgoingMessage, Transport } from '../../../streams';

/** An event with the envelope fields the pipeline would give it. */
export interface Envelope<K extends EventType = EventType> {
  type: K;
  event: EventMap[K];
  eventId: string;
  key: string;
  correlationId: string;
  causationId: string;
  producedAt: Date;
}

export function topicOf(type: EventType): Topic {
  const entry = Object.entries(TOPIC_EVENTS).find(([, types]) => types.includes(type));
  if (entry === undefined) throw new Error(`no topic carries ${type}`);
  return entry[0] as Topic;
}

/** The events of one order through the pipeline, with ids derived as the processors derive them. */
export function orderFlow(options: { merchantId?: string; totalMinor?: number; currency?: string; at?: number } = {}) {
  const orderId = randomUUID();
  const merchantId = options.merchantId ?? randomUUID();
  const walletId = deriveId('default-wallet', merchantId, options.currency ?? 'USD');
  const currency = options.currency ?? 'USD';
  const total = options.totalMinor ?? 2500;
  // 2.5 % platform fee, rounded down, in integer arithmetic.
  const fee = Math.floor((total * 25) / 1000);
  const at = options.at ?? Date.now();
  const submittedId = deriveId(orderId, 'OrderSubmitted');
  const paymentId = deriveId(submittedId, 'PaymentCompleted');
  const walletEventId = deriveId(paymentId, 'WalletUpdated', walletId);
  const completedId = deriveId(paymentId, 'OrderCompleted');
  const ledgerTransactionId = deriveId(paymentId, 'ledger-transaction');
  const base = { correlationId: orderId };
  const submitted: Envelope<'OrderSubmitted'> = {
    ...base,
    type: 'OrderSubmitted',
    eventId: submittedId,
    causationId: submittedId,
    key: merchantId,
    producedAt: new Date(at),
    event: {
      orderId,
      merchantId,
      idempotencyKey: `idem-${orderId}`,
      customer: { id: 'cus_1', name: 'Ada', email: 'ada@example.org', phone: '+14155550100' },
      items: [
        { sku: 'A', name: 'Thing', quantity: 1, unitPriceMinor: total - 500 },
        { sku: 'B', name: 'Other', quantity: 1, unitPriceMinor: 500 },
      ],
      currency,
      totalMinor: total,
      paymentToken: 'tok_secret_4242',
      submittedAt: at,
    },
  };
  const payment: Envelope<'PaymentCompleted'> = {
    ...base,
    type: 'PaymentCompleted',
    eventId: paymentId,
    causationId: submittedId,
    key: merchantId,
    producedAt: new Date(at + 100),
    event: { orderId, merchantId, paymentId: `pay_${orderId.slice(0, 8)}`, pspReference: 'psp_ref_1', amountMinor: total, currency, capturedAt: at + 100 },
  };
  const walletUpdated: Envelope<'WalletUpdated'> = {
    ...base,
    type: 'WalletUpdated',
    eventId: walletEventId,
    causationId: paymentId,
    key: walletId,
    producedAt: new Date(at + 200),
    event: {
      walletId,
      merchantId,
      ledgerTransactionId,
      cause: 'SALE',
      status: 'HELD',
      actionId: null,
      orderId,
      amountMinor: total - fee,
      currency,
      balances: { postedMinor: 10_000, pendingInMinor: total - fee, pendingOutMinor: 0, availableMinor: 10_000, shadowMinor: 10_000 + total - fee },
      lines: [
        { account: deriveId('system-account', 'psp_clearing', currency), amountMinor: -total },
        { account: walletId, amountMinor: total - fee },
        { account: deriveId('system-account', 'platform_revenue', currency), amountMinor: fee },
      ],
      reason: null,
      occurredAt: at + 200,
    },
  };
  const completed: Envelope<'OrderCompleted'> = {
    ...base,
    type: 'OrderCompleted',
    eventId: completedId,
    causationId: paymentId,
    key: merchantId,
    producedAt: new Date(at + 300),
    event: {
      orderId,
      merchantId,
      status: 'COMPLETED',
      totalMinor: total,
      currency,
      feeMinor: fee,
      netMinor: total - fee,
      walletId,
      ledgerTransactionId,
      failureReason: null,
      completedAt: at + 300,
    },
  };
  return { orderId, merchantId, walletId, ledgerTransactionId, fee, submitted, payment, walletUpdated, completed };
}

export function encode(codec: EventCodec, envelope: Envelope): OutgoingMessage {
  return toMessage(codec, envelope);
}

/** Publishes each envelope to its event's topic, in order. */
export async function publishAll(transport: Transport, codec: EventCodec, envelopes: readonly Envelope[]): Promise<void> {
  for (const e of envelopes) await transport.publish(topicOf(e.type), [encode(codec, e)]);
}

/** The envelope as the runner would hand it to a processor (for calling `handle` directly). */
export function decoded(envelope: Envelope): DecodedMessage {
  return {
    type: envelope.type,
    event: envelope.event,
    headers: {
      eventId: envelope.eventId,
      eventType: envelope.type,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      producedAt: envelope.producedAt.toISOString(),
    },
    topic: topicOf(envelope.type),
    key: envelope.key,
    partition: 0,
    attempt: 1,
  } as DecodedMessage;
}

/** Polls `check` until it returns a value other than undefined (or fails after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
