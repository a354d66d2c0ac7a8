import { ValidationError } from '../gateway.errors';
import { checkUuid } from '../validation/field.rules';
import type { OrderStatusName, OrderView } from '../orders/types';

/**
 * The wire shapes of paystream.v1 as proto-loader serializes and deserializes them (camelCase
 * fields, enums by name, int64 given as numbers and received as decimal strings).
 */

export type OrderStatusWire = 'ORDER_STATUS_UNSPECIFIED' | 'ORDER_STATUS_PENDING' | 'ORDER_STATUS_COMPLETED' | 'ORDER_STATUS_FAILED';

export interface OrderWire {
  orderId: string;
  status: OrderStatusWire;
  totalMinor: number;
  currency: string;
  feeMinor: number;
  netMinor: number;
  failureReason: string;
  createdAtMs: number;
  completedAtMs: number;
  idempotencyKey: string;
}

export interface SubmitOrderResponseWire {
  order: OrderWire;
  replayed: boolean;
}

export interface ListOrdersResponseWire {
  orders: OrderWire[];
  nextPageToken: string;
}

const STATUS_TO_WIRE: Readonly<Record<OrderStatusName, OrderStatusWire>> = {
  PENDING: 'ORDER_STATUS_PENDING',
  COMPLETED: 'ORDER_STATUS_COMPLETED',
  FAILED: 'ORDER_STATUS_FAILED',
};

export function statusToWire(status: OrderStatusName): OrderStatusWire {
  return STATUS_TO_WIRE[status];
}

/** A wire status as a status name; null for UNSPECIFIED; undefined for anything else. */
export function statusFromWire(value: unknown): OrderStatusName | null | undefined {
  switch (value) {
    case 'ORDER_STATUS_UNSPECIFIED':
      return null;
    case 'ORDER_STATUS_PENDING':
      return 'PENDING';
    case 'ORDER_STATUS_COMPLETED':
      return 'COMPLETED';
    case 'ORDER_STATUS_FAILED':
      return 'FAILED';
    default:
      return undefined;
  }
}

export function orderToWire(order: OrderView): OrderWire {
  return {
    orderId: order.orderId,
    status: statusToWire(order.status),
    totalMinor: order.totalMinor,
    currency: order.currency,
    feeMinor: order.feeMinor,
    netMinor: order.netMinor,
    failureReason: order.failureReason ?? '',
    createdAtMs: order.createdAt,
    completedAtMs: order.completedAt ?? 0,
    idempotencyKey: order.idempotencyKey,
  };
}

/** A field of a decoded request message. */
export function requestField(request: unknown, name: string): unknown {
  return typeof request === 'object' && request !== null ? (request as Readonly<Record<string, unknown>>)[name] : undefined;
}

/** The `order_id` of a GetOrder/WatchOrder request, checked to be an order id. */
export function orderIdOf(request: unknown): string {
  const value = requestField(request, 'orderId');
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError('order_id', 'is required');
  return checkUuid('order_id', value, 'an order id');
}
