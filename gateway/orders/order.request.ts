import { z } from 'zod';
import type { EncodedMessage, EventCodec, OrderSubmitted } from '../../schemas';
import { deriveId, toMessage } from '../../schemas';
import { parseStoredRequestJson } from '../submissions/request-hash';
import type { ValidatedOrder } from './types';

/**
 * The canonical JSON of a validated request: keys in one fixed order, integers as numbers. Two
 * requests are "the same" for idempotency exactly when their canonical JSON is equal; it is
 * also what the gateway stores to rebuild the OrderSubmitted of an unpublished order.
 */
export function canonicalRequest(order: ValidatedOrder): string {
  return JSON.stringify({
    idempotencyKey: order.idempotencyKey,
    customer: { id: order.customer.id, name: order.customer.name, email: order.customer.email, phone: order.customer.phone },
    items: order.items.map((item) => ({ sku: item.sku, name: item.name, quantity: item.quantity, unitPriceMinor: item.unitPriceMinor })),
    currency: order.currency,
    paymentToken: order.paymentToken,
    totalMinor: order.totalMinor,
  });
}

export { requestHash } from '../submissions/request-hash';

const safeInteger = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const storedRequest = z.object({
  idempotencyKey: z.string(),
  customer: z.object({ id: z.string(), name: z.string(), email: z.string(), phone: z.string() }),
  items: z.array(z.object({ sku: z.string(), name: z.string(), quantity: safeInteger, unitPriceMinor: safeInteger })).min(1),
  currency: z.string().length(3),
  paymentToken: z.string(),
  totalMinor: safeInteger,
});

/** Reads back a stored canonical request; throws when the stored text is not one (a corrupt row). */
export function parseStoredRequest(json: string): ValidatedOrder {
  return parseStoredRequestJson(storedRequest, json, 'order request');
}

/** What the OrderSubmitted of an order is built from: the stored row. */
export interface SubmittedOrderSource {
  orderId: string;
  merchantId: string;
  createdAt: number;
  request: ValidatedOrder;
}

/** The OrderSubmitted of an order, with its deterministic event id, keyed by merchant. */
export function orderSubmittedMessage(codec: EventCodec, source: SubmittedOrderSource): EncodedMessage {
  const { request } = source;
  const event: OrderSubmitted = {
    orderId: source.orderId,
    merchantId: source.merchantId,
    idempotencyKey: request.idempotencyKey,
    customer: request.customer,
    items: request.items,
    currency: request.currency,
    totalMinor: request.totalMinor,
    paymentToken: request.paymentToken,
    submittedAt: source.createdAt,
  };
  const eventId = deriveId(source.orderId, 'OrderSubmitted');
  return toMessage(codec, {
    type: 'OrderSubmitted',
    event,
    eventId,
    key: source.merchantId,
    correlationId: source.orderId,
    causationId: eventId,
  });
}
