/**
 * Summarizes `.cpuprofile` files (from `node --cpu-prof`, or `npm run bench -- --profile`):
 * `node --import tsx bench/cpu-profile.cli.ts <file.cpuprofile>… [--top 30]`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProfileSummary, repositoryRoot, summarizeCpuProfile } from './pipeline';

const USAGE = 'usage: node --import tsx bench/cpu-profile.cli.ts <file.cpuprofile>… [--top 30] [--root <dir>]\n';

function main(): void {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (err) {
    // An unknown option or a missing value: say which, then how to call it.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const top = Number(values.top ?? 30);
  if (positionals.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const root = values.root ?? repositoryRoot();
  for (const file of positionals) {
    const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as unknown, { root, top });
    process.stdout.write(`${formatProfileSummary(file, summary, 25)}\n\n`);
  }
}

function parseOptions() {
  return parseArgs({ options: { top: { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
}

main();
