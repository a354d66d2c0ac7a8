import type { EventMap } from '../../schemas';
import type { SqlWriter } from '../../storage/mysql';

/**
 * The query projections log readers use, kept with multi-row upserts that never move backwards:
 * events of one order arrive on different topics (so in any order), and redelivery repeats them.
 *
 * MySQL evaluates `ON DUPLICATE KEY UPDATE` assignments left to right, each seeing the columns
 * already assigned, so `status` is always assigned last and the other guards read the old status.
 */

/** `orders` rows from OrderSubmitted: PENDING when new; an existing row keeps its (later) status. */
export async function projectOrdersSubmitted(connection: SqlWriter, events: readonly EventMap['OrderSubmitted'][], now: Date): Promise<void> {
  if (events.length === 0) return;
  await connection.query(
    `INSERT INTO orders (id, merchant_id, status, total_minor, currency, customer_id, item_count, submitted_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE
       total_minor = VALUES(total_minor),
       customer_id = VALUES(customer_id),
       item_count = VALUES(item_count),
       submitted_at = VALUES(submitted_at),
       updated_at = VALUES(updated_at)`,
    [
      sortById(events, (e) => e.orderId).map((e) => [
        e.orderId,
        e.merchantId,
        'PENDING',
        e.totalMinor,
        e.currency,
        cut(e.customer.id, 128),
        e.items.reduce((n, item) => n + item.quantity, 0),
        new Date(e.submittedAt),
        now,
      ]),
    ],
  );
}

/**
 * `orders.payment_id` from PaymentCompleted. An order not seen yet gets a PENDING row whose customer,
 * item count and submission time the late OrderSubmitted fills in.
 */
export async function projectPaymentsCompleted(connection: SqlWriter, events: readonly EventMap['PaymentCompleted'][], now: Date): Promise<void> {
  if (events.length === 0) return;
  await connection.query(
    `INSERT INTO orders (id, merchant_id, status, total_minor, currency, customer_id, item_count, payment_id, submitted_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE
       payment_id = VALUES(payment_id),
       updated_at = VALUES(updated_at)`,
    [
      sortById(events, (e) => e.orderId).map((e) => [
        e.orderId,
        e.merchantId,
        'PENDING',
        e.amountMinor,
        e.currency,
        '',
        0,
        cut(e.paymentId, 64),
        new Date(e.capturedAt),
        now,
      ]),
    ],
  );
}

/** `orders` outcome from OrderCompleted: only a PENDING row takes it; a final status never changes. */
export async function projectOrdersCompleted(connection: SqlWriter, events: readonly EventMap['OrderCompleted'][], now: Date): Promise<void> {
  if (events.length === 0) return;
  const pending = "status = 'PENDING'";
  await connection.query(
    `INSERT INTO orders
       (id, merchant_id, status, total_minor, currency, fee_minor, net_minor, customer_id, item_count,
        ledger_transaction_id, failure_reason, submitted_at, completed_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE
       fee_minor = IF(${pending}, VALUES(fee_minor), fee_minor),
       net_minor = IF(${pending}, VALUES(net_minor), net_minor),
       ledger_transaction_id = IF(${pending}, VALUES(ledger_transaction_id), ledger_transaction_id),
       failure_reason = IF(${pending}, VALUES(failure_reason), failure_reason),
       completed_at = IF(${pending}, VALUES(completed_at), completed_at),
       updated_at = IF(${pending}, VALUES(updated_at), updated_at),
       status = IF(${pending}, VALUES(status), status)`,
    [
      sortById(events, (e) => e.orderId).map((e) => [
        e.orderId,
        e.merchantId,
        e.status,
        e.totalMinor,
        e.currency,
        e.feeMinor,
        e.netMinor,
        '',
        0,
        e.ledgerTransactionId,
        e.failureReason === null ? null : cut(e.failureReason, 500),
        // Placeholder until OrderSubmitted (on another topic) arrives and sets the real time.
        new Date(e.completedAt),
        new Date(e.completedAt),
        now,
      ]),
    ],
  );
}

/**
 * Rank of a hold status: HELD, then the final POSTED / RELEASED / REJECTED / VOIDED. A final status
 * never changes (voiding a posted action is a new, compensating transaction).
 */
const rank = (column: string): string => `(CASE ${column} WHEN 'HELD' THEN 0 ELSE 1 END)`;

/**
 * `transactions` from WalletUpdated, one row per (ledger transaction, wallet): a transfer moves two
 * wallets. The status only moves forward (HELD to a final one); the amount is the one first seen (the hold's).
 */
export async function projectWalletUpdates(connection: SqlWriter, events: readonly EventMap['WalletUpdated'][], now: Date): Promise<void> {
  if (events.length === 0) return;
  const forward = `${rank('VALUES(status)')} > ${rank('status')}`;
  await connection.query(
    `INSERT INTO transactions
       (id, wallet_id, merchant_id, cause, status, amount_minor, currency, order_id, action_id,
        shadow_after_minor, occurred_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE
       shadow_after_minor = IF(${forward}, VALUES(shadow_after_minor), shadow_after_minor),
       updated_at = IF(${forward}, VALUES(updated_at), updated_at),
       status = IF(${forward}, VALUES(status), status)`,
    [
      // A stable sort: two updates of one transaction in one batch still apply in their order.
      sortById(events, (e) => `${e.ledgerTransactionId}/${e.walletId}`).map((e) => [
        e.ledgerTransactionId,
        e.walletId,
        e.merchantId,
        e.cause,
        e.status,
        e.amountMinor,
        e.currency,
        e.orderId,
        e.actionId,
        e.balances.shadowMinor,
        new Date(e.occurredAt),
        now,
      ]),
    ],
  );
}

/** Rows in primary-key order (stable), so concurrent batches lock shared rows in the same order. */
function sortById<T>(events: readonly T[], id: (e: T) => string): T[] {
  return [...events].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max);
}
