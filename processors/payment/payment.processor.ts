import { withTransaction } from '../../storage/mysql';
import type { CaptureResult } from '../../integrations/psp';
import { deriveId, TOPICS, toMessage } from '../../schemas';
import type { EventCodec, OrderSubmitted } from '../../schemas';
import { readInbox, recordInbox } from '../../storage/inbox';
import type { OutboxMessage } from '../../storage/outbox';
import { skipRecentlyPublished, type DecodedMessage, type Processor } from '../runtime';
import { mapSettledBounded } from './bounded-map';
import { resolvePaymentProcessorOptions } from './options';
import { PaymentProcessorError } from './payment.errors';
import { insertPayments } from './payment.store';
import type { PaymentProcessorDeps, PaymentRow } from './types';

/** The processor's name: its consumer group and inbox consumer. */
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
 * Per batch: events already in the inbox (redelivered) are not captured again, and the outputs
 * recorded with them are published again; the rest are captured concurrently (at most
 * `maxConcurrentCaptures` at once); then one transaction records the outcomes in `payments` and an
 * inbox row per event holding its output; after commit the outputs are published, before the batch
 * is acknowledged (a failed publish fails the batch, and its redelivery publishes them). A PSP error is thrown as it is (a transient one is retryable and the runner retries
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
    // Redelivered events: no second PSP call; what they caused is published again.
    const handled = await readInbox(deps.pool, PAYMENT_PROCESSOR_NAME, orders.map((o) => o.eventId), { lock: false });
    const again = [...handled.values()].flat();
    const pending = orders.filter((o) => !handled.has(o.eventId));
    if (pending.length === 0) {
      log.debug({ skipped: orders.length, republished: again.length }, 'batch already handled; its outputs published again');
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
      // Another member of the group may have handled some meanwhile; the PSP answered it the same.
      const seen = await readInbox(connection, PAYMENT_PROCESSOR_NAME, captures.map((c) => c.eventId), { lock: true });
      const fresh = captures.filter((c) => !seen.has(c.eventId));
      const messages = fresh.map((c) => outputMessage(deps.codec, c, at));
      await recordInbox(writes, PAYMENT_PROCESSOR_NAME, fresh.map((c) => c.eventId), messages, new Date(at));
      await insertPayments(writes, fresh.map((c) => paymentRow(c, at)));
      return { mine: fresh, outputs: [...again, ...[...seen.values()].flat(), ...messages] };
    });
    log.info(
      { orders: mine.length, captured: mine.filter((c) => c.result.outcome === 'CAPTURED').length, skipped: orders.length - mine.length },
      'payments recorded',
    );
    await publish(outputs);
  }

  return { name: PAYMENT_PROCESSOR_NAME, topics: [TOPICS.ordersSubmitted], handle };
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
