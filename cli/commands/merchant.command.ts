import { parseArgs } from 'node:util';
import type { AppConfig } from '../../config';
import { createMerchant } from '../../gateway';
import { createMysqlPool, ensureDatabase, migrate } from '../../storage/mysql';
import { UsageError } from '../cli.errors';

/** `paystream merchant create --name N --email E --phone P [--currency USD]`: prints id, API key and wallet id as JSON. */
export async function merchantCommand(args: readonly string[], config: AppConfig, print: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError('usage: paystream merchant create --name NAME --email EMAIL --phone +E164 [--currency USD]');
  const { values } = parseArgs({
    args: [...rest],
    options: { name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' }, currency: { type: 'string', default: 'USD' } },
    strict: true,
  });
  for (const flag of ['name', 'email', 'phone'] as const) {
    if (values[flag] === undefined) throw new UsageError(`--${flag} is required`);
  }
  await ensureDatabase(config.MYSQL_URL);
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 2 });
  try {
    await migrate(pool);
    const created = await createMerchant(pool, {
      name: values.name ?? '',
      email: values.email ?? '',
      phone: values.phone ?? '',
      currency: values.currency ?? 'USD',
    });
    print(JSON.stringify(created, null, 2));
  } finally {
    await pool.end();
  }
}
