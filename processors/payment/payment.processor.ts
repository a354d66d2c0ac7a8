import { withTransaction } from '../../storage/mysql';
import type { CaptureResult } from '../../integrations/psp';
import { deriveId, TOPICS, toMessage } from '../../schemas';
import type { EventCodec, OrderSubmitted } from '../../schemas';
import { claimInbox } from '../../storage/inbox';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { DecodedMessage, Processor } from '../runtime';
import { mapSettledBounded } from './bounded-map';
import { resolvePaymentProcessorOptions } from './options';
import { PaymentProcessorError } from './payment.errors';
import { findHandledEvents, insertPayments } from './payment.store';
import type { PaymentProcessorDeps, PaymentRow } from './types';

/** The processor's name: its consumer group, inbox consumer and outbox producer. */
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
 * Per batch: events already in the inbox are skipped before any PSP call; the rest are captured
 * concurrently (at most `maxConcurrentCaptures` at once); then one transaction claims the inbox,
 * records the outcomes in `payments` and appends the outputs to the outbox; after commit the outputs
 * are published. A PSP error is thrown as it is (a transient one is retryable and the runner retries
 * the batch; captures already made are idempotent at the PSP by order id). A non-retryable PSP error
 * (e.g. `IDEMPOTENCY_CONFLICT`) dead-letters the order for an operator: money may have moved, so it is
 * not turned into a `PaymentFailed`.
 */
export function createPaymentProcessor(deps: PaymentProcessorDeps): Processor {
  const options = resolvePaymentProcessorOptions(deps.options);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: PAYMENT_PROCESSOR_NAME });

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const orders = submittedOrders(batch);
    if (orders.length === 0) return;
    const handled = await findHandledEvents(deps.pool, PAYMENT_PROCESSOR_NAME, orders.map((o) => o.eventId));
    const pending = orders.filter((o) => !handled.has(o.eventId));
    if (pending.length === 0) {
      log.debug({ skipped: orders.length }, 'batch already handled');
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
    const outputs = await withTransaction(deps.pool, async (connection, writes) => {
      const fresh = await claimInbox(connection, PAYMENT_PROCESSOR_NAME, captures.map((c) => c.eventId));
      // Another member of the group may have handled some meanwhile; the PSP answered it the same.
      const mine = captures.filter((c) => fresh.has(c.eventId));
      await insertPayments(writes, mine.map((c) => paymentRow(c, at)));
      const messages = mine.map((c) => outputMessage(deps.codec, c, at));
      await appendOutbox(writes, PAYMENT_PROCESSOR_NAME, messages);
      return messages;
    });
    log.info(
      { orders: outputs.length, captured: captures.filter((c) => c.result.outcome === 'CAPTURED').length, skipped: orders.length - pending.length },
      'payments recorded',
    );
    try {
      await deps.outbox.publish(outputs);
    } catch (err) {
      // Committed in the outbox: the relay publishes them; redelivery would find the inbox claimed.
      log.warn({ err, outputs: outputs.length }, 'publishing after commit failed; the outbox relay will publish');
    }
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
