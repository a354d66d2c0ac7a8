import type { Pool, SqlWriter } from '../../storage/mysql';
import type { PaymentRow } from './types';

/**
 * Which of `eventIds` `consumer` has already handled, read outside any transaction. The payment
 * processor asks before calling the PSP, so a redelivered event never reaches the PSP again; the
 * authoritative claim is still `claimInbox` inside the batch transaction.
 */
export async function findHandledEvents(pool: Pool, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const [rows] = await pool.query('SELECT event_id FROM inbox WHERE consumer = ? AND event_id IN (?)', [consumer, eventIds]);
  const handled = new Set<string>();
  if (!Array.isArray(rows)) return handled;
  for (const row of rows as unknown[]) {
    if (typeof row === 'object' && row !== null && 'event_id' in row) handled.add(String(row.event_id));
  }
  return handled;
}

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
