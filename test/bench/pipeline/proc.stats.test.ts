import { cpuSecondsOf, findProcesses, memoryOf, parseProcStat, parseProcStatus } from '../../../bench/pipeline/proc.stats';

describe('/proc parsing', () => {
  it('reads utime and stime after a command name with spaces and parentheses', () => {
    const line = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 11 0 100 1000000 20000 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ utime: 1234, stime: 567 });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('nonsense')).toThrow(TypeError);
  });

  it('reads VmHWM and VmRSS in kB, null when absent', () => {
    const status = 'Name:\tnode\nVmPeak:\t 999 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
    expect(parseProcStatus(status)).toEqual({ vmHwmKb: 204800, vmRssKb: 102400 });
    expect(parseProcStatus('Name:\tzombie\n')).toEqual({ vmHwmKb: null, vmRssKb: null });
  });
});

describe('/proc reading', () => {
  it('reads this process', () => {
    let spin = 0;
    for (let i = 0; i < 2_000_000; i += 1) spin += i % 7;
    expect(spin).toBeGreaterThan(0);
    expect(cpuSecondsOf(process.pid)).toBeGreaterThan(0);
    expect(memoryOf(process.pid).vmHwmKb).toBeGreaterThan(1000);
    expect(findProcesses(['node']).map((p) => p.pid)).toContain(process.pid);
  });

  it('answers null for a process that does not exist', () => {
    expect(cpuSecondsOf(2 ** 30)).toBeNull();
    expect(memoryOf(2 ** 30)).toEqual({ vmHwmKb: null, vmRssKb: null });
  });
});
