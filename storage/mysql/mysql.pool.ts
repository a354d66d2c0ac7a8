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
  return mysql.createPool({
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
}

/** Creates the database of `url` if it does not exist. */
export async function ensureDatabase(url: string): Promise<void> {
  const { serverUrl, database } = parseMysqlUrl(url);
  const server = new URL(serverUrl);
  const connection = await mysql.createConnection({
    host: server.hostname,
    port: server.port === '' ? 3306 : Number(server.port),
    user: decodeURIComponent(server.username) || 'root',
    password: decodeURIComponent(server.password),
  });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await connection.end();
  }
}

/** Drops the database of `url` (tests only clean up their own databases with it). */
export async function dropDatabase(url: string): Promise<void> {
  const { serverUrl, database } = parseMysqlUrl(url);
  const server = new URL(serverUrl);
  const connection = await mysql.createConnection({
    host: server.hostname,
    port: server.port === '' ? 3306 : Number(server.port),
    user: decodeURIComponent(server.username) || 'root',
    password: decodeURIComponent(server.password),
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}

/** Runs `work` in one transaction on one connection; rolls back and rethrows on error. */
export async function withTransaction<T>(pool: Pool, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  try {
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
