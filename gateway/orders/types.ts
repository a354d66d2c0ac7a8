import type { Customer, LineItem } from '../../schemas';

/** A SubmitOrder request that passed validation, with its server-computed total. */
export interface ValidatedOrder {
  idempotencyKey: string;
  customer: Customer;
  items: LineItem[];
  currency: string;
  paymentToken: string;
  /** Σ quantity × unitPriceMinor, ≤ 2^53 − 1. */
  totalMinor: number;
}

export type OrderStatusName = 'PENDING' | 'COMPLETED' | 'FAILED';

/** An order as the gateway answers it. */
export interface OrderView {
  orderId: string;
  idempotencyKey: string;
  status: OrderStatusName;
  totalMinor: number;
  currency: string;
  feeMinor: number;
  netMinor: number;
  failureReason: string | null;
  /** Epoch ms the order was accepted. */
  createdAt: number;
  /** Epoch ms it reached its final status; null while PENDING. */
  completedAt: number | null;
}
