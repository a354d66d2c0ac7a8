/**
 * What the pipeline's own pino logs say about a run: batch sizes of the processors that log one line
 * per batch (payment, ledger), and every warning or error by message (retries, redeliveries, lock
 * trouble) — evidence for where time went that the CPU profile does not show.
 */

/** Processors' per-batch log lines and the field holding the batch's size. */
const BATCH_LINES: Record<string, string> = {
  'payments recorded': 'orders',
  'ledger batch committed': 'events',
};

export interface BatchStats {
  message: string;
  batches: number;
  meanSize: number;
  maxSize: number;
  /** Share of batches with at most 4 items: batching that does not amortise its transaction. */
  smallShare: number;
  /** Mean time between consecutive batches while busy (gaps over 1 s left out), ms. */
  meanIntervalMs: number | null;
}

export interface LogSummary {
  lines: number;
  batches: BatchStats[];
  /** Warnings and errors by message. */
  problems: { level: string; message: string; count: number }[];
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

function record(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function listOf(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}

export function summarizeLogs(text: string): LogSummary {
  const sizes = new Map<string, number[]>();
  const times = new Map<string, number[]>();
  const problems = new Map<string, { level: string; message: string; count: number }>();
  let lines = 0;
  for (const line of text.split('\n')) {
    const entry = record(line);
    if (entry === undefined) continue;
    lines += 1;
    const message = typeof entry.msg === 'string' ? entry.msg : '';
    const level = typeof entry.level === 'number' ? entry.level : 30;
    const sizeField = BATCH_LINES[message];
    const size = sizeField === undefined ? undefined : entry[sizeField];
    if (typeof size === 'number') {
      listOf(sizes, message).push(size);
      const at = typeof entry.time === 'string' ? Date.parse(entry.time) : typeof entry.time === 'number' ? entry.time : Number.NaN;
      if (Number.isFinite(at)) listOf(times, message).push(at);
    }
    if (level >= 40) {
      const key = `${level}\u0000${message}`;
      const found = problems.get(key) ?? { level: LEVELS[level] ?? String(level), message, count: 0 };
      found.count += 1;
      problems.set(key, found);
    }
  }
  const batches: BatchStats[] = [...sizes.entries()].map(([message, values]) => {
    const stamps = times.get(message) ?? [];
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t)).filter((g) => g >= 0 && g <= 1000);
    return {
      message,
      batches: values.length,
      meanSize: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10,
      maxSize: values.reduce((a, b) => Math.max(a, b), 0),
      smallShare: Math.round((values.filter((v) => v <= 4).length / values.length) * 100) / 100,
      meanIntervalMs: gaps.length === 0 ? null : Math.round((gaps.reduce((a, b) => a + b, 0) / gaps.length) * 10) / 10,
    };
  });
  return { lines, batches, problems: [...problems.values()].sort((a, b) => b.count - a.count) };
}
