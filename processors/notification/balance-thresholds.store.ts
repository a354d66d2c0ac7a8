import type { PoolConnection } from '../../storage/mysql';
import { num, rowsOf, str, strOrNull } from '../../storage/mysql';
import type { BalanceThreshold, ThresholdState } from './types';

/**
 * The thresholds of `walletIds` (one query), locked until the transaction ends so that their
 * `last_state` is read and written by one batch at a time. Locked in id order, the order every
 * batch takes them in; under READ COMMITTED only the rows found are locked (no gap locks), so the
 * gateway can add and remove thresholds meanwhile.
 */
export async function lockThresholds(connection: PoolConnection, walletIds: readonly string[]): Promise<BalanceThreshold[]> {
  if (walletIds.length === 0) return [];
  const [result] = await connection.query(
    `SELECT id, wallet_id, merchant_id, threshold_minor, direction, last_state
       FROM balance_thresholds WHERE wallet_id IN (?) ORDER BY id FOR UPDATE`,
    [[...new Set(walletIds)]],
  );
  return rowsOf(result).map((r) => {
    const lastState = strOrNull(r, 'last_state');
    return {
      id: str(r, 'id'),
      walletId: str(r, 'wallet_id'),
      merchantId: str(r, 'merchant_id'),
      thresholdMinor: num(r, 'threshold_minor'),
      direction: stateOf(str(r, 'direction')),
      lastState: lastState === null ? null : stateOf(lastState),
    };
  });
}

/** Stores the new `last_state` of thresholds: one UPDATE per state. */
export async function saveThresholdStates(connection: PoolConnection, states: ReadonlyMap<string, ThresholdState>): Promise<void> {
  for (const state of ['ABOVE', 'BELOW'] as const) {
    const ids = [...states].filter(([, s]) => s === state).map(([id]) => id);
    if (ids.length > 0) await connection.query('UPDATE balance_thresholds SET last_state = ? WHERE id IN (?)', [state, ids]);
  }
}

function stateOf(value: string): ThresholdState {
  if (value === 'ABOVE' || value === 'BELOW') return value;
  throw new TypeError(`unknown threshold state ${value}`);
}
