import type { Logger } from 'pino';
import type { EventCodec } from '../../schemas';
import { TOPICS } from '../../schemas';
import type { Transport } from '../../streams';
import { SubmissionPublisher } from '../submissions/submission.publisher';
import { orderSubmittedMessage, parseStoredRequest } from './order.request';
import type { OrderStore, StoredOrderRequest } from './order.store';

/** Publishes the OrderSubmitted of stored order requests, rebuilt from the stored request. */
export class OrderPublisher extends SubmissionPublisher<StoredOrderRequest> {
  constructor(store: Pick<OrderStore, 'markPublished'>, transport: Transport, codec: EventCodec, log: Logger) {
    super(
      {
        topic: TOPICS.ordersSubmitted,
        noun: 'order',
        idOf: (row) => row.orderId,
        messageOf: (row) => {
          if (row.requestJson === null) throw new Error('the stored order request has no request_json to rebuild its OrderSubmitted from');
          const request = parseStoredRequest(row.requestJson);
          return orderSubmittedMessage(codec, { orderId: row.orderId, merchantId: row.merchantId, createdAt: row.createdAt, request });
        },
        markPublished: (ids) => store.markPublished(ids),
      },
      transport,
      log,
    );
  }
}
