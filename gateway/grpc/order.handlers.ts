import type { Deadline, sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { UnavailableError, ValidationError } from '../gateway.errors';
import type { CompletionFeed } from '../orders/completion.feed';
import type { OrderService } from '../orders/order.service';
import { withCompletion } from '../orders/order.service';
import type { ListOrdersResponseWire, OrderWire, SubmitOrderResponseWire } from './order.wire';
import { authorizationOf, orderIdOf, orderToWire, requestField, statusFromWire } from './order.wire';
import { toGrpcFailure } from './status.mapping';

export interface OrderHandlerDeps {
  service: OrderService;
  authenticator: ApiKeyAuthenticator;
  feed: CompletionFeed;
  /** True once the gateway is stopping: new work is refused. */
  isStopping: () => boolean;
  log: Logger;
}

function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** Adapts an async handler to a gRPC unary handler; every failure goes through {@link toGrpcFailure}. */
function unary<Res>(log: Logger, handler: (call: ServerUnaryCall<unknown, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<unknown, Res>, callback: sendUnaryData<Res>): void => {
    handler(call).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcFailure(err, log)),
    );
  };
}

/** The OrderService implementation for `server.addService`. */
export function createOrderHandlers(deps: OrderHandlerDeps): UntypedServiceImplementation {
  const { service, authenticator, feed, log } = deps;
  const authenticate = (call: { metadata: ServerUnaryCall<unknown, unknown>['metadata'] }): Promise<string> =>
    authenticator.authenticate(authorizationOf(call.metadata));
  const refuseWhileStopping = (): void => {
    if (deps.isStopping()) throw new UnavailableError('gateway', 'the gateway is shutting down; retry on another instance');
  };

  const submitOrder = unary<SubmitOrderResponseWire>(log, async (call) => {
    const merchantId = await authenticate(call);
    refuseWhileStopping();
    const { order, replayed } = await service.submit(merchantId, call.request, deadlineMs(call.getDeadline()));
    return { order: orderToWire(order), replayed };
  });

  const getOrder = unary<OrderWire>(log, async (call) => {
    const merchantId = await authenticate(call);
    return orderToWire(await service.get(merchantId, orderIdOf(call.request)));
  });

  const listOrders = unary<ListOrdersResponseWire>(log, async (call) => {
    const merchantId = await authenticate(call);
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
    const fail = (err: unknown): void => {
      call.emit('error', toGrpcFailure(err, log));
    };
    const watch = async (): Promise<void> => {
      const merchantId = await authenticate(call);
      refuseWhileStopping();
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

