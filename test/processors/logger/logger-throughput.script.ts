/**
 * One-off measurement (not a test): logger events/s against MariaDB, batches of 200 events of one
 * topic as the runner hands them over. Run from the repository root with a TypeScript loader, e.g.
 *   node -e "<register @swc/core for .ts>; require('./test/processors/logger/logger-throughput.script.ts')"
 */
import pino from 'pino';
import { createLoggerProcessor } from '../../../processors/logger';
import type { DecodedMessage } from '../../../processors/runtime';
import { createTestDatabase } from '../../helpers/mysql';
import { decoded, orderFlow } from './flow-events.helper';

const ORDERS = 5_000;
const BATCH = 200;

async function main(): Promise<void> {
  const db = await createTestDatabase();
  try {
    const logger = pino({ level: 'silent' });
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const flows = Array.from({ length: ORDERS }, () => orderFlow());
    // One topic per batch, in pipeline order, as a consumer of each topic would see them.
    const streams: DecodedMessage[][] = [
      flows.map((f) => decoded(f.submitted)),
      flows.map((f) => decoded(f.payment)),
      flows.map((f) => decoded(f.walletUpdated)),
      flows.map((f) => decoded(f.completed)),
    ];
    const batches = streams.flatMap((s) => chunk(s, BATCH));
    const total = batches.reduce((n, b) => n + b.length, 0);

    const sequential = await timed(async () => {
      for (const batch of batches) await processor.handle(batch);
    });
    report('sequential, 1 batch at a time', total, sequential);

    // The same batches again: every event is already logged (redelivery), nothing is written.
    const redelivered = await timed(async () => {
      for (const batch of batches) await processor.handle(batch);
    });
    report('redelivery of the same batches (no writes)', total, redelivered);

    // Fresh events, two partitions' batches in flight at once (the runner handles partitions concurrently).
    const more = Array.from({ length: ORDERS }, () => orderFlow());
    const lanes = [more.slice(0, ORDERS / 2), more.slice(ORDERS / 2)].map((part) =>
      [part.map((f) => decoded(f.submitted)), part.map((f) => decoded(f.payment)), part.map((f) => decoded(f.walletUpdated)), part.map((f) => decoded(f.completed))].flatMap((s) =>
        chunk(s, BATCH),
      ),
    );
    const parallel = await timed(async () => {
      await Promise.all(
        lanes.map(async (lane) => {
          for (const batch of lane) await processor.handle(batch);
        }),
      );
    });
    report('2 partitions concurrently', total, parallel);
  } finally {
    await db.drop();
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function report(label: string, events: number, ms: number): void {
  process.stdout.write(`${label}: ${events} events in ${ms.toFixed(0)} ms = ${Math.round((events / ms) * 1000)} events/s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
