import { randomUUID } from 'node:crypto';
import type { Pool, Row } from '../../storage/mysql';
import { epochMs, num, rowsOf, str } from '../../storage/mysql';
import type { ThresholdDirectionName, ThresholdView } from './types';

const COLUMNS = 'id, wallet_id, threshold_minor, direction, created_at';

function toView(row: Row): ThresholdView {
  const direction = str(row, 'direction');
  if (direction !== 'BELOW' && direction !== 'ABOVE') throw new TypeError(`column direction: unexpected value ${direction}`);
  return {
    thresholdId: str(row, 'id'),
    walletId: str(row, 'wallet_id'),
    thresholdMinor: num(row, 'threshold_minor'),
    direction,
    createdAt: epochMs(row, 'created_at'),
  };
}

export interface NewThreshold {
  walletId: string;
  merchantId: string;
  thresholdMinor: number;
  direction: ThresholdDirectionName;
}

/** The gateway's SQL on `balance_thresholds` (the balance monitor owns `last_state`). */
export class ThresholdStore {
  constructor(
    private readonly pool: Pool,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Inserts the threshold unless the wallet has it already (same amount and direction); answers
   * the stored one and whether it was created now. The wallet must have fewer than `max`
   * thresholds for a new one to be inserted (checked in the same statement); `undefined` when
   * it has `max` already.
   */
  async insert(threshold: NewThreshold, max: number): Promise<{ threshold: ThresholdView; created: boolean } | undefined> {
    const id = randomUUID();
    // The quota is checked in the insert itself (no separate read); two inserts racing at the
    // limit may still both pass, which a soft quota allows. The count is a derived table: MySQL 8
    // refuses a subquery on the table being inserted into, but not a (materialized) derived table.
    await this.pool.query(
      `INSERT IGNORE INTO balance_thresholds (id, wallet_id, merchant_id, threshold_minor, direction, last_state, created_at)
       SELECT ?, ?, ?, ?, ?, NULL, ? FROM (SELECT COUNT(*) AS n FROM balance_thresholds WHERE wallet_id = ?) AS counted
       WHERE counted.n < ?`,
      [id, threshold.walletId, threshold.merchantId, threshold.thresholdMinor, threshold.direction, new Date(this.now()), threshold.walletId, max],
    );
    const [rows] = await this.pool.query(
      `SELECT ${COLUMNS} FROM balance_thresholds WHERE wallet_id = ? AND threshold_minor = ? AND direction = ?`,
      [threshold.walletId, threshold.thresholdMinor, threshold.direction],
    );
    const [row] = rowsOf(rows);
    if (row === undefined) return undefined;
    const stored = toView(row);
    return { threshold: stored, created: stored.thresholdId === id };
  }

  /** The wallet's thresholds, lowest first (BELOW before ABOVE at one amount). */
  async list(merchantId: string, walletId: string): Promise<ThresholdView[]> {
    const [rows] = await this.pool.query(
      `SELECT ${COLUMNS} FROM balance_thresholds WHERE wallet_id = ? AND merchant_id = ? ORDER BY threshold_minor, direction`,
      [walletId, merchantId],
    );
    return rowsOf(rows).map(toView);
  }

  /** Deletes the merchant's threshold; false when there is none of that id for the merchant. */
  async delete(merchantId: string, thresholdId: string): Promise<boolean> {
    const [result] = await this.pool.query('DELETE FROM balance_thresholds WHERE id = ? AND merchant_id = ?', [thresholdId, merchantId]);
    return 'affectedRows' in result && result.affectedRows > 0;
  }
}
