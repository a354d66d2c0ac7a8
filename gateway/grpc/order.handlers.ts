import type { ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { OrderCompleted } from '../../schemas';
import { UnavailableError, ValidationError } from '../gateway.errors';
import type { EventFeed } from '../feeds/event.feed';
import type { OrderService } from '../orders/order.service';
import { withCompletion } from '../orders/order.service';
import type { CallContext } from './call.context';
import { admit, authenticate, deadlineMs, failStream, refuseWhileStopping, unary } from './call.context';
import type { ListOrdersResponseWire, OrderWire, SubmitOrderResponseWire } from './order.wire';
import { orderIdOf, orderToWire, requestField, statusFromWire } from './order.wire';

export interface OrderHandlerDeps extends CallContext {
  service: OrderService;
  /** `orders.completed`, by order id. */
  feed: EventFeed<OrderCompleted>;
}

/** The OrderService implementation for `server.addService`. */
export function createOrderHandlers(deps: OrderHandlerDeps): UntypedServiceImplementation {
  const { service, feed, log } = deps;

  const submitOrder = unary<SubmitOrderResponseWire>(log, async (call) => {
    const release = admit(deps);
    try {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      const { order, replayed } = await service.submit(merchantId, call.request, deadlineMs(call.getDeadline()));
      return { order: orderToWire(order), replayed };
    } finally {
      release();
    }
  });

  const getOrder = unary<OrderWire>(log, async (call) => {
    const merchantId = await authenticate(deps, call);
    return orderToWire(await service.get(merchantId, orderIdOf(call.request)));
  });

  const listOrders = unary<ListOrdersResponseWire>(log, async (call) => {
    const merchantId = await authenticate(deps, call);
    const statusFilter = statusFromWire(requestField(call.request, 'status'));
    if (statusFilter === undefined) throw new ValidationError('status', 'is not an order status');
    const pageSize = requestField(call.request, 'pageSize');
    const pageToken = requestField(call.request, 'pageToken');
    const result = await service.list(merchantId, {
      pageSize: typeof pageSize === 'number' ? pageSize : Number.NaN,
      pageToken: typeof pageToken === 'string' ? pageToken : '',
      status: statusFilter,
    });
    return { orders: result.orders.map(orderToWire), nextPageToken: result.nextPageToken };
  });

  const watchOrder = (call: ServerWritableStream<unknown, OrderWire>): void => {
    const fail = (err: unknown): void => failStream(call, err, log);
    const watch = async (): Promise<void> => {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      const view = await service.get(merchantId, orderIdOf(call.request));
      if (call.cancelled) return;
      call.write(orderToWire(view));
      if (view.status !== 'PENDING') {
        call.end();
        return;
      }
      const unlisten = feed.listen(view.orderId, (completion) => {
        if (call.cancelled) return;
        if (completion === null) {
          fail(new UnavailableError('gateway', 'the gateway is shutting down; watch again to follow the order'));
          return;
        }
        call.write(orderToWire(withCompletion(view, completion)));
        call.end();
      });
      call.on('cancelled', unlisten);
    };
    watch().catch(fail);
  };

  return { SubmitOrder: submitOrder, GetOrder: getOrder, ListOrders: listOrders, WatchOrder: watchOrder };
}
