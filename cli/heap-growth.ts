import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';

/** How Node was started: its command-line flags and `NODE_OPTIONS`. */
export interface NodeStart {
  execArgv: readonly string[];
  nodeOptions: string | undefined;
}

/** What {@link applyHeapGrowth} did: set the growth, left V8's own (0), or left a flag the process was started with. */
export type HeapGrowthOutcome = { kind: 'set'; percent: number } | { kind: 'v8-default' } | { kind: 'given'; flag: string };

/**
 * Limits how far V8 lets the old generation grow past what its last full collection left live, to
 * `percent` % (100: at most twice the live heap). V8's own heuristic lets a heap this large grow to up to four
 * times the live data, so a busy process holds mostly garbage (a heap snapshot under load: 110 MB live
 * at 467 MiB resident). Unlike `--max-old-space-size` this sets no ceiling (a process that needs more
 * live memory gets it), and unlike it, V8 reads this flag at every full collection, so it can be set
 * from inside the process, with no launcher flags. `percent` 0 leaves V8's heuristic; a
 * `--heap-growing-percent` given on the command line or in `NODE_OPTIONS` wins over `percent`.
 */
export function applyHeapGrowth(percent: number, started: NodeStart): HeapGrowthOutcome {
  const given = [...started.execArgv, ...(started.nodeOptions ?? '').split(/\s+/)].find((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`));
  if (given !== undefined) return { kind: 'given', flag: given };
  if (percent === 0) return { kind: 'v8-default' };
  setFlagsFromString(`${FLAG}=${percent}`);
  return { kind: 'set', percent };
}
