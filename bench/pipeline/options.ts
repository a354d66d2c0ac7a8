/** Command-line options of `npm run bench`, validated once. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { PipelineMode, Runtime, TransportName } from './types';

export interface BenchOptions {
  transport: TransportName;
  mode: PipelineMode;
  runtime: Runtime;
  quick: boolean;
  /** Open-loop rates (orders/s), 1,000 merchants. */
  rates: number[];
  /** Closed-loop concurrencies (calls in flight), 1,000 merchants. */
  concurrency: number[];
  /** One hot merchant wallet: closed-loop concurrencies and open-loop rates. */
  hotConcurrency: number[];
  hotRates: number[];
  /** Wallet actions over WalletService: closed-loop concurrencies (empty: no wallet scenario) and merchants used. */
  walletConcurrency: number[];
  walletPairs: number;
  warmupMs: number;
  openMs: number;
  closedMs: number;
  merchants: number;
  /** gRPC deadline of each SubmitOrder. */
  callTimeoutMs: number;
  /** Open loop: calls in flight at most (later sends wait, and the wait counts as latency). */
  maxInFlight: number;
  /** Open loop: abandon the rest of a phase once the calls in flight stand for this much queueing. */
  overloadCutoffMs: number;
  drainTimeoutMs: number;
  ceilings: boolean;
  dbCeilingMs: number;
  dbCeilingConnections: number;
  profile: boolean;
  mysqlServerUrl: string;
  database: string;
  redisUrl: string;
  logLevel: string;
  /** Node flags of the pipeline processes (not the ERP simulator's), e.g. heap limits. */
  nodeFlags: string[];
  pspLatencyMs: number;
  partitions: number | undefined;
  batchSize: number | undefined;
  keepDatabase: boolean;
  /** Keep the pipeline processes' logs (a temporary folder) after a successful run. */
  keepLogs: boolean;
  outDir: string;
  /** Exit non-zero when a target is missed (lost or duplicated orders always fail the run). */
  strict: boolean;
}

const list = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'a comma-separated list of positive integers')
  .transform((s) => s.split(',').map(Number))
  .refine((values) => values.every((v) => v > 0), 'every value must be > 0');
const seconds = z.coerce.number().positive().transform((s) => Math.round(s * 1000));
const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  transport: z.enum(['memory', 'redis', 'kafka']).default('memory'),
  mode: z.enum(['inproc', 'roles']).default('inproc'),
  runtime: z.enum(['tsx', 'dist']).default('dist'),
  quick: z.boolean().default(false),
  rates: list.optional(),
  concurrency: list.optional(),
  'hot-concurrency': list.optional(),
  'hot-rates': list.optional(),
  'wallet-concurrency': list.optional(),
  'wallet-pairs': positiveInt.optional(),
  'no-wallet': z.boolean().default(false),
  'node-flags': z
    .string()
    .regex(/^--[a-z0-9-]+(=\S+)?( +--[a-z0-9-]+(=\S+)?)*$/, 'Node flags separated by spaces, each --name or --name=value, e.g. "--max-old-space-size=256"')
    .transform((s) => s.split(/ +/))
    .optional(),
  warmup: seconds.optional(),
  duration: seconds.optional(),
  'closed-duration': seconds.optional(),
  merchants: positiveInt.default(1000),
  'call-timeout': seconds.default(30),
  'max-in-flight': positiveInt.default(20_000),
  'overload-cutoff': seconds.default(5),
  'drain-timeout': seconds.default(180),
  'no-ceilings': z.boolean().default(false),
  'db-ceiling-duration': seconds.optional(),
  'db-ceiling-connections': positiveInt.default(4),
  profile: z.boolean().default(false),
  'mysql-url': z.string().regex(/^mysql:\/\/[^/]*\/?$/, 'a server URL without a database, e.g. mysql://root@127.0.0.1:3306').default('mysql://root@127.0.0.1:3306'),
  database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).default('paystream_bench'),
  'redis-url': z.string().regex(/^rediss?:\/\//).default('redis://127.0.0.1:6379'),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  'psp-latency': z.coerce.number().int().min(0).default(2),
  partitions: positiveInt.optional(),
  'batch-size': positiveInt.optional(),
  'keep-db': z.boolean().default(false),
  'keep-logs': z.boolean().default(false),
  out: z.string().min(1).default('bench/results'),
  strict: z.boolean().default(false),
});

export const USAGE = `npm run bench -- [options]

  --transport memory|redis|kafka   the pipeline's transport (default memory)
  --mode inproc|roles              every role in one process, or one process per role (roles needs redis/kafka)
  --runtime dist|tsx               run the pipeline from the built dist/ (default; npm run bench builds it) or through tsx
  --quick                          smoke test: short phases, one rate, one concurrency (< 60 s)
  --rates 100,250,500,1000,2000    open-loop rates, orders/s, over --merchants merchants
  --concurrency 8,32,128,256       closed-loop calls in flight, over --merchants merchants
  --hot-concurrency 32,256         closed loop on one hot merchant wallet
  --hot-rates 1000                 open loop on one hot merchant wallet
  --wallet-concurrency 32          closed loop of wallet actions (TopUp, Use, Transfer) over WalletService
  --wallet-pairs 100               merchants with an enterprise and a personal wallet for it; --no-wallet skips it
  --warmup 10 --duration 20 --closed-duration 15   seconds per warm-up / open / closed phase
  --merchants 1000                 merchants the spread scenario cycles through
  --call-timeout 30                SubmitOrder deadline, seconds
  --max-in-flight 20000            open loop: calls in flight at most (a wait counts as latency)
  --overload-cutoff 5              open loop: stop a phase whose calls in flight stand for > 5 s of queueing
                                   (the rest of its schedule is reported as not sent)
  --drain-timeout 180              seconds to wait for the pipeline to catch up after a phase
  --no-ceilings                    skip the gRPC echo and database ceilings
  --db-ceiling-duration 10 --db-ceiling-connections 4
  --profile                        node --cpu-prof the pipeline process(es) and summarize the profiles
  --mysql-url mysql://root@127.0.0.1:3306 --database paystream_bench (dropped and recreated per run)
  --redis-url redis://127.0.0.1:6379   (keys under a fresh prefix, deleted after the run)
  --log-level info                 the pipeline's LOG_LEVEL
  --node-flags="--max-old-space-size=256"  Node flags of the pipeline processes (heap limits…), with "="
  --psp-latency 2                  PSP simulator latency, ms (PSP_SIM_LATENCY_MS)
  --partitions N --batch-size N    PARTITIONS and BATCH_SIZE of the pipeline (default: the app's)
  --keep-db                        keep the bench database after the run
  --keep-logs                      keep the pipeline's logs (printed path) after a successful run
  --out bench/results              where results go
  --strict                         exit 1 when a target is missed (lost/duplicated orders always fail)`;

/** Thrown for a bad command line; the message says which option and why. */
export class BenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
  readonly retryable = false;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const stringOptions = ['transport', 'mode', 'runtime', 'rates', 'concurrency', 'hot-concurrency', 'hot-rates', 'wallet-concurrency', 'wallet-pairs', 'warmup', 'duration', 'closed-duration', 'merchants', 'call-timeout', 'max-in-flight', 'overload-cutoff', 'drain-timeout', 'db-ceiling-duration', 'db-ceiling-connections', 'mysql-url', 'database', 'redis-url', 'log-level', 'node-flags', 'psp-latency', 'partitions', 'batch-size', 'out'] as const;
  const booleanOptions = ['quick', 'no-ceilings', 'no-wallet', 'profile', 'keep-db', 'keep-logs', 'strict'] as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(stringOptions.map((name) => [name, { type: 'string' as const }])),
        ...Object.fromEntries(booleanOptions.map((name) => [name, { type: 'boolean' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new BenchUsageError(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    throw new BenchUsageError(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n\n${USAGE}`);
  }
  const o = parsed.data;
  const quick = o.quick;
  return {
    transport: o.transport,
    mode: o.mode,
    runtime: o.runtime,
    quick,
    rates: o.rates ?? (quick ? [250] : [100, 250, 500, 1000, 2000]),
    concurrency: o.concurrency ?? (quick ? [64] : [8, 32, 128, 256]),
    hotConcurrency: o['hot-concurrency'] ?? (quick ? [64] : [32, 256]),
    hotRates: o['hot-rates'] ?? (quick ? [] : [1000]),
    walletConcurrency: o['no-wallet'] ? [] : (o['wallet-concurrency'] ?? (quick ? [16] : [32])),
    walletPairs: Math.min(o['wallet-pairs'] ?? (quick ? 20 : 100), o.merchants),
    warmupMs: o.warmup ?? (quick ? 2_000 : 10_000),
    openMs: o.duration ?? (quick ? 4_000 : 20_000),
    closedMs: o['closed-duration'] ?? (quick ? 3_000 : 15_000),
    merchants: o.merchants,
    callTimeoutMs: o['call-timeout'],
    maxInFlight: o['max-in-flight'],
    overloadCutoffMs: o['overload-cutoff'],
    drainTimeoutMs: o['drain-timeout'],
    ceilings: !o['no-ceilings'],
    dbCeilingMs: o['db-ceiling-duration'] ?? (quick ? 2_000 : 10_000),
    dbCeilingConnections: o['db-ceiling-connections'],
    profile: o.profile,
    mysqlServerUrl: o['mysql-url'],
    database: o.database,
    redisUrl: o['redis-url'],
    logLevel: o['log-level'],
    nodeFlags: o['node-flags'] ?? [],
    pspLatencyMs: o['psp-latency'],
    partitions: o.partitions,
    batchSize: o['batch-size'],
    keepDatabase: o['keep-db'],
    keepLogs: o['keep-logs'],
    outDir: o.out,
    strict: o.strict,
  };
}
