import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, SqlValue } from 'mysql2/promise';

export type { Pool, PoolConnection };

export interface MysqlOptions {
  /** `mysql://user:pass@host:port/database` */
  url: string;
  connectionLimit?: number;
}

/** Splits a MySQL URL into server URL and database name (validated: letters, digits, `_`). */
export function parseMysqlUrl(url: string): { serverUrl: string; database: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'mysql:') throw new RangeError(`expected a mysql:// URL, got ${parsed.protocol}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new RangeError(`the database name must be 1-64 letters, digits or underscores, got "${database}"`);
  }
  parsed.pathname = '/';
  return { serverUrl: parsed.toString(), database };
}

/** One pool per process; every query of the process goes through it. */
export function createMysqlPool(options: MysqlOptions): Pool {
  const { serverUrl, database } = parseMysqlUrl(options.url);
  const url = new URL(serverUrl);
  const pool = mysql.createPool({
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    connectionLimit: options.connectionLimit ?? 10,
    // BIGINT money must come back exact: as strings when beyond 2^53, numbers otherwise.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    dateStrings: false,
    timezone: 'Z',
    charset: 'utf8mb4',
    // For withTransaction's deferred writes: statements formatted (escaped) by mysql2, sent with the
    // COMMIT in one round trip. Every query of the project passes its values as placeholders.
    multipleStatements: true,
    enableKeepAlive: true,
    // No caller stack captured per query (an Error built for every promise query, BEGIN and COMMIT:
    // 5 % of the pipeline's CPU in profiles). A failed query still carries its code and message, and
    // every caller here classifies errors by code.
    trace: false,
    // mysql2's own formatter, except that a text without values is sent as it is: by default it scans
    // the whole text for placeholders even then, and a transaction's deferred writes make one large
    // text with none left in it.
    queryFormat: (sql: string, values: unknown): string =>
      values === undefined || (Array.isArray(values) && values.length === 0) ? sql : mysql.format(sql, values as SqlValue | SqlValue[], false, 'Z'),
  });
  // Every session reads committed data and takes no gap locks (see withTransaction); queued before any
  // query of the connection, so autocommit statements (outbox deletes, gateway inserts) run so too.
  pool.pool.on('connection', (connection) => {
    connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  return pool;
}

/** Runs `work` on a short-lived connection to the server of `url`, without selecting its database. */
async function onServer(url: string, work: (connection: mysql.Connection, database: string) => Promise<unknown>): Promise<void> {
  const { serverUrl, database } = parseMysqlUrl(url);
  const server = new URL(serverUrl);
  const connection = await mysql.createConnection({
    host: server.hostname,
    port: server.port === '' ? 3306 : Number(server.port),
    user: decodeURIComponent(server.username) || 'root',
    password: decodeURIComponent(server.password),
  });
  try {
    await work(connection, database);
  } finally {
    await connection.end();
  }
}

/** Creates the database of `url` if it does not exist. */
export function ensureDatabase(url: string): Promise<void> {
  return onServer(url, (connection, database) =>
    connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
  );
}

/** Drops the database of `url` (tests clean up their own databases with it). */
export function dropDatabase(url: string): Promise<void> {
  return onServer(url, (connection, database) => connection.query(`DROP DATABASE IF EXISTS \`${database}\``));
}

/** What a write helper needs of a connection: to send a statement whose result it does not read. */
export interface SqlWriter {
  query(sql: string, values?: unknown): Promise<unknown>;
}

/**
 * Writes of a transaction held back until its commit: each statement is formatted at once (values
 * escaped by mysql2, as `query` would) and all of them go to the server with the COMMIT as one
 * multi-statement query, one round trip instead of one per statement.
 */
class DeferredWrites implements SqlWriter {
  readonly statements: string[] = [];
  constructor(private readonly connection: PoolConnection) {}

  query(sql: string, values?: unknown): Promise<unknown> {
    this.statements.push(values === undefined ? sql : this.connection.format(sql, values));
    return Promise.resolve(undefined);
  }
}

/**
 * Runs `work` in one transaction on one connection of a pool made by {@link createMysqlPool} (so READ
 * COMMITTED); rolls back and rethrows on error. `work` reads (and locks) through `connection`; writes
 * whose results it does not need go through `writes`, and are sent with the COMMIT in one round trip
 * (a failing one fails the commit, and the transaction is rolled back).
 *
 * Why not REPEATABLE READ (the InnoDB default): there, a locking read of keys that do not exist yet
 * (the inbox claim of new event ids) takes gap locks, and two consumers inserting into the same gaps
 * deadlock. Under READ COMMITTED searches take no gap locks. Every read a batch decides on is a
 * locking read, and a concurrent duplicate insert fails on its unique key and is retried by the
 * runner; nothing relies on a snapshot.
 */
export async function withTransaction<T>(pool: Pool, work: (connection: PoolConnection, writes: SqlWriter) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  try {
    // The session is READ COMMITTED already (createMysqlPool).
    await connection.beginTransaction();
    const writes = new DeferredWrites(connection);
    const result = await work(connection, writes);
    if (writes.statements.length === 0) await connection.commit();
    else await connection.query(`${writes.statements.join(';\n')};\nCOMMIT`);
    return result;
  } catch (err) {
    await connection.rollback().catch(() => undefined);
    throw err;
  } finally {
    connection.release();
  }
}

/** True for the error InnoDB raises in the victim of a deadlock: its statement or transaction was rolled back whole. */
export function isDeadlock(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ER_LOCK_DEADLOCK';
}

/**
 * Runs `work` (one autocommit statement, or one whole {@link withTransaction}) again when InnoDB
 * picked it as a deadlock's victim, up to `attempts` times in all, after a short random pause so the
 * two do not meet again at once. Only for work that may simply run again: a victim's changes are
 * rolled back, so nothing of the failed attempt remains.
 */
export async function retryDeadlocks<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
