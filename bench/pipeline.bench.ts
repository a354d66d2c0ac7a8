/**
 * End-to-end throughput and latency: `npm run bench` (options: `npm run bench -- --help`). Starts
 * the pipeline as its own process(es) and a load generator in another, runs open- and closed-loop
 * phases, verifies every accepted order in MySQL, measures the gRPC and database ceilings, and
 * writes bench/results/latest.{json,svg,md} plus timestamped copies.
 */
import { BenchUsageError, parseBenchOptions, repositoryRoot, runBench, USAGE } from './pipeline';

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parseBenchOptions(argv);
  const tty = process.stderr.isTTY;
  let lastProgressAt = 0;
  const { exitCode } = await runBench(options, repositoryRoot(), {
    log: (line) => {
      if (tty) process.stderr.write('\r\x1b[K');
      process.stdout.write(`${line}\n`);
    },
    progress: (line) => {
      if (tty) {
        process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      } else if (line !== '' && Date.now() - lastProgressAt >= 5_000) {
        // Not a terminal (CI, a pipe): one progress line every 5 s instead of a live one.
        lastProgressAt = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
  });
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof BenchUsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof BenchUsageError ? 2 : 1;
  },
);
