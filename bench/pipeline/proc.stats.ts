/**
 * CPU time and memory of OS processes from Linux's /proc: `/proc/<pid>/stat` (utime, stime in clock
 * ticks) and `/proc/<pid>/status` (VmHWM: peak resident set; VmRSS: resident now).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuTicks {
  utime: number;
  stime: number;
}

export interface MemoryKb {
  vmHwmKb: number | null;
  vmRssKb: number | null;
}

/** utime and stime (fields 14 and 15) of a /proc/<pid>/stat line. The command name may hold spaces and parentheses. */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new TypeError('not a /proc/<pid>/stat line');
  // Fields after the command start with field 3 (state): utime is field 14, stime 15.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new TypeError('no utime/stime in the /proc/<pid>/stat line');
  return { utime, stime };
}

/** VmHWM and VmRSS (kB) of a /proc/<pid>/status text; null when absent (a zombie has neither). */
export function parseProcStatus(text: string): MemoryKb {
  const read = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  return { vmHwmKb: read('VmHWM'), vmRssKb: read('VmRSS') };
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (`getconf CLK_TCK`; 100 on every common Linux). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (utime + stime) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

export function memoryOf(pid: number): MemoryKb {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return { vmHwmKb: null, vmRssKb: null };
  }
}

/** Pids of running processes whose command name (`/proc/<pid>/comm`) is one of `names`. */
export function findProcesses(names: readonly string[]): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) found.push({ pid: Number(entry), name: comm });
    } catch {
      // Gone between readdir and read.
    }
  }
  return found;
}
