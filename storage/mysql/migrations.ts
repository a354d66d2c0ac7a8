import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * Folder of versioned migrations: `NNN_name.sql`, applied in order, each once. The SQL files stay
 * in the source tree; compiled code under `dist/storage/mysql` finds them from there too.
 */
export const MIGRATIONS_DIR = [path.resolve(__dirname, '..', 'migrations'), path.resolve(__dirname, '..', '..', '..', 'storage', 'migrations')].find((dir) =>
  existsSync(dir),
) ?? path.resolve(__dirname, '..', 'migrations');

export interface AppliedMigration {
  version: number;
  name: string;
}

/** Thrown when an applied migration's file was edited afterwards: released migrations are immutable. */
export class MigrationChecksumError extends Error {
  readonly code = 'MIGRATION_CHANGED';
  readonly retryable = false;
  constructor(version: number, name: string) {
    super(`migration ${version} (${name}) was changed after it was applied; add a new migration instead`);
    this.name = 'MigrationChecksumError';
  }
}

interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.slice(4, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

/** Splits a migration into statements (our migrations hold no `;` inside strings or routines). */
function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Applies pending migrations under a named lock, so processes starting together migrate once.
 * Returns the migrations it applied.
 */
export async function migrate(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<AppliedMigration[]> {
  const connection = await pool.getConnection();
  try {
    const [lockRows] = await connection.query<RowDataPacket[]>("SELECT GET_LOCK('paystream_migrate', 60) AS got");
    if (lockRows[0]?.got !== 1) throw new Error('could not take the migration lock within 60 s');
    try {
      await connection.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INT NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,
           checksum CHAR(64) NOT NULL, applied_at DATETIME(3) NOT NULL) ENGINE=InnoDB`,
      );
      const [rows] = await connection.query<RowDataPacket[]>('SELECT version, name, checksum FROM schema_migrations');
      const applied = new Map(rows.map((r) => [Number(r.version), String(r.checksum)]));
      const done: AppliedMigration[] = [];
      for (const migration of await readMigrations(dir)) {
        const checksum = applied.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) throw new MigrationChecksumError(migration.version, migration.name);
          continue;
        }
        // DDL commits implicitly in MySQL; a failed migration stops here and is re-run from its start.
        for (const statement of statements(migration.sql)) await connection.query(statement);
        await connection.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        done.push({ version: migration.version, name: migration.name });
      }
      return done;
    } finally {
      await connection.query("SELECT RELEASE_LOCK('paystream_migrate')");
    }
  } finally {
    connection.release();
  }
}
