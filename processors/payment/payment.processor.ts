import { withTransaction } from '../../storage/mysql';
import type { CaptureResult } from '../../integrations/psp';
import { deriveId, TOPICS, toMessage } from '../../schemas';
import type { EventCodec, OrderSubmitted } from '../../schemas';
import type { OutboxMessage } from '../../storage/outbox';
import { skipRecentlyPublished, type DecodedMessage, type Processor } from '../runtime';
import { mapSettledBounded } from './bounded-map';
import { resolvePaymentProcessorOptions } from './options';
import { PaymentProcessorError } from './payment.errors';
import { insertPayments, readPayments } from './payment.store';
import type { PaymentProcessorDeps, PaymentRow } from './types';

/** The processor's name: its consumer group. */
export const PAYMENT_PROCESSOR_NAME = 'payment';

interface SubmittedOrder {
  eventId: string;
  correlationId: string;
  order: OrderSubmitted;
}

interface Capture extends SubmittedOrder {
  result: CaptureResult;
}

/**
 * Captures each submitted order through the PSP and publishes `PaymentCompleted` or `PaymentFailed`
 * on `payments.completed` (key: merchant id).
 *
 * Effectively once by the order: its `payments` row is the record of the event (an order has one
 * OrderSubmitted, whose id is derived from the order id), and the output is made from that row. Per
 * batch: orders already recorded (a redelivery) are not captured again, and their outputs are
 * published again; the rest are captured concurrently (at most `maxConcurrentCaptures` at once); then
 * one transaction records the outcomes in `payments`; after commit the outputs are published, before
 * the batch is acknowledged (a failed publish fails the batch, and its redelivery publishes them). A PSP error is thrown as it is (a transient one is retryable and the runner retries
 * the batch; captures already made are idempotent at the PSP by order id). A non-retryable PSP error
 * (e.g. `IDEMPOTENCY_CONFLICT`) dead-letters the order for an operator: money may have moved, so it is
 * not turned into a `PaymentFailed`.
 */
export function createPaymentProcessor(deps: PaymentProcessorDeps): Processor {
  const options = resolvePaymentProcessorOptions(deps.options);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: PAYMENT_PROCESSOR_NAME });
  const publish = skipRecentlyPublished(deps.publish);

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const orders = submittedOrders(batch);
    if (orders.length === 0) return;
    // Recorded orders (a redelivery): no second PSP call; their outputs are published again.
    const recorded = await readPayments(deps.pool, orders.map((o) => o.order.orderId), { lock: false });
    const again = outputsOf(deps.codec, orders, recorded);
    const pending = orders.filter((o) => !recorded.has(o.order.orderId));
    if (pending.length === 0) {
      log.debug({ skipped: orders.length }, 'batch already handled; its outputs published again');
      await publish(again);
      return;
    }

    const settled = await mapSettledBounded(pending, options.maxConcurrentCaptures, (o) =>
      deps.psp.capture({
        orderId: o.order.orderId,
        merchantId: o.order.merchantId,
        amountMinor: o.order.totalMinor,
        currency: o.order.currency,
        paymentToken: o.order.paymentToken,
      }),
    );
    const captures: Capture[] = [];
    for (const [index, outcome] of settled.entries()) {
      // Every capture has settled, so nothing is left running while the runner retries.
      if (outcome.status === 'rejected') throw outcome.reason;
      captures.push({ ...(pending[index] as SubmittedOrder), result: outcome.value });
    }

    const at = now();
    const { mine, outputs } = await withTransaction(deps.pool, async (connection, writes) => {
      // Another member of the group may have recorded some meanwhile; the PSP answered it the same.
      const seen = await readPayments(connection, captures.map((c) => c.order.orderId), { lock: true });
      const fresh = captures.filter((c) => !seen.has(c.order.orderId));
      await insertPayments(writes, fresh.map((c) => paymentRow(c, at)));
      return { mine: fresh, outputs: [...again, ...outputsOf(deps.codec, captures, seen), ...fresh.map((c) => outputMessage(deps.codec, c, at))] };
    });
    log.info(
      { orders: mine.length, captured: mine.filter((c) => c.result.outcome === 'CAPTURED').length, skipped: orders.length - mine.length },
      'payments recorded',
    );
    await publish(outputs);
  }

  return { name: PAYMENT_PROCESSOR_NAME, topics: [TOPICS.ordersSubmitted], handle };
}

/** The outputs of the orders among `orders` that `recorded` holds, made from their rows. */
function outputsOf(codec: EventCodec, orders: readonly SubmittedOrder[], recorded: ReadonlyMap<string, PaymentRow>): OutboxMessage[] {
  return orders.flatMap((o) => {
    const row = recorded.get(o.order.orderId);
    return row === undefined ? [] : [outputMessage(codec, { ...o, result: resultOf(row) }, row.createdAt.getTime())];
  });
}

function resultOf(row: PaymentRow): CaptureResult {
  if (row.outcome === 'CAPTURED' && row.paymentId !== null && row.pspReference !== null) {
    return { outcome: 'CAPTURED', paymentId: row.paymentId, pspReference: row.pspReference };
  }
  if (row.outcome === 'DECLINED' && row.reasonCode !== null && row.reason !== null) {
    return { outcome: 'DECLINED', reasonCode: row.reasonCode, reason: row.reason };
  }
  throw new PaymentProcessorError('PAYMENT_CORRUPT_ROW', `payments ${row.orderId}: a ${row.outcome} row lacks its PSP answer`);
}

/** The batch's orders, each event once, in batch order. */
function submittedOrders(batch: readonly DecodedMessage[]): SubmittedOrder[] {
  const seen = new Set<string>();
  const orders: SubmittedOrder[] = [];
  for (const message of batch) {
    if (message.type !== 'OrderSubmitted') {
      throw new PaymentProcessorError('PAYMENT_UNEXPECTED_EVENT', `unexpected ${message.type} on ${message.topic}`);
    }
    const eventId = message.headers.eventId;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    const correlationId = message.headers.correlationId === '' ? message.event.orderId : message.headers.correlationId;
    orders.push({ eventId, correlationId, order: message.event });
  }
  return orders;
}

function paymentRow(capture: Capture, at: number): PaymentRow {
  const { order, result } = capture;
  const base = { orderId: order.orderId, merchantId: order.merchantId, amountMinor: order.totalMinor, currency: order.currency, createdAt: new Date(at) };
  return result.outcome === 'CAPTURED'
    ? { ...base, outcome: 'CAPTURED', paymentId: result.paymentId, pspReference: result.pspReference, reasonCode: null, reason: null }
    : { ...base, outcome: 'DECLINED', paymentId: null, pspReference: null, reasonCode: result.reasonCode, reason: result.reason };
}

function outputMessage(codec: EventCodec, capture: Capture, at: number): OutboxMessage {
  const { order, result } = capture;
  const common = { key: order.merchantId, correlationId: capture.correlationId, causationId: capture.eventId, producedAt: new Date(at) };
  const message =
    result.outcome === 'CAPTURED'
      ? toMessage(codec, {
          ...common,
          type: 'PaymentCompleted',
          eventId: deriveId(capture.eventId, 'PaymentCompleted'),
          event: {
            orderId: order.orderId,
            merchantId: order.merchantId,
            paymentId: result.paymentId,
            pspReference: result.pspReference,
            amountMinor: order.totalMinor,
            currency: order.currency,
            capturedAt: at,
          },
        })
      : toMessage(codec, {
          ...common,
          type: 'PaymentFailed',
          eventId: deriveId(capture.eventId, 'PaymentFailed'),
          event: {
            orderId: order.orderId,
            merchantId: order.merchantId,
            amountMinor: order.totalMinor,
            currency: order.currency,
            reasonCode: result.reasonCode,
            reason: result.reason,
            failedAt: at,
          },
        });
  return { ...message, topic: TOPICS.paymentsCompleted };
}
