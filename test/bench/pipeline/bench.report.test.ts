import { chartSeries, computeHeadline, coresByGroup, cpuMsPerOrder, evaluateTargets, formatPhaseTable } from '../../../bench/pipeline/bench.report';
import type { LoadShape, PhaseReport, ProcessUsage } from '../../../bench/pipeline/types';

function phase(target: 'pipeline' | 'echo', scenario: 'spread' | 'hot', load: LoadShape, answeredPerSecond: number, p99 = 10): PhaseReport {
  return {
    name: 'x',
    sent: 100,
    answered: 100,
    completed: 98,
    failed: 2,
    pending: 0,
    errors: {},
    errorSamples: {},
    elapsedMs: 1000,
    answeredPerSecond,
    latency: { count: 100, min: 1, mean: 3, p50: 2, p95: 5, p99, p999: p99, max: p99 },
    maxSendLagMs: 0,
    abandoned: 0,
    target,
    scenario,
    load,
    durationMs: 1000,
    drainMs: target === 'pipeline' ? 500 : null,
    drainedPerSecond: target === 'pipeline' ? answeredPerSecond / 2 : null,
    usage: [],
    cpuMsPerOrder: {},
    mysqlPerOrder: null,
    loadAverage: 1,
  };
}

const usage = (name: string, cpuSeconds: number, cores: number, peakRssMiB: number | null): ProcessUsage => ({ name, pid: 1, cpuSeconds, cores, peakRssMiB });

describe('headline and targets', () => {
  const phases = [
    phase('pipeline', 'spread', { kind: 'open', ratePerSecond: 1000 }, 990, 42),
    phase('pipeline', 'spread', { kind: 'closed', concurrency: 32 }, 2400),
    phase('pipeline', 'spread', { kind: 'closed', concurrency: 128 }, 2600),
    phase('pipeline', 'hot', { kind: 'closed', concurrency: 128 }, 900),
    phase('echo', 'spread', { kind: 'closed', concurrency: 128 }, 4000),
  ];
  const processes = [usage('pipeline:all', 10, 0.9, 250), usage('loadgen', 5, 0.5, 280)];
  const headline = computeHeadline(phases, 4000, null, processes);

  it('takes the best closed loop over the merchants, the hot figure and p99 at 1,000/s', () => {
    expect(headline).toMatchObject({ maxOrdersPerSecond: 2600, maxDrainedOrdersPerSecond: 1300, hotMaxOrdersPerSecond: 900, p99At1000Ms: 42, answeredAt1000: 990, erroredAt1000: 0, grpcRatio: 0.65, databaseRatio: null, maxRssMiB: 280 });
  });

  it('judges each target, unknown when not measured', () => {
    const targets = evaluateTargets('memory', headline, processes.slice(0, 1));
    expect(targets.map((t) => [t.name, t.met])).toEqual([
      ['throughput, memory transport', true],
      ['share of the gRPC ceiling', true],
      ['p99 at 1,000 orders/s', true],
      ['one hot merchant wallet', false],
      ['resident memory per process', true],
    ]);
    expect(evaluateTargets('redis', computeHeadline([], null, null, []), [])[0]).toMatchObject({ name: 'throughput, Redis transport', met: null });
  });

  it('does not count p99 at 1,000/s as met when the gateway shed calls or fewer than 950/s were answered', () => {
    const shed = { ...phase('pipeline', 'spread', { kind: 'open', ratePerSecond: 1000 }, 990, 12), errors: { RESOURCE_EXHAUSTED: 40 } };
    const slow = phase('pipeline', 'spread', { kind: 'open', ratePerSecond: 1000 }, 600, 12);
    for (const at1000 of [shed, slow]) {
      const target = evaluateTargets('memory', computeHeadline([at1000], null, null, []), []).find((t) => t.name === 'p99 at 1,000 orders/s');
      expect(target?.met).toBe(false);
    }
    expect(evaluateTargets('memory', computeHeadline([shed], null, null, []), []).find((t) => t.name === 'p99 at 1,000 orders/s')?.measured).toBe('12.0 ms (990/s answered, 40 calls failed or shed)');
  });

  it('charts open-loop phases only, one series per target and scenario', () => {
    expect(chartSeries(phases)).toEqual([{ label: 'paystream, 1,000 merchants', points: [{ x: 1000, p50: 2, p95: 5, p99: 42 }] }]);
  });

  it('prints one aligned row per phase', () => {
    const lines = formatPhaseTable(phases).split('\n');
    expect(lines).toHaveLength(2 + phases.length);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe('CPU accounting', () => {
  it('groups cores and CPU per order by process group, minus the shared servers’ background', () => {
    const u = [usage('pipeline:gateway', 2, 0.4, 100), usage('pipeline:ledger', 3, 0.6, 100), usage('mariadbd', 4, 0.8, null)];
    expect(coresByGroup(u)).toEqual({ pipeline: 1, mariadbd: 0.8 });
    // 5 s of pipeline CPU over 1,000 orders; MariaDB 4 s minus 0.2 cores × 5 s of background.
    expect(cpuMsPerOrder(u, 1000, 5, { mariadbd: 0.2 })).toEqual({ pipeline: 5, mariadbd: 3 });
    expect(cpuMsPerOrder(u, 0, 5)).toEqual({});
  });
});
