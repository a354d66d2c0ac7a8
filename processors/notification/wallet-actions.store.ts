import type { PoolConnection } from '../../storage/mysql';
import { numOrNull, rowsOf, str } from '../../storage/mysql';

/**
 * The amounts `actionIds` asked for (`wallet_actions`, written by the gateway): the action's own, or
 * for a void the voided action's. Actions without a known amount are absent. One plain read.
 */
export async function requestedAmounts(connection: PoolConnection, actionIds: readonly string[]): Promise<Map<string, number>> {
  if (actionIds.length === 0) return new Map();
  const [result] = await connection.query(
    `SELECT a.id, COALESCE(a.amount_minor, v.amount_minor) AS amount_minor
       FROM wallet_actions a LEFT JOIN wallet_actions v ON v.id = a.voids_action_id
      WHERE a.id IN (?)`,
    [[...new Set(actionIds)]],
  );
  const amounts = new Map<string, number>();
  for (const row of rowsOf(result)) {
    const amount = numOrNull(row, 'amount_minor');
    if (amount !== null) amounts.set(str(row, 'id'), amount);
  }
  return amounts;
}
