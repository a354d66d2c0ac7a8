import { cpuSecondsOf, memoryOf } from './proc.stats';
import type { ProcessUsage } from './types';

export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface UsageMark {
  at: number;
  cpu: Map<number, number>;
  /** Largest resident set seen per process since the previous mark (kB). */
  peakRssKb: Map<number, number>;
}

/**
 * CPU seconds of a changing set of processes between two marks (a phase, a run), and their peak
 * resident memory. Processes that exit keep their last reading.
 */
export class UsageMeter {
  private readonly watched = new Map<number, WatchedProcess>();
  private readonly lastCpu = new Map<number, number>();
  private readonly peakKb = new Map<number, number>();
  /** Largest VmRSS per process since the last mark: a phase's own peak (VmHWM is the whole life's). */
  private windowPeakKb = new Map<number, number>();

  watch(proc: WatchedProcess): void {
    this.watched.set(proc.pid, proc);
    this.sample();
  }

  /** Reads every watched process now (call it while they are alive: after exit the numbers are gone). */
  sample(): void {
    for (const pid of this.watched.keys()) {
      const cpu = cpuSecondsOf(pid);
      if (cpu !== null) this.lastCpu.set(pid, cpu);
      const { vmHwmKb, vmRssKb } = memoryOf(pid);
      if (vmHwmKb !== null) this.peakKb.set(pid, Math.max(vmHwmKb, this.peakKb.get(pid) ?? 0));
      if (vmRssKb !== null) this.windowPeakKb.set(pid, Math.max(vmRssKb, this.windowPeakKb.get(pid) ?? 0));
    }
  }

  mark(): UsageMark {
    this.sample();
    const peakRssKb = this.windowPeakKb;
    this.windowPeakKb = new Map();
    return { at: Date.now(), cpu: new Map(this.lastCpu), peakRssKb };
  }

  /**
   * Usage of each process watched at `to` between the two marks (a process started after `from`
   * counts from zero). Peak memory: with `windowPeak`, the largest resident set sampled between two
   * consecutive marks (call {@link sample} meanwhile); otherwise the process's whole-life VmHWM.
   */
  between(from: UsageMark, to: UsageMark, only?: (p: WatchedProcess) => boolean, windowPeak = false): ProcessUsage[] {
    const wallSeconds = Math.max(0.001, (to.at - from.at) / 1000);
    const usage: ProcessUsage[] = [];
    for (const [pid, proc] of this.watched) {
      if (only !== undefined && !only(proc)) continue;
      const end = to.cpu.get(pid);
      if (end === undefined) continue;
      const cpuSeconds = end - (from.cpu.get(pid) ?? 0);
      const peak = windowPeak ? to.peakRssKb.get(pid) : this.peakKb.get(pid);
      usage.push({ name: proc.name, pid, cpuSeconds: round(cpuSeconds, 2), cores: round(cpuSeconds / wallSeconds, 2), peakRssMiB: peak === undefined ? null : round(peak / 1024, 1) });
    }
    return usage;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
