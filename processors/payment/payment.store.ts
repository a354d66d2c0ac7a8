import { date, num, rowsOf, str, strOrNull, type Pool, type PoolConnection, type Row, type SqlWriter } from '../../storage/mysql';
import type { PaymentRow } from './types';

/**
 * The recorded outcomes of these orders. With `lock`, inside a transaction, the rows found are locked
 * until it ends.
 */
export async function readPayments(queryable: Pool | PoolConnection, orderIds: readonly string[], options: { lock: boolean }): Promise<Map<string, PaymentRow>> {
  if (orderIds.length === 0) return new Map();
  const [result] = await queryable.query(
    `SELECT order_id, merchant_id, outcome, payment_id, psp_reference, amount_minor, currency, reason_code, reason, created_at
       FROM payments WHERE order_id IN (?)${options.lock ? ' FOR UPDATE' : ''}`,
    [[...new Set(orderIds)]],
  );
  return new Map(rowsOf(result).map((r) => [str(r, 'order_id'), toPaymentRow(r)]));
}

function toPaymentRow(r: Row): PaymentRow {
  const outcome = str(r, 'outcome');
  if (outcome !== 'CAPTURED' && outcome !== 'DECLINED') throw new TypeError(`payments ${str(r, 'order_id')}: unknown outcome ${outcome}`);
  return {
    orderId: str(r, 'order_id'),
    merchantId: str(r, 'merchant_id'),
    outcome,
    paymentId: strOrNull(r, 'payment_id'),
    pspReference: strOrNull(r, 'psp_reference'),
    amountMinor: num(r, 'amount_minor'),
    currency: str(r, 'currency'),
    reasonCode: strOrNull(r, 'reason_code'),
    reason: strOrNull(r, 'reason'),
    createdAt: date(r, 'created_at'),
  };
}

/**
 * Records the outcomes in one multi-row statement, as a deferred write. An order recorded meanwhile by
 * another member fails the commit with a duplicate key; the runner's retry then finds it recorded.
 */
export async function insertPayments(connection: SqlWriter, payments: readonly PaymentRow[]): Promise<void> {
  if (payments.length === 0) return;
  await connection.query(
    `INSERT INTO payments (order_id, merchant_id, outcome, payment_id, psp_reference, amount_minor, currency, reason_code, reason, created_at)
     VALUES ?`,
    [
      payments.map((p) => [
        p.orderId,
        p.merchantId,
        p.outcome,
        p.paymentId,
        p.pspReference,
        p.amountMinor,
        p.currency,
        p.reasonCode,
        p.reason === null ? null : p.reason.slice(0, 500),
        p.createdAt,
      ]),
    ],
  );
}
