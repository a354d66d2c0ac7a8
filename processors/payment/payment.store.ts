import type { SqlWriter } from '../../storage/mysql';
import type { PaymentRow } from './types';

/**
 * Records the outcomes in one multi-row statement. A second outcome for an order already recorded
 * (another event naming the same order) keeps the first: the PSP answered the same for both, as the
 * order id is its idempotency key.
 */
export async function insertPayments(connection: SqlWriter, payments: readonly PaymentRow[]): Promise<void> {
  if (payments.length === 0) return;
  await connection.query(
    `INSERT INTO payments (order_id, merchant_id, outcome, payment_id, psp_reference, amount_minor, currency, reason_code, reason, created_at)
     VALUES ? ON DUPLICATE KEY UPDATE order_id = order_id`,
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
