import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { buildTransport } from '../../app';
import type { AppConfig } from '../../config';
import { createHttpErpClient } from '../../integrations/erp';
import { formatReconcileTable, reconcile } from '../../processors/erp-sync';
import { createOutboxPublisher } from '../../processors/runtime';
import { createEventCodec } from '../../schemas';
import { createMysqlPool } from '../../storage/mysql';
import { UsageError } from '../cli.errors';

/**
 * `paystream reconcile --from T --to T [--repair]`: compares the ledger with the ERP over a period and
 * prints every mismatch. Exit code 0 only when clean. `--repair` re-sends what the ERP is missing and
 * corrects statuses from the ERP's answers (idempotently; the erp-sync role sends what was re-queued).
 */
export async function reconcileCommand(args: readonly string[], config: AppConfig, logger: Logger, print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { from: { type: 'string' }, to: { type: 'string' }, repair: { type: 'boolean', default: false } },
    strict: true,
  });
  const from = parseDate('--from', values.from);
  const to = parseDate('--to', values.to);
  if (from >= to) throw new UsageError('--from must be before --to');
  if (config.ERP_URL === undefined) throw new UsageError('ERP_URL must name the ERP to reconcile with');
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: 4 });
  const erp = createHttpErpClient({ baseUrl: config.ERP_URL, timeoutMs: config.ERP_TIMEOUT_MS, maxConcurrent: config.ERP_MAX_CONCURRENT });
  // Repairs that publish ErpConfirmations need the shared transport; with memory they wait in the outbox for the erp-sync relay.
  const transport = values.repair && config.TRANSPORT !== 'memory' ? await buildTransport(config, logger) : undefined;
  try {
    const outbox = transport === undefined ? undefined : createOutboxPublisher({ pool, transport, producer: 'erp-sync', logger });
    const report = await reconcile(pool, erp, { from, to, repair: values.repair, logger, codec: createEventCodec(), ...(outbox === undefined ? {} : { outbox }) });
    print(`reconciled ${report.ledgerTransactions} ledger transaction(s) with ${report.erpEntries} ERP entr(ies) from ${from.toISOString()} to ${to.toISOString()}`);
    if (report.rows.length > 0) print(formatReconcileTable(report.rows));
    print(report.clean ? 'clean' : `${report.rows.length} mismatch(es)`);
    if (!report.clean) process.exitCode = 1;
  } finally {
    await transport?.close();
    await pool.end();
  }
}

function parseDate(flag: string, value: string | undefined): Date {
  if (value === undefined) throw new UsageError(`${flag} is required (ISO time, e.g. 2026-11-01T00:00:00Z)`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag} must be an ISO time, got "${value}"`);
  return date;
}
