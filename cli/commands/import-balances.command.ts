import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AppConfig } from '../../config';
import { importOpeningBalances } from '../../processors/ledger';
import { createMysqlPool, ensureDatabase, migrate } from '../../storage/mysql';
import { UsageError } from '../cli.errors';
import { parseOpeningBalances } from './balances.csv';

/**
 * `paystream import-balances FILE.csv [--merchant ID]`: moves an existing system's posted balances in,
 * one ledger transaction per wallet against the opening-balance account. Re-running the same file
 * changes nothing. Exit code 0 only when every row is imported or already was.
 */
export async function importBalancesCommand(args: readonly string[], config: AppConfig, print: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { merchant: { type: 'string' } }, strict: true });
  const file = positionals[0];
  if (file === undefined) throw new UsageError('usage: paystream import-balances FILE.csv [--merchant MERCHANT_ID]');
  const text = await readFile(file, 'utf8');
  const { rows, problems } = parseOpeningBalances(text, values.merchant);
  if (problems.length > 0) {
    for (const p of problems) print(`${file}:${p.line}: ${p.column}: ${p.message}`);
    throw new UsageError(`${problems.length} problem(s) in ${file}; nothing was imported`);
  }
  await ensureDatabase(config.MYSQL_URL);
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 2 });
  try {
    await migrate(pool);
    const importId = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const results = await importOpeningBalances(pool, rows, { importId });
    let failed = 0;
    for (const r of results) {
      if (r.outcome === 'FAILED') failed += 1;
      print(`${r.walletId}\t${r.outcome}${r.walletCreated ? ' (wallet created)' : ''}${r.error === null ? '' : `\t${r.error.code}: ${r.error.message}`}`);
    }
    print(`${results.length - failed} of ${results.length} wallet(s) imported or already imported`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}
