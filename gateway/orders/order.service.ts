import { newId, type OrderCompleted } from '../../schemas';
import { NotFoundError, ValidationError } from '../gateway.errors';
import type { EventFeed } from '../feeds/event.feed';
import { submitWaitMs } from '../feeds/wait-budget';
import { canonicalRequest, requestHash } from './order.request';
import type { OrderRow, OrderStore, StoredOrderRequest } from './order.store';
import type { OrderSubmitter } from './order.submitter';
import { validateSubmitOrder } from './order.validation';
import { decodePageToken, encodePageToken } from '../paging/page-token';
import type { OrderStatusName, OrderView } from './types';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

export interface OrderServiceDeps {
  store: OrderStore;
  submitter: OrderSubmitter;
  /** `orders.completed`, by order id. */
  feed: EventFeed<OrderCompleted>;
  /** Longest SubmitOrder waits for the final status (also when the client set no deadline). */
  maxWaitMs: number;
  now?: () => number;
}

export interface SubmitResult {
  order: OrderView;
  replayed: boolean;
}

export interface ListRequest {
  pageSize: number;
  pageToken: string;
  status: OrderStatusName | null;
}

export interface ListResult {
  orders: OrderView[];
  nextPageToken: string;
}

function isFinal(status: OrderStatusName): boolean {
  return status !== 'PENDING';
}

/** The order with its completion applied. */
export function withCompletion(view: OrderView, completion: OrderCompleted): OrderView {
  return {
    ...view,
    status: completion.status,
    feeMinor: completion.feeMinor,
    netMinor: completion.netMinor,
    failureReason: completion.failureReason,
    completedAt: completion.completedAt,
  };
}

function pendingView(row: StoredOrderRequest): OrderView {
  return {
    orderId: row.orderId,
    idempotencyKey: row.idempotencyKey,
    status: 'PENDING',
    totalMinor: row.totalMinor,
    currency: row.currency,
    feeMinor: 0,
    netMinor: 0,
    failureReason: null,
    createdAt: row.createdAt,
    completedAt: null,
  };
}

/** SubmitOrder, GetOrder and ListOrders, transport-free: the gRPC handlers adapt these. */
export class OrderService {
  private readonly now: () => number;

  constructor(private readonly deps: OrderServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Validates, records (idempotently) and publishes the order, then waits for its final status
   * until shortly before `deadline`; answers PENDING when it does not come in time.
   */
  async submit(merchantId: string, request: unknown, deadline: number): Promise<SubmitResult> {
    const order = validateSubmitOrder(request);
    const canonical = canonicalRequest(order);
    const { row, replayed } = await this.deps.submitter.submit({
      orderId: newId(),
      merchantId,
      idempotencyKey: order.idempotencyKey,
      requestHash: requestHash(canonical),
      requestJson: canonical,
      totalMinor: order.totalMinor,
      currency: order.currency,
      createdAt: this.now(),
    });
    let view = pendingView(row);
    if (replayed) {
      // A retry of a finished order answers its final status at once.
      const stored = await this.deps.store.getOrder(merchantId, row.orderId);
      if (stored !== undefined) view = this.toView(stored);
      if (isFinal(view.status)) return { order: view, replayed };
    }
    const completion = await this.deps.feed.wait(row.orderId, submitWaitMs(deadline, this.now(), this.deps.maxWaitMs));
    return { order: completion === null ? view : withCompletion(view, completion), replayed };
  }

  /** The merchant's order; a {@link NotFoundError} for an unknown id or another merchant's order. */
  async get(merchantId: string, orderId: string): Promise<OrderView> {
    const row = await this.deps.store.getOrder(merchantId, orderId);
    if (row === undefined) throw new NotFoundError(`order ${orderId} not found`);
    return this.toView(row);
  }

  async list(merchantId: string, request: ListRequest): Promise<ListResult> {
    if (!Number.isInteger(request.pageSize) || request.pageSize < 0 || request.pageSize > MAX_PAGE_SIZE) {
      throw new ValidationError('page_size', `must be between 0 and ${MAX_PAGE_SIZE} (0 means ${DEFAULT_PAGE_SIZE})`);
    }
    const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize;
    const cursor = request.pageToken === '' ? null : decodePageToken(request.pageToken, request.status, 'status filter');
    const after = cursor === null ? null : { createdAt: cursor.createdAt, orderId: cursor.id };
    const rows = await this.deps.store.listOrders(merchantId, { after, status: request.status, limit: pageSize + 1 });
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    const nextPageToken =
      rows.length > pageSize && last !== undefined ? encodePageToken({ createdAt: last.createdAt, id: last.orderId }, request.status) : '';
    // A completion the projection has not caught up with yet may move an order out of the filter.
    const orders = page.map((row) => this.toView(row)).filter((view) => request.status === null || view.status === request.status);
    return { orders, nextPageToken };
  }

  /** A stored order, with a completion the feed saw that the projection does not show yet. */
  toView(row: OrderRow): OrderView {
    const view: OrderView = {
      orderId: row.orderId,
      idempotencyKey: row.idempotencyKey,
      status: row.status,
      totalMinor: row.totalMinor,
      currency: row.currency,
      feeMinor: row.feeMinor ?? 0,
      netMinor: row.netMinor ?? 0,
      failureReason: row.failureReason,
      createdAt: row.createdAt,
      completedAt: row.completedAt,
    };
    if (isFinal(view.status)) return view;
    const completion = this.deps.feed.lookup(row.orderId);
    return completion === undefined ? view : withCompletion(view, completion);
  }
}
