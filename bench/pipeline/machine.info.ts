/** The machine a run was measured on: what a reader needs to compare figures. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import { rowsOf, str, type Pool } from '../../storage/mysql';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryMiB: number;
  kernel: string;
  node: string;
  mariadb: string;
  mariadbSettings: Record<string, string>;
  redis: string;
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverageAtStart: number;
}

/** `model name` of the first CPU in /proc/cpuinfo text. */
export function cpuModelOf(cpuinfo: string): string {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
}

export async function describeMachine(pool: Pool, redisUrl: string): Promise<MachineInfo> {
  let cpuModel = 'unknown';
  try {
    cpuModel = cpuModelOf(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // Not Linux: leave it unknown.
  }
  const [versionRows] = await pool.query('SELECT VERSION() AS v');
  const versionRow = rowsOf(versionRows)[0];
  const [settingRows] = await pool.query(
    "SHOW VARIABLES WHERE Variable_name IN ('innodb_flush_log_at_trx_commit', 'innodb_buffer_pool_size', 'log_bin', 'sync_binlog', 'innodb_log_file_size')",
  );
  const mariadbSettings: Record<string, string> = {};
  for (const row of rowsOf(settingRows)) mariadbSettings[str(row, 'Variable_name')] = str(row, 'Value');
  let redis = 'unreachable';
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    redis = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } catch {
    // Reported as unreachable; only the redis transport needs it.
  } finally {
    client.disconnect();
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    mariadb: versionRow === undefined ? 'unknown' : str(versionRow, 'v'),
    mariadbSettings,
    redis,
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
