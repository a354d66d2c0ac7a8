import { randomBytes } from 'node:crypto';
import { createMysqlPool, dropDatabase, ensureDatabase, migrate } from '../../storage/mysql';
import type { Pool } from '../../storage/mysql';

export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database with a random name; `drop()` closes the pool and removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = `${MYSQL_SERVER_URL}/pstest_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(url);
  const pool = createMysqlPool({ url, connectionLimit: 8 });
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    await dropDatabase(url);
    throw err;
  }
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(url);
    },
  };
}
