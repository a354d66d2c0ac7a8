/**
 * The database ceiling: how many orders a second MySQL could take if all the pipeline did was insert
 * an order's rows, set-based. Copies of the order-path tables (`CREATE TABLE … LIKE`) receive, per
 * batch of orders, the same number of rows per table the pipeline run left behind, as multi-row
 * INSERTs of at most 100 rows, one transaction per batch, several connections at once. Row contents
 * are the run's own rows (sampled) with fresh unique keys, so sizes and JSON payloads are real.
 * Inserts only: the pipeline also reads, locks and updates, so it cannot reach this figure.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { num, rowsOf, str, withTransaction, type Pool, type PoolConnection } from '../../storage/mysql';
import type { RowMix } from './verify.queries';

export interface CeilingOptions {
  durationMs: number;
  connections: number;
  ordersPerBatch: number;
  rowsPerStatement: number;
}

export interface DatabaseCeiling {
  ordersPerSecond: number;
  rowsPerSecond: number;
  batches: number;
  orders: number;
  rowsPerOrder: RowMix;
  connections: number;
  ordersPerBatch: number;
  elapsedMs: number;
  /** Batches InnoDB asked to restart (deadlock, lock wait timeout); retried, not counted. */
  restarts: number;
  /** Tables of the mix left out, and why. */
  skipped: string[];
}

type Value = string | number | bigint | boolean | Date | Buffer | null;

interface TablePlan {
  table: string;
  copy: string;
  columns: string[];
  rowsPerOrder: number;
  /** Builds insert row number `i` (fresh unique keys). */
  row(i: number): Value[];
  /** Outbox rows are deleted once published: the ceiling deletes them too. */
  deleteAfter: string | null;
}

/** Real rows of `table` with the columns of every unique key replaced by fresh UUIDs (auto-increment ids left to MySQL). */
async function planTable(pool: Pool, table: string, rowsPerOrder: number): Promise<TablePlan | string> {
  const [columnRows] = await pool.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COALESCE(CHARACTER_MAXIMUM_LENGTH, 0) AS len, EXTRA AS extra
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const columns = rowsOf(columnRows).map((r) => ({ name: str(r, 'name'), type: str(r, 'type'), len: num(r, 'len'), autoIncrement: str(r, 'extra').includes('auto_increment') }));
  const [indexRows] = await pool.query(
    `SELECT INDEX_NAME AS idx, COLUMN_NAME AS name FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [table],
  );
  const uniqueIndexes = new Map<string, string[]>();
  for (const r of rowsOf(indexRows)) uniqueIndexes.set(str(r, 'idx'), [...(uniqueIndexes.get(str(r, 'idx')) ?? []), str(r, 'name')]);
  const fresh = new Set<string>();
  for (const indexColumns of uniqueIndexes.values()) {
    if (indexColumns.some((c) => columns.find((col) => col.name === c)?.autoIncrement === true)) continue;
    const candidates = indexColumns.map((c) => columns.find((col) => col.name === c)).filter((c) => c !== undefined && ['char', 'varchar'].includes(c.type) && c.len >= 36);
    const pick = candidates.find((c) => c?.name.endsWith('id')) ?? candidates[0];
    if (pick === undefined) return `${table}: no unique key column to refresh`;
    fresh.add(pick.name);
  }
  const insertColumns = columns.filter((c) => !c.autoIncrement);
  const [sampleRows] = await pool.query(`SELECT * FROM \`${table}\` LIMIT 1000`);
  const sample = rowsOf(sampleRows);
  if (sample.length === 0) return `${table}: the run left no rows to copy`;
  const copy = `ceiling_${table}`;
  await pool.query(`DROP TABLE IF EXISTS \`${copy}\``);
  await pool.query(`CREATE TABLE \`${copy}\` LIKE \`${table}\``);
  return {
    table,
    copy,
    columns: insertColumns.map((c) => c.name),
    rowsPerOrder,
    deleteAfter: null,
    row: (i) => {
      const source = sample[i % sample.length] ?? {};
      return insertColumns.map((c) => (fresh.has(c.name) ? randomUUID() : toValue(source[c.name])));
    },
  };
}

/** Outbox rows (deleted after publish, so the run leaves none to sample): synthetic, event-sized. */
async function planOutbox(pool: Pool, rowsPerOrder: number): Promise<TablePlan> {
  await pool.query('DROP TABLE IF EXISTS `ceiling_outbox`');
  await pool.query('CREATE TABLE `ceiling_outbox` LIKE `outbox`');
  const payload = randomBytes(260);
  return {
    table: 'outbox',
    copy: 'ceiling_outbox',
    columns: ['producer', 'event_id', 'topic', 'message_key', 'headers', 'payload', 'created_at'],
    rowsPerOrder,
    deleteAfter: 'event_id',
    row: () => {
      const eventId = randomUUID();
      const headers = JSON.stringify({ eventId, eventType: 'WalletUpdated', correlationId: randomUUID(), causationId: randomUUID(), producedAt: new Date().toISOString() });
      return ['ceiling', eventId, 'wallet.updates', randomUUID(), headers, payload, new Date()];
    },
  };
}

function toValue(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  return JSON.stringify(value);
}

/**
 * One batch: every table's rows for `orders` orders in ≤ `rowsPerStatement`-row INSERTs, in one
 * transaction. Returns the rows written and the outbox keys to delete after commit (as the pipeline does).
 */
async function insertBatch(
  connection: PoolConnection,
  plans: readonly TablePlan[],
  orders: number,
  rowsPerStatement: number,
  counter: { next: number },
): Promise<{ rows: number; toDelete: { plan: TablePlan; keys: Value[] }[] }> {
  let rows = 0;
  const toDelete: { plan: TablePlan; keys: Value[] }[] = [];
  for (const plan of plans) {
    const total = Math.round(plan.rowsPerOrder * orders);
    const keyIndex = plan.deleteAfter === null ? -1 : plan.columns.indexOf(plan.deleteAfter);
    const keys: Value[] = [];
    for (let start = 0; start < total; start += rowsPerStatement) {
      const values: Value[][] = [];
      for (let i = start; i < Math.min(total, start + rowsPerStatement); i += 1) {
        const row = plan.row(counter.next);
        counter.next += 1;
        if (keyIndex >= 0) keys.push(row[keyIndex] ?? null);
        values.push(row);
      }
      await connection.query(`INSERT INTO \`${plan.copy}\` (${plan.columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [values]);
      rows += values.length;
    }
    if (keys.length > 0) toDelete.push({ plan, keys });
  }
  return { rows, toDelete };
}

/** InnoDB's "try restarting transaction" errors: deadlock (1213), lock wait timeout (1205). */
function isRestartable(err: unknown): boolean {
  const errno = typeof err === 'object' && err !== null && 'errno' in err ? err.errno : undefined;
  return errno === 1213 || errno === 1205;
}

export async function measureDatabaseCeiling(pool: Pool, mix: RowMix, options: CeilingOptions): Promise<DatabaseCeiling> {
  const plans: TablePlan[] = [];
  const skipped: string[] = [];
  for (const [table, rowsPerOrder] of Object.entries(mix)) {
    if (!(rowsPerOrder > 0)) continue;
    const plan = table === 'outbox' ? await planOutbox(pool, rowsPerOrder) : await planTable(pool, table, rowsPerOrder);
    if (typeof plan === 'string') skipped.push(plan);
    else plans.push(plan);
  }
  const counter = { next: 0 };
  let batches = 0;
  let rows = 0;
  let restarts = 0;
  const started = Date.now();
  const endAt = started + options.durationMs;
  const worker = async (): Promise<void> => {
    while (Date.now() < endAt) {
      let written: Awaited<ReturnType<typeof insertBatch>>;
      try {
        written = await withTransaction(pool, (connection) => insertBatch(connection, plans, options.ordersPerBatch, options.rowsPerStatement, counter));
      } catch (err) {
        // The pipeline's runner retries these too; a retried batch counts once.
        if (!isRestartable(err)) throw err;
        restarts += 1;
        continue;
      }
      for (const { plan, keys } of written.toDelete) {
        await pool.query(`DELETE FROM \`${plan.copy}\` WHERE producer = 'ceiling' AND \`${plan.deleteAfter ?? ''}\` IN (?)`, [keys]);
      }
      rows += written.rows;
      batches += 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, () => worker()));
  const elapsedMs = Date.now() - started;
  for (const plan of plans) await pool.query(`DROP TABLE IF EXISTS \`${plan.copy}\``);
  const orders = batches * options.ordersPerBatch;
  return {
    ordersPerSecond: (orders * 1000) / elapsedMs,
    rowsPerSecond: (rows * 1000) / elapsedMs,
    batches,
    orders,
    rowsPerOrder: Object.fromEntries(plans.map((p) => [p.table, Math.round(p.rowsPerOrder * 100) / 100])),
    connections: options.connections,
    ordersPerBatch: options.ordersPerBatch,
    elapsedMs,
    restarts,
    skipped,
  };
}
