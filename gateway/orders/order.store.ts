import type { Pool } from '../../storage/mysql';
import type { Row } from '../../storage/mysql';
import {
  num,
  numOrNull,
  strOrNull,
  epochMsOrNull,
  rowsOf,
  str,
  epochMs,
  textLiteral,
} from '../../storage/mysql';
import { byIdempotencyKey } from '../submissions/insert.order';
import type { OrderStatusName } from './types';

/** A row to insert into `order_requests`. */
export interface NewOrderRequest {
  orderId: string;
  merchantId: string;
  idempotencyKey: string;
  requestHash: string;
  requestJson: string;
  totalMinor: number;
  currency: string;
  createdAt: number;
}

/** A row of `order_requests` as stored. */
export interface StoredOrderRequest {
  orderId: string;
  merchantId: string;
  idempotencyKey: string;
  requestHash: string;
  /** Null only for rows written before migration 002. */
  requestJson: string | null;
  totalMinor: number;
  currency: string;
  published: boolean;
  createdAt: number;
}

/** An order request joined with the `orders` projection the logger keeps. */
export interface OrderRow {
  orderId: string;
  idempotencyKey: string;
  totalMinor: number;
  currency: string;
  createdAt: number;
  /** PENDING until the projection says otherwise. */
  status: OrderStatusName;
  feeMinor: number | null;
  netMinor: number | null;
  failureReason: string | null;
  completedAt: number | null;
}

export interface ListCursor {
  createdAt: number;
  orderId: string;
}

export interface ListQuery {
  after: ListCursor | null;
  status: OrderStatusName | null;
  limit: number;
}

const REQUEST_COLUMNS =
  'order_id, merchant_id, idempotency_key, request_hash, request_json, total_minor, currency, published, created_at';

const ORDER_COLUMNS = `r.order_id, r.idempotency_key, r.total_minor, r.currency, r.created_at,
  COALESCE(o.status, 'PENDING') AS status, o.fee_minor, o.net_minor, o.failure_reason, o.completed_at`;

function toStoredRequest(row: Row): StoredOrderRequest {
  return {
    orderId: str(row, 'order_id'),
    merchantId: str(row, 'merchant_id'),
    idempotencyKey: str(row, 'idempotency_key'),
    requestHash: str(row, 'request_hash'),
    requestJson: strOrNull(row, 'request_json'),
    totalMinor: num(row, 'total_minor'),
    currency: str(row, 'currency'),
    published: num(row, 'published') === 1,
    createdAt: epochMs(row, 'created_at'),
  };
}

function toStatus(value: string): OrderStatusName {
  if (value === 'PENDING' || value === 'COMPLETED' || value === 'FAILED') return value;
  throw new TypeError(`column status: unexpected value ${value}`);
}

function toOrderRow(row: Row): OrderRow {
  return {
    orderId: str(row, 'order_id'),
    idempotencyKey: str(row, 'idempotency_key'),
    totalMinor: num(row, 'total_minor'),
    currency: str(row, 'currency'),
    createdAt: epochMs(row, 'created_at'),
    status: toStatus(str(row, 'status')),
    feeMinor: numOrNull(row, 'fee_minor'),
    netMinor: numOrNull(row, 'net_minor'),
    failureReason: strOrNull(row, 'failure_reason'),
    completedAt: epochMsOrNull(row, 'completed_at'),
  };
}

/** The gateway's SQL: set-based statements, one per batch. */
export class OrderStore {
  constructor(private readonly pool: Pool) {}

  /**
   * One multi-row INSERT IGNORE: rows whose (merchant, idempotency key) exists already are skipped.
   * Rows go in key order, so that concurrent batches meeting on the same keys (client retries) take
   * their locks on the unique key in one order and do not deadlock.
   */
  async insertIgnore(rows: readonly NewOrderRequest[]): Promise<void> {
    if (rows.length === 0) return;
    const values: unknown[] = [];
    for (const r of [...rows].sort(byIdempotencyKey)) {
      values.push(r.orderId, r.merchantId, r.idempotencyKey, r.requestHash, textLiteral(r.requestJson), r.totalMinor, r.currency, new Date(r.createdAt));
    }
    await this.pool.query(
      `INSERT IGNORE INTO order_requests
         (order_id, merchant_id, idempotency_key, request_hash, request_json, total_minor, currency, published, created_at)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, 0, ?)').join(', ')}`,
      values,
    );
  }

  /** The rows of the given (merchant, idempotency key) pairs, in one SELECT on the unique key. */
  async selectByKeys(keys: readonly { merchantId: string; idempotencyKey: string }[]): Promise<StoredOrderRequest[]> {
    if (keys.length === 0) return [];
    const values = keys.flatMap((k) => [k.merchantId, k.idempotencyKey]);
    const [rows] = await this.pool.query(
      `SELECT ${REQUEST_COLUMNS} FROM order_requests
       WHERE ${keys.map(() => '(merchant_id = ? AND idempotency_key = ?)').join(' OR ')}`,
      values,
    );
    return rowsOf(rows).map(toStoredRequest);
  }

  async markPublished(orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await this.pool.query(`UPDATE order_requests SET published = 1 WHERE order_id IN (${orderIds.map(() => '?').join(', ')})`, [
      ...orderIds,
    ]);
  }

  /** Unpublished rows created before `before` (epoch ms), oldest first. */
  async selectUnpublished(before: number, limit: number): Promise<StoredOrderRequest[]> {
    const [rows] = await this.pool.query(
      `SELECT ${REQUEST_COLUMNS} FROM order_requests
       WHERE published = 0 AND created_at < ? ORDER BY created_at LIMIT ?`,
      [new Date(before), limit],
    );
    return rowsOf(rows).map(toStoredRequest);
  }

  async getOrder(merchantId: string, orderId: string): Promise<OrderRow | undefined> {
    const [rows] = await this.pool.query(
      `SELECT ${ORDER_COLUMNS} FROM order_requests r LEFT JOIN orders o ON o.id = r.order_id
       WHERE r.order_id = ? AND r.merchant_id = ?`,
      [orderId, merchantId],
    );
    const [row] = rowsOf(rows);
    return row === undefined ? undefined : toOrderRow(row);
  }

  /** A page of the merchant's orders, newest first, after `query.after` (keyset on created_at, order_id). */
  async listOrders(merchantId: string, query: ListQuery): Promise<OrderRow[]> {
    const conditions = ['r.merchant_id = ?'];
    const values: unknown[] = [merchantId];
    if (query.after !== null) {
      const at = new Date(query.after.createdAt);
      conditions.push('(r.created_at < ? OR (r.created_at = ? AND r.order_id < ?))');
      values.push(at, at, query.after.orderId);
    }
    if (query.status !== null) {
      conditions.push("COALESCE(o.status, 'PENDING') = ?");
      values.push(query.status);
    }
    values.push(query.limit);
    const [rows] = await this.pool.query(
      `SELECT ${ORDER_COLUMNS} FROM order_requests r LEFT JOIN orders o ON o.id = r.order_id
       WHERE ${conditions.join(' AND ')}
       ORDER BY r.created_at DESC, r.order_id DESC LIMIT ?`,
      values,
    );
    return rowsOf(rows).map(toOrderRow);
  }
}
