import type { MicroBatcherOptions } from '../batching/micro-batcher';
import { IdempotentSubmitter } from '../submissions/idempotent.submitter';
import type { SubmitOutcome } from '../submissions/idempotent.submitter';
import type { OrderPublisher } from './order.publisher';
import type { NewOrderRequest, OrderStore, StoredOrderRequest } from './order.store';

export type OrderSubmitOutcome = SubmitOutcome<StoredOrderRequest>;

/**
 * Records order requests and publishes their OrderSubmitted, batched (see
 * {@link IdempotentSubmitter}).
 */
export class OrderSubmitter extends IdempotentSubmitter<NewOrderRequest, StoredOrderRequest> {
  constructor(store: Pick<OrderStore, 'insertIgnore' | 'selectByKeys'>, publisher: OrderPublisher, options: MicroBatcherOptions) {
    super(store, publisher, (row) => row.orderId, options);
  }
}
