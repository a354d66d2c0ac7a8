/** Which phases a run has, in order. */
import type { BenchOptions } from './options';
import type { LoadShape, PhaseSpec, Scenario, TargetName } from './types';

function phase(target: TargetName, scenario: Scenario, load: LoadShape, durationMs: number, warmup = false): PhaseSpec {
  const shape = load.kind === 'open' ? `open ${load.ratePerSecond}/s` : `closed ${load.concurrency}`;
  return { name: `${target}/${scenario}/${warmup ? 'warm-up ' : ''}${shape}`, target, scenario, load, durationMs, warmup };
}

/**
 * Against the pipeline: a warm-up; closed-loop concurrencies (rising) over the merchants, then on the
 * hot merchant wallet; then the open-loop rates (rising) over the merchants and on the hot wallet; then
 * wallet actions (the runner takes them last, after the rows an order writes are counted). The open
 * loop goes past capacity after the closed loops, so the backlog and the database work an overload
 * leaves behind (InnoDB purge and page flushing) do not weigh on the maximum-throughput phases.
 */
export function pipelinePhases(options: BenchOptions): PhaseSpec[] {
  const rising = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
  return [
    phase('pipeline', 'spread', { kind: 'closed', concurrency: 16 }, options.warmupMs, true),
    ...rising(options.concurrency).map((c) => phase('pipeline', 'spread', { kind: 'closed', concurrency: c }, options.closedMs)),
    ...rising(options.hotConcurrency).map((c) => phase('pipeline', 'hot', { kind: 'closed', concurrency: c }, options.closedMs)),
    ...rising(options.rates).map((rate) => phase('pipeline', 'spread', { kind: 'open', ratePerSecond: rate }, options.openMs)),
    ...rising(options.hotRates).map((rate) => phase('pipeline', 'hot', { kind: 'open', ratePerSecond: rate }, options.openMs)),
    ...rising(options.walletConcurrency).map((c) => phase('pipeline', 'wallet', { kind: 'closed', concurrency: c }, options.closedMs)),
  ];
}

/** Against the echo server (the gRPC ceiling): the same rates and concurrencies, shorter (nothing to drain). */
export function echoPhases(options: BenchOptions): PhaseSpec[] {
  const short = Math.min(options.closedMs, options.quick ? 2_000 : 10_000);
  return [
    phase('echo', 'spread', { kind: 'closed', concurrency: 16 }, Math.min(options.warmupMs, options.quick ? 1_000 : 3_000), true),
    ...[...options.rates].sort((a, b) => a - b).map((rate) => phase('echo', 'spread', { kind: 'open', ratePerSecond: rate }, short)),
    ...[...options.concurrency].sort((a, b) => a - b).map((c) => phase('echo', 'spread', { kind: 'closed', concurrency: c }, short)),
  ];
}
