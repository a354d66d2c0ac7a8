import type { Logger } from 'pino';
import type { EventCodec } from '../../schemas';
import { TOPICS } from '../../schemas';
import type { OutgoingMessage, Transport } from '../../streams';
import { UnavailableError } from '../gateway.errors';
import { orderSubmittedMessage, parseStoredRequest } from './order.request';
import type { OrderStore, StoredOrderRequest } from './order.store';

export interface PublishResult {
  /** Orders whose OrderSubmitted the broker now holds. */
  published: ReadonlySet<string>;
  /** Orders that could not be published, with why. */
  failed: ReadonlyMap<string, unknown>;
}

/**
 * Publishes the OrderSubmitted of stored order requests, rebuilt from the stored request (the
 * same bytes but for the produced-at header, the same event id, every time), in one
 * `transport.publish`, then marks them published in one UPDATE. Used by SubmitOrder batches and
 * by the relay alike.
 */
export class OrderPublisher {
  constructor(
    private readonly store: Pick<OrderStore, 'markPublished'>,
    private readonly transport: Transport,
    private readonly codec: EventCodec,
    private readonly log: Logger,
  ) {}

  async publish(rows: readonly StoredOrderRequest[]): Promise<PublishResult> {
    const failed = new Map<string, unknown>();
    const messages: OutgoingMessage[] = [];
    const ids: string[] = [];
    for (const row of rows) {
      try {
        if (row.requestJson === null) throw new Error('the stored order request has no request_json to rebuild its OrderSubmitted from');
        const request = parseStoredRequest(row.requestJson);
        messages.push(orderSubmittedMessage(this.codec, { orderId: row.orderId, merchantId: row.merchantId, createdAt: row.createdAt, request }));
        ids.push(row.orderId);
      } catch (err) {
        this.log.error({ err, orderId: row.orderId }, 'cannot rebuild OrderSubmitted from the stored request');
        failed.set(row.orderId, err);
      }
    }
    if (messages.length === 0) return { published: new Set(), failed };
    try {
      await this.transport.publish(TOPICS.ordersSubmitted, messages);
    } catch (err) {
      const unavailable = new UnavailableError('broker', 'the message broker is unavailable; retry with the same idempotency key', err);
      for (const id of ids) failed.set(id, unavailable);
      return { published: new Set(), failed };
    }
    try {
      await this.store.markPublished(ids);
    } catch (err) {
      // Published but not marked: the relay publishes them again, and the event ids make that harmless.
      this.log.warn({ err, orders: ids.length }, 'published orders could not be marked published; the relay will republish them');
    }
    return { published: new Set(ids), failed };
  }
}
