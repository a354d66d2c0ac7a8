/**
 * The end-to-end benchmark (`npm run bench`): the pipeline under load from a separate load
 * generator process, verified after every run, against the gRPC and database ceilings.
 */
export { runBench } from './bench.runner';
export type { BenchIo, BenchOutcome } from './bench.runner';
export { BenchUsageError, parseBenchOptions, USAGE } from './options';
export type { BenchOptions } from './options';
export { repositoryRoot } from './child.process';
export { formatProfileSummary, summarizeCpuProfile } from './cpu-profile.summary';
export type { ProfileSummary } from './cpu-profile.summary';
export type { BenchResult } from './bench.report';
