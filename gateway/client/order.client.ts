import { statusFromWire, statusToWire } from '../grpc/order.wire';
import { ORDER_SERVICE_NAME } from '../grpc/proto.loader';
import type { OrderStatusName, OrderView } from '../orders/types';
import type { CallSettings, ClientOptions } from './service.caller';
import { createServiceCaller, fieldOf, int64Of, textOf } from './service.caller';

export type { CallSettings } from './service.caller';

/** A SubmitOrder request. int64 fields take a number or a decimal string. */
export interface SubmitOrderInput {
  idempotencyKey: string;
  customer?: { id: string; name: string; email: string; phone?: string };
  items: readonly { sku: string; name: string; quantity: number | string; unitPriceMinor: number | string }[];
  currency: string;
  paymentToken: string;
}

export interface ListOrdersInput {
  /** 1-100; default (0) 50. */
  pageSize?: number;
  pageToken?: string;
  status?: OrderStatusName;
}

export interface OrderClient {
  submitOrder(input: SubmitOrderInput, settings?: CallSettings): Promise<{ order: OrderView; replayed: boolean }>;
  getOrder(orderId: string, settings?: CallSettings): Promise<OrderView>;
  listOrders(input?: ListOrdersInput, settings?: CallSettings): Promise<{ orders: OrderView[]; nextPageToken: string }>;
  /** The order's states as the server streams them (current, then final); ends after the final one. */
  watchOrder(orderId: string, settings?: CallSettings): AsyncIterable<OrderView>;
  close(): void;
}

export type OrderClientOptions = ClientOptions;

/** An Order message as an {@link OrderView} (int64 strings parsed exactly, 0/"" as null). */
export function orderFromWire(wire: unknown): OrderView {
  const field = (name: string): unknown => fieldOf(wire, name);
  const status = statusFromWire(field('status'));
  if (status === null || status === undefined) throw new TypeError('the server sent an order without a status');
  const completedAt = int64Of(field('completedAtMs'), 'completed_at_ms');
  const failureReason = textOf(field('failureReason'), 'failure_reason');
  return {
    orderId: textOf(field('orderId'), 'order_id'),
    idempotencyKey: textOf(field('idempotencyKey'), 'idempotency_key'),
    status,
    totalMinor: int64Of(field('totalMinor'), 'total_minor'),
    currency: textOf(field('currency'), 'currency'),
    feeMinor: int64Of(field('feeMinor'), 'fee_minor'),
    netMinor: int64Of(field('netMinor'), 'net_minor'),
    failureReason: failureReason === '' ? null : failureReason,
    createdAt: int64Of(field('createdAtMs'), 'created_at_ms'),
    completedAt: completedAt === 0 ? null : completedAt,
  };
}

/**
 * A promise-based OrderService client for tests, the CLI and the bench. `apiKey` null sends no
 * `authorization` metadata. Errors reject as grpc-js `ServiceError`s (`code`, `details`).
 */
export function createOrderClient(address: string, apiKey: string | null, options: OrderClientOptions = {}): OrderClient {
  const caller = createServiceCaller(address, apiKey, ORDER_SERVICE_NAME, options);
  return {
    async submitOrder(input, settings) {
      const response = await caller.unary('SubmitOrder', input, settings);
      return { order: orderFromWire(fieldOf(response, 'order')), replayed: fieldOf(response, 'replayed') === true };
    },
    async getOrder(orderId, settings) {
      return orderFromWire(await caller.unary('GetOrder', { orderId }, settings));
    },
    async listOrders(input = {}, settings) {
      const response = await caller.unary(
        'ListOrders',
        {
          pageSize: input.pageSize ?? 0,
          pageToken: input.pageToken ?? '',
          status: input.status === undefined ? 'ORDER_STATUS_UNSPECIFIED' : statusToWire(input.status),
        },
        settings,
      );
      const orders = fieldOf(response, 'orders');
      return {
        orders: Array.isArray(orders) ? (orders as readonly unknown[]).map(orderFromWire) : [],
        nextPageToken: textOf(fieldOf(response, 'nextPageToken'), 'next_page_token'),
      };
    },
    watchOrder(orderId, settings) {
      const messages = caller.stream('WatchOrder', { orderId }, settings);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const message of messages) yield orderFromWire(message);
        },
      };
    },
    close() {
      caller.close();
    },
  };
}
