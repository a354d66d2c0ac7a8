/**
 * Transport throughput: `npm run bench:streams`. For each adapter, publishes 200,000 messages of
 * ~200 bytes in batches of 500, then consumes and acknowledges them with one subscription, and prints
 * msgs/s. Environment (read here only): REDIS_URL (default redis://127.0.0.1:6379), BENCH_MESSAGES.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createTransport } from '../streams';
import type { TransportOptions } from '../streams';
import { deleteRedisKeys } from './redis-keyspace';
import type { ThroughputPlan, ThroughputResult } from './transport-throughput';
import { measureThroughput } from './transport-throughput';

interface Row {
  adapter: string;
  result: ThroughputResult | Error;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const messages = Number(process.env.BENCH_MESSAGES ?? 200_000);
  if (!Number.isInteger(messages) || messages < 1) throw new RangeError(`BENCH_MESSAGES must be a positive integer, got ${process.env.BENCH_MESSAGES}`);
  const plan: ThroughputPlan = { messages, batchSize: 500, valueBytes: 200, keys: 10_000 };
  const logger = pino({ level: 'warn' });
  const redisPrefix = `bench-${randomUUID()}`;

  const adapters: TransportOptions[] = [
    { name: 'memory', maxRetainedPerPartition: messages },
    { name: 'redis', url: redisUrl, prefix: redisPrefix, onError: (err) => logger.warn({ err }, 'redis transport') },
  ];
  const rows: Row[] = [];
  for (const options of adapters) {
    const transport = await createTransport(options, { logger });
    try {
      rows.push({ adapter: options.name, result: await measureThroughput(transport, plan) });
    } catch (err) {
      rows.push({ adapter: options.name, result: err instanceof Error ? err : new Error(String(err)) });
    } finally {
      await transport.close();
    }
  }
  await deleteRedisKeys(redisUrl, redisPrefix);
  printTable(rows, plan);
  if (rows.some((row) => row.result instanceof Error)) process.exitCode = 1;
}

function printTable(rows: readonly Row[], plan: ThroughputPlan): void {
  const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(`${plan.messages.toLocaleString('en-US')} messages of ${plan.valueBytes} bytes, batches of ${plan.batchSize}, ${plan.keys} keys`);
  console.log(`${'adapter'.padEnd(10)}${'publish msgs/s'.padStart(16)}${'consume msgs/s'.padStart(16)}`);
  for (const { adapter, result } of rows) {
    if (result instanceof Error) console.log(`${adapter.padEnd(10)}  failed: ${result.message}`);
    else console.log(`${adapter.padEnd(10)}${rate(result.publishPerSecond).padStart(16)}${rate(result.consumePerSecond).padStart(16)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
