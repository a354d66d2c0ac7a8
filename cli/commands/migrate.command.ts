import type { AppConfig } from '../../config';
import { createMysqlPool, ensureDatabase, migrate } from '../../storage/mysql';

/** `paystream migrate`: creates the database and applies pending migrations. */
export async function migrateCommand(config: AppConfig, print: (line: string) => void): Promise<void> {
  await ensureDatabase(config.MYSQL_URL);
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 1 });
  try {
    const applied = await migrate(pool);
    print(applied.length === 0 ? 'database is up to date' : applied.map((m) => `applied ${m.version} ${m.name}`).join('\n'));
  } finally {
    await pool.end();
  }
}
