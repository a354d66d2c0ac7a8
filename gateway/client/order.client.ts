import type { CallOptions, ChannelCredentials, ServiceError } from '@grpc/grpc-js';
import { Client, credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { parseInt64, toSafeMinor } from '../../money';
import { requestField, statusFromWire, statusToWire } from '../grpc/order.wire';
import { loadGatewayProtos, methodOf, ORDER_SERVICE_NAME, serviceOf } from '../grpc/proto.loader';
import type { OrderStatusName, OrderView } from '../orders/types';

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

export interface CallSettings {
  /** Deadline of the call, from now. */
  timeoutMs?: number;
}

export interface OrderClient {
  submitOrder(input: SubmitOrderInput, settings?: CallSettings): Promise<{ order: OrderView; replayed: boolean }>;
  getOrder(orderId: string, settings?: CallSettings): Promise<OrderView>;
  listOrders(input?: ListOrdersInput, settings?: CallSettings): Promise<{ orders: OrderView[]; nextPageToken: string }>;
  /** The order's states as the server streams them (current, then final); ends after the final one. */
  watchOrder(orderId: string, settings?: CallSettings): AsyncIterable<OrderView>;
  close(): void;
}

export interface OrderClientOptions {
  /** Default: insecure (plaintext), for loopback and private networks. */
  credentials?: ChannelCredentials;
}

function int64(value: unknown, field: string): number {
  const parsed = parseInt64(value);
  const safe = parsed === undefined ? undefined : toSafeMinor(parsed);
  if (safe === undefined) throw new TypeError(`the server sent ${field} that is not a safe integer`);
  return safe;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`the server sent ${field} that is not a string`);
  return value;
}

/** An Order message as an {@link OrderView} (int64 strings parsed exactly, 0/"" as null). */
export function orderFromWire(wire: unknown): OrderView {
  const field = (name: string): unknown => requestField(wire, name);
  const status = statusFromWire(field('status'));
  if (status === null || status === undefined) throw new TypeError('the server sent an order without a status');
  const completedAt = int64(field('completedAtMs'), 'completed_at_ms');
  const failureReason = text(field('failureReason'), 'failure_reason');
  return {
    orderId: text(field('orderId'), 'order_id'),
    idempotencyKey: text(field('idempotencyKey'), 'idempotency_key'),
    status,
    totalMinor: int64(field('totalMinor'), 'total_minor'),
    currency: text(field('currency'), 'currency'),
    feeMinor: int64(field('feeMinor'), 'fee_minor'),
    netMinor: int64(field('netMinor'), 'net_minor'),
    failureReason: failureReason === '' ? null : failureReason,
    createdAt: int64(field('createdAtMs'), 'created_at_ms'),
    completedAt: completedAt === 0 ? null : completedAt,
  };
}

/**
 * A promise-based OrderService client for tests, the CLI and the bench. `apiKey` null sends no
 * `authorization` metadata. Errors reject as grpc-js `ServiceError`s (`code`, `details`).
 */
export function createOrderClient(address: string, apiKey: string | null, options: OrderClientOptions = {}): OrderClient {
  const service = serviceOf(loadGatewayProtos(), ORDER_SERVICE_NAME);
  const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure());

  const metadata = (): Metadata => {
    const md = new Metadata();
    if (apiKey !== null) md.set('authorization', `Bearer ${apiKey}`);
    return md;
  };
  const callOptions = (settings: CallSettings | undefined): CallOptions =>
    settings?.timeoutMs === undefined ? {} : { deadline: Date.now() + settings.timeoutMs };

  const unary = (method: MethodDefinition<object, object>, request: object, settings: CallSettings | undefined): Promise<unknown> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata(),
        callOptions(settings),
        (err: ServiceError | null, response?: object) => (err === null ? resolve(response) : reject(err)),
      );
    });

  const submit = methodOf(service, 'SubmitOrder');
  const get = methodOf(service, 'GetOrder');
  const list = methodOf(service, 'ListOrders');
  const watch = methodOf(service, 'WatchOrder');

  return {
    async submitOrder(input, settings) {
      const response = await unary(submit, input, settings);
      return { order: orderFromWire(requestField(response, 'order')), replayed: requestField(response, 'replayed') === true };
    },
    async getOrder(orderId, settings) {
      return orderFromWire(await unary(get, { orderId }, settings));
    },
    async listOrders(input = {}, settings) {
      const response = await unary(
        list,
        {
          pageSize: input.pageSize ?? 0,
          pageToken: input.pageToken ?? '',
          status: input.status === undefined ? 'ORDER_STATUS_UNSPECIFIED' : statusToWire(input.status),
        },
        settings,
      );
      const orders = requestField(response, 'orders');
      return {
        orders: Array.isArray(orders) ? (orders as readonly unknown[]).map(orderFromWire) : [],
        nextPageToken: text(requestField(response, 'nextPageToken'), 'next_page_token'),
      };
    },
    watchOrder(orderId, settings) {
      return {
        async *[Symbol.asyncIterator]() {
          const stream = client.makeServerStreamRequest(
            watch.path,
            watch.requestSerialize,
            watch.responseDeserialize,
            { orderId },
            metadata(),
            callOptions(settings),
          );
          try {
            for await (const message of stream as AsyncIterable<unknown>) yield orderFromWire(message);
          } finally {
            stream.cancel();
          }
        },
      };
    },
    close() {
      client.close();
    },
  };
}
