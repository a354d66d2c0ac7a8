/**
 * Summarizes `.cpuprofile` files (from `node --cpu-prof`, or `npm run bench -- --profile`):
 * `node --import tsx bench/cpu-profile.cli.ts <file.cpuprofile>… [--top 30]`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProfileSummary, repositoryRoot, summarizeCpuProfile } from './pipeline';

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' }, root: { type: 'string' } }, allowPositionals: true });
  const top = Number(values.top ?? 30);
  if (positionals.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: node --import tsx bench/cpu-profile.cli.ts <file.cpuprofile>… [--top 30] [--root <dir>]\n');
    process.exitCode = 2;
    return;
  }
  const root = values.root ?? repositoryRoot();
  for (const file of positionals) {
    const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as unknown, { root, top });
    process.stdout.write(`${formatProfileSummary(file, summary, 25)}\n\n`);
  }
}

main();
