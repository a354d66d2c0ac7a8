import mysql from 'mysql2/promise';
import type { Pool, PoolConnection } from 'mysql2/promise';

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
    multipleStatements: false,
    enableKeepAlive: true,
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

/**
 * Runs `work` in one transaction on one connection of a pool made by {@link createMysqlPool} (so READ
 * COMMITTED); rolls back and rethrows on error.
 *
 * Why not REPEATABLE READ (the InnoDB default): there, a locking read of keys that do not exist yet
 * (the inbox claim of new event ids) takes gap locks, and two consumers inserting into the same gaps
 * deadlock. Under READ COMMITTED searches take no gap locks. Every read a batch decides on is a
 * locking read, and a concurrent duplicate insert fails on its unique key and is retried by the
 * runner; nothing relies on a snapshot.
 */
export async function withTransaction<T>(pool: Pool, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  try {
    // The session is READ COMMITTED already (createMysqlPool).
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (err) {
    await connection.rollback().catch(() => undefined);
    throw err;
  } finally {
    connection.release();
  }
}
