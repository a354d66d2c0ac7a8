/** The benchmark's own MySQL database: recreated per run, seeded with merchants, dropped afterwards. */
import { createMerchant, type CreatedMerchant } from '../../gateway';
import { createMysqlPool, dropDatabase, ensureDatabase, migrate, type Pool } from '../../storage/mysql';

export interface BenchDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** Drops `database` if a previous run left it, creates it and applies the migrations. */
export async function recreateDatabase(serverUrl: string, database: string): Promise<BenchDatabase> {
  const url = `${serverUrl.replace(/\/+$/, '')}/${database}`;
  await dropDatabase(url);
  await ensureDatabase(url);
  const pool = createMysqlPool({ url, connectionLimit: 6 });
  await migrate(pool);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(url);
    },
  };
}

/** `count` merchants (each with its API key and USD default wallet), created `concurrency` at a time. */
export async function seedMerchants(pool: Pool, count: number, label: string, concurrency = 8): Promise<CreatedMerchant[]> {
  const merchants: CreatedMerchant[] = new Array<CreatedMerchant>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      merchants[i] = await createMerchant(pool, {
        name: `${label} ${i}`,
        email: `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${i}@bench.test`,
        phone: '+15555550123',
        currency: 'USD',
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
  return merchants;
}
