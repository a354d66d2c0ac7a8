/**
 * Types shared by the end-to-end benchmark's orchestrator (`bench/pipeline.bench.ts`), its load
 * generator process and its report.
 */

export type TransportName = 'memory' | 'redis' | 'kafka';
export type PipelineMode = 'inproc' | 'roles';
/** How the pipeline processes run: TypeScript through tsx, or the compiled `dist/`. */
export type Runtime = 'tsx' | 'dist';
/** What a phase sends orders to: the real gateway, or the gRPC echo server (the gRPC ceiling). */
export type TargetName = 'pipeline' | 'echo';
/**
 * What a phase sends: orders over the merchants round robin (`spread`), orders to one hot merchant
 * wallet (`hot`), or wallet actions (TopUp, Use, Transfer) over WalletService (`wallet`).
 */
export type Scenario = 'spread' | 'hot' | 'wallet';

/** A load shape: a fixed arrival rate (open loop) or a fixed number of calls in flight (closed loop). */
export type LoadShape = { kind: 'open'; ratePerSecond: number } | { kind: 'closed'; concurrency: number };

export interface PhaseSpec {
  /** e.g. `pipeline/spread/open 1000/s`. */
  name: string;
  target: TargetName;
  scenario: Scenario;
  load: LoadShape;
  durationMs: number;
  /** Warm-up phases are run and verified but left out of the figures. */
  warmup: boolean;
}

/** Latency figures in milliseconds. Open loop: from each order's scheduled send time to its answer. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Status letters as answered to the client. Orders: Completed, Failed, Pending. Wallet actions:
 * Held, pOsted, Pending, Rejected (or released/voided).
 */
export type AnswerCode = 'C' | 'F' | 'P' | 'H' | 'O' | 'R';

/**
 * What an answer was about. `O` an order; wallet actions: `T` top-up of wallet A, `U` usage of A,
 * `X` transfer A → B, `B` top-up of wallet B (A and B: the two wallets of one merchant's pair).
 */
export type AnswerTag = 'O' | 'T' | 'U' | 'X' | 'B';

/** What a phase got an answer for, column-wise (cheap to send over IPC). */
export interface Accepted {
  /** Order ids, or action ids. */
  ids: string[];
  /** Orders: index into the merchant list (the hot merchant is the last); actions: index of the wallet pair. */
  merchants: number[];
  /** One {@link AnswerCode} per answer. */
  statuses: string;
  /** Orders: the net answered (0 unless COMPLETED); actions: the amount. */
  amounts: number[];
  /** One {@link AnswerTag} per answer. */
  tags: string;
}

/** What the load generator measured in one phase. */
export interface PhaseMeasurement {
  name: string;
  /** Calls started. */
  sent: number;
  /** Calls answered with an order (COMPLETED, FAILED or PENDING). */
  answered: number;
  completed: number;
  failed: number;
  /** Answered PENDING: the gateway's wait ran out before the final status. */
  pending: number;
  /** Calls that failed, by gRPC status name. */
  errors: Record<string, number>;
  /** The first error message seen for each status name. */
  errorSamples: Record<string, string>;
  /** Wall time from the first scheduled send to the last answer. */
  elapsedMs: number;
  /** Answers per second over `elapsedMs`. */
  answeredPerSecond: number;
  latency: LatencySummary;
  /** Open loop: how late the generator sent its most late request (its own lag, included in latency). */
  maxSendLagMs: number;
  /** Open loop: scheduled calls never sent because the target was overloaded (see the overload cut-off). */
  abandoned: number;
  accepted: Accepted;
}

/** CPU seconds and memory of one OS process over a phase or a run. */
export interface ProcessUsage {
  name: string;
  pid: number;
  cpuSeconds: number;
  /** cpuSeconds / wall seconds: 1.0 is one core busy. */
  cores: number;
  /** Peak resident set in MiB, when known: over a run its VmHWM, over a phase the largest VmRSS sampled in it. */
  peakRssMiB: number | null;
}

/** One measured phase as the report keeps it. */
export interface PhaseReport extends Omit<PhaseMeasurement, 'accepted'> {
  target: TargetName;
  scenario: Scenario;
  load: LoadShape;
  durationMs: number;
  /** After the phase: time until logger and notification had caught up (pipeline only). */
  drainMs: number | null;
  /** Orders fully through the pipeline (answers, audit log, notifications) per second of phase + drain. */
  drainedPerSecond: number | null;
  usage: ProcessUsage[];
  /**
   * CPU milliseconds per answered order by process group (pipeline, loadgen, mariadbd, redis-server,
   * echo), over phase + drain: unlike orders/s, hardly moved by other work on the machine.
   */
  cpuMsPerOrder: Record<string, number>;
  /** MariaDB counters per answered order (statements, commits, fsyncs…), net of the server's background; pipeline only. */
  mysqlPerOrder: Record<string, number> | null;
  /** 1-minute load average at the end of the phase: other work on the machine skews every figure. */
  loadAverage: number;
}
