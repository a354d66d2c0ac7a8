/**
 * Starts the pipeline under test the way an operator would: `paystream start` as its own OS
 * process (every role in one process, `inproc`), or one process per role (`roles`), through tsx or
 * the built `dist/cli/main.js`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROLES } from '../../app';
import { freePort, nodeArgsFor, spawnLogged, type ManagedProcess } from './child.process';
import type { PipelineMode, Runtime, TransportName } from './types';

/**
 * The roles of `paystream start <role>` this build has, in start order: the ERP simulator first (erp-sync
 * sends to it), the gateway last (the processors are subscribed before orders arrive).
 */
export function pipelineRoles(roles: readonly string[] = ROLES): string[] {
  const rank = (role: string): number => (role === 'erp-simulator' ? 0 : role === 'gateway' ? 2 : 1);
  return [...roles].sort((a, b) => rank(a) - rank(b));
}

/** The role that stands for the external ERP: measured apart from paystream's own processes. */
export const ERP_SIMULATOR = 'erp-simulator';

export interface PipelineLaunch {
  root: string;
  runtime: Runtime;
  transport: TransportName;
  mode: PipelineMode;
  mysqlUrl: string;
  redisUrl: string;
  redisPrefix: string;
  logLevel: string;
  logDir: string;
  /** Extra environment for every pipeline process (PSP latency, partitions…). */
  env: Record<string, string>;
  /** Node flags of the paystream processes (the ERP simulator runs without them). */
  nodeFlags: readonly string[];
  /** When set: `node --cpu-prof` into this folder, one `<role>.cpuprofile` per process. */
  profileDir: string | undefined;
}

export interface RunningPipeline {
  processes: ManagedProcess[];
  grpcAddress: string;
  /** Graceful stop of every process (SIGTERM: the gateway stops accepting, the processors drain). */
  stop(): Promise<{ name: string; code: number | null }[]>;
}

export async function startPipeline(launch: PipelineLaunch): Promise<RunningPipeline> {
  if (launch.mode === 'roles' && launch.transport === 'memory') {
    throw new RangeError('--mode roles needs a transport shared between processes (redis or kafka): the memory transport lives inside one process');
  }
  const cli = launch.runtime === 'dist' ? path.join(launch.root, 'dist', 'cli', 'main.js') : path.join(launch.root, 'cli', 'main.ts');
  if (!existsSync(cli)) throw new Error(`${cli} does not exist${launch.runtime === 'dist' ? ': run `npm run build` first' : ''}`);
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const erpPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...launch.env,
    TRANSPORT: launch.transport,
    MYSQL_URL: launch.mysqlUrl,
    REDIS_URL: launch.redisUrl,
    REDIS_PREFIX: launch.redisPrefix,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    HTTP_PORT: String(httpPort),
    LOG_LEVEL: launch.logLevel,
    // The ERP simulator stands for an external ERP: its own process in both modes, on a port of its
    // own; the processes share the webhook secret and find each other by URL.
    ERP_SIM_HOST: '127.0.0.1',
    ERP_SIM_PORT: String(erpPort),
    ERP_URL: `http://127.0.0.1:${erpPort}`,
    ERP_WEBHOOK_URL: `http://127.0.0.1:${httpPort}/erp/webhooks`,
    ERP_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
  };
  // inproc: every paystream role in one process ('all'), beside the simulator.
  const roles: readonly string[] = launch.mode === 'inproc' ? [ERP_SIMULATOR, 'all'] : pipelineRoles();
  const processes = roles.map((role) => {
    const profiling = launch.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${launch.profileDir}`, `--cpu-prof-name=${role}.cpuprofile`];
    const flags = role === ERP_SIMULATOR ? profiling : [...launch.nodeFlags, ...profiling];
    const spec = role === 'all' ? ROLES.filter((r) => r !== ERP_SIMULATOR).join(',') : role;
    return spawnLogged(role, [...nodeArgsFor(cli, flags), 'start', spec], {
      cwd: launch.root,
      env,
      logFile: path.join(launch.logDir, `${role}.log`),
      readyText: 'paystream started',
    });
  });
  const stopAll = async (): Promise<{ name: string; code: number | null }[]> =>
    // The gateway first (no new orders), then the processors drain what is in flight.
    [
      ...(await Promise.all(processes.filter((p) => p.name === 'gateway' || p.name === 'all').map(async (p) => ({ name: p.name, code: await p.stop(60_000) })))),
      ...(await Promise.all(processes.filter((p) => p.name !== 'gateway' && p.name !== 'all').map(async (p) => ({ name: p.name, code: await p.stop(60_000) })))),
    ];
  try {
    await Promise.all(processes.map((p) => withTimeout(p.ready, 120_000, `${p.name} did not log "paystream started" within 120 s; see ${p.logFile}`)));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { processes, grpcAddress: `127.0.0.1:${grpcPort}`, stop: stopAll };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
