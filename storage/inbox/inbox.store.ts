import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

/**
 * Records that `consumer` has handled these input events, inside the caller's transaction, and
 * returns the ids that were NOT handled before (the ones whose effects the caller must apply now).
 * Existing rows are locked, so two consumers racing on the same event serialise here; a duplicate
 * insert from such a race fails the transaction, which the runner retries.
 */
export async function claimInbox(connection: PoolConnection, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(eventIds)];
  if (unique.length === 0) return new Set();
  const [rows] = await connection.query<RowDataPacket[]>('SELECT event_id FROM inbox WHERE consumer = ? AND event_id IN (?) FOR UPDATE', [consumer, unique]);
  const seen = new Set(rows.map((r) => String(r.event_id)));
  const fresh = unique.filter((id) => !seen.has(id));
  if (fresh.length > 0) {
    await connection.query('INSERT INTO inbox (consumer, event_id, processed_at) VALUES ?', [fresh.map((id) => [consumer, id, new Date()])]);
  }
  return new Set(fresh);
}
