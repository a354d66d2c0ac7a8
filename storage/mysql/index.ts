export { createMysqlPool, ensureDatabase, dropDatabase, isDeadlock, parseMysqlUrl, retryDeadlocks, withTransaction } from './mysql.pool';
export type { MysqlOptions, Pool, PoolConnection, SqlWriter } from './mysql.pool';
export { textLiteral } from './text-literal';
export { migrate, MIGRATIONS_DIR, MigrationChecksumError } from './migrations';
export type { AppliedMigration } from './migrations';
export { bool, date, epochMs, epochMsOrNull, json, num, numOrNull, rowsOf, str, strOrNull } from './row.readers';
export type { Row } from './row.readers';
