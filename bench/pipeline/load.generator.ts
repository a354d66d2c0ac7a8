/**
 * The two load shapes, independent of gRPC: `submit` is the caller's. Open loop sends on a fixed
 * schedule and measures each call from its SCHEDULED send time, so a generator or server that falls
 * behind shows up as latency instead of silently lowering the load (no coordinated omission).
 * Closed loop keeps a fixed number of calls in flight and measures how many finish per second.
 */
import { LatencyRecorder } from './latency.stats';
import type { Accepted, AnswerCode, AnswerTag, LoadShape, PhaseMeasurement } from './types';

/** What one call came back with: an order or an action (its id, status, amount), or a gRPC error. */
export type CallOutcome = { kind: 'answer'; id: string; status: AnswerCode; amountMinor: number; tag: AnswerTag } | { kind: 'error'; code: string; detail?: string };

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  answered: number;
  inFlight: number;
  /** Answers per second over the last progress interval. */
  ratePerSecond: number;
  /** p99 of the latencies recorded so far in this phase (NaN before the first). */
  p99Ms: number;
}

export interface LoadRun {
  name: string;
  load: LoadShape;
  durationMs: number;
  /** Sends order number `seq` (0, 1, …); returns the merchant index used and the outcome. */
  submit(seq: number): { merchant: number; outcome: Promise<CallOutcome> };
  /** Open loop: never more calls than this in flight; later ones wait (and their wait counts as latency). */
  maxInFlight: number;
  /**
   * Open loop: give up sending once the calls in flight stand for more than this much waiting
   * (in flight > rate × cutoff, Little's law): the phase is overloaded and the rest of its schedule
   * is counted as abandoned rather than queued for minutes.
   */
  overloadCutoffMs: number;
  /** Monotonic milliseconds (performance.now). */
  now(): number;
  progressEveryMs: number;
  onProgress(progress: LoadProgress): void;
}

class PhaseState {
  readonly latencies = new LatencyRecorder();
  private readonly ids: string[] = [];
  private readonly merchants: number[] = [];
  private readonly amounts: number[] = [];
  private readonly statusCodes: AnswerCode[] = [];
  private readonly tags: AnswerTag[] = [];
  readonly errors: Record<string, number> = {};
  /** The first message seen for each error code. */
  readonly errorSamples: Record<string, string> = {};
  sent = 0;
  answered = 0;
  completed = 0;
  failed = 0;
  pending = 0;
  inFlight = 0;
  lastAnswerAt = 0;

  settle(merchant: number, outcome: CallOutcome, latencyMs: number, at: number): void {
    this.inFlight -= 1;
    this.lastAnswerAt = Math.max(this.lastAnswerAt, at);
    if (outcome.kind === 'error') {
      this.errors[outcome.code] = (this.errors[outcome.code] ?? 0) + 1;
      if (outcome.detail !== undefined && !(outcome.code in this.errorSamples)) this.errorSamples[outcome.code] = outcome.detail.slice(0, 300);
      return;
    }
    this.answered += 1;
    // Completed: an order COMPLETED or an action HELD or POSTED; failed: FAILED or REJECTED.
    if (outcome.status === 'C' || outcome.status === 'H' || outcome.status === 'O') this.completed += 1;
    else if (outcome.status === 'F' || outcome.status === 'R') this.failed += 1;
    else this.pending += 1;
    this.latencies.record(latencyMs);
    this.ids.push(outcome.id);
    this.merchants.push(merchant);
    this.statusCodes.push(outcome.status);
    this.amounts.push(outcome.amountMinor);
    this.tags.push(outcome.tag);
  }

  abandoned = 0;

  measurement(name: string, startedAt: number, maxSendLagMs: number): PhaseMeasurement {
    const elapsedMs = Math.max(1, this.lastAnswerAt - startedAt);
    return {
      name,
      sent: this.sent,
      answered: this.answered,
      completed: this.completed,
      failed: this.failed,
      pending: this.pending,
      errors: { ...this.errors },
      errorSamples: { ...this.errorSamples },
      elapsedMs,
      answeredPerSecond: (this.answered * 1000) / elapsedMs,
      latency: this.latencies.summary(),
      maxSendLagMs,
      abandoned: this.abandoned,
      accepted: { ids: this.ids, merchants: this.merchants, statuses: this.statusCodes.join(''), amounts: this.amounts, tags: this.tags.join('') } satisfies Accepted,
    };
  }
}

/** Runs one phase to its end (every call answered or failed) and returns what it measured. */
export async function runLoad(run: LoadRun): Promise<PhaseMeasurement> {
  const state = new PhaseState();
  const startedAt = run.now();
  state.lastAnswerAt = startedAt;
  let lastProgressAt = startedAt;
  let answeredAtLastProgress = 0;
  const progressTimer = setInterval(() => {
    const at = run.now();
    const done = state.answered + Object.values(state.errors).reduce((a, b) => a + b, 0);
    run.onProgress({
      elapsedMs: at - startedAt,
      sent: state.sent,
      answered: state.answered,
      inFlight: state.inFlight,
      ratePerSecond: ((done - answeredAtLastProgress) * 1000) / Math.max(1, at - lastProgressAt),
      p99Ms: state.latencies.count === 0 ? Number.NaN : state.latencies.percentile(99),
    });
    lastProgressAt = at;
    answeredAtLastProgress = done;
  }, run.progressEveryMs);
  try {
    const maxSendLagMs = run.load.kind === 'open' ? await openLoop(run, run.load.ratePerSecond, state, startedAt) : await closedLoop(run, run.load.concurrency, state, startedAt);
    return state.measurement(run.name, startedAt, maxSendLagMs);
  } finally {
    clearInterval(progressTimer);
  }
}

function send(run: LoadRun, state: PhaseState, seq: number, measuredFrom: number): Promise<void> {
  const { merchant, outcome } = run.submit(seq);
  state.sent += 1;
  state.inFlight += 1;
  return outcome.then(
    (result) => {
      const at = run.now();
      state.settle(merchant, result, at - measuredFrom, at);
    },
    (err: unknown) => {
      const at = run.now();
      state.settle(merchant, { kind: 'error', code: err instanceof Error ? err.name : 'UNKNOWN', detail: err instanceof Error ? err.message : String(err) }, at - measuredFrom, at);
    },
  );
}

/** Sends `rate × duration` calls on schedule; returns the largest lag behind schedule at send time. */
async function openLoop(run: LoadRun, ratePerSecond: number, state: PhaseState, startedAt: number): Promise<number> {
  if (!(ratePerSecond > 0)) throw new RangeError(`an open loop needs a rate > 0, got ${ratePerSecond}`);
  const total = Math.max(1, Math.round((ratePerSecond * run.durationMs) / 1000));
  const intervalMs = 1000 / ratePerSecond;
  const overloadedInFlight = Math.max(1, (ratePerSecond * run.overloadCutoffMs) / 1000);
  const calls: Promise<void>[] = [];
  let maxLag = 0;
  let seq = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = run.now();
      while (seq < total && state.inFlight < run.maxInFlight) {
        if (state.inFlight > overloadedInFlight) {
          state.abandoned = total - seq;
          resolve();
          return;
        }
        const scheduledAt = startedAt + seq * intervalMs;
        if (scheduledAt > now) break;
        maxLag = Math.max(maxLag, now - scheduledAt);
        calls.push(send(run, state, seq, scheduledAt));
        seq += 1;
      }
      if (seq >= total) {
        resolve();
        return;
      }
      // Timers fire at ~1 ms granularity: at 2,000/s each tick sends the two or so calls that came due.
      setTimeout(tick, Math.max(0, Math.min(10, startedAt + seq * intervalMs - run.now())));
    };
    tick();
  });
  await Promise.all(calls);
  return maxLag;
}

/** `concurrency` workers, each sending its next call when its previous one is answered, until the duration is up. */
async function closedLoop(run: LoadRun, concurrency: number, state: PhaseState, startedAt: number): Promise<number> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`a closed loop needs a concurrency >= 1, got ${concurrency}`);
  const endAt = startedAt + run.durationMs;
  let seq = 0;
  const worker = async (): Promise<void> => {
    while (run.now() < endAt) {
      const current = seq;
      seq += 1;
      await send(run, state, current, run.now());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return 0;
}
