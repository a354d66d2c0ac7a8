import type { PspClock } from './types';

export interface SimulatorPspOptions {
  /** Delay before every answer, in ms (default 0). */
  latencyMs?: number;
  /** Share of ordinary `tok_…` tokens declined, 0..1 (default 0). */
  declineRate?: number;
  /** Uniform random numbers in [0, 1) deciding the decline rate (default `Math.random`). */
  random?: () => number;
  /** Sleeps for the latency (default: real timers). */
  clock?: PspClock;
  /**
   * Most orders remembered for idempotency, least recently used forgotten first (default 100,000: at
   * 1,000 orders/s the last 100 s, longer than paystream's redeliveries take; about 11 MB of heap).
   */
  idempotencyCapacity?: number;
}

export interface HttpPspOptions {
  /** Base URL of the PSP API, e.g. `https://psp.example.com`; captures go to `${baseUrl}/v1/captures`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Deadline of one call, response body included, in ms (default 10,000). */
  timeoutMs?: number;
  /** Most calls in flight at once; further calls wait their turn (default 64). */
  maxConcurrent?: number;
}

export const SIMULATOR_DEFAULTS = { latencyMs: 0, declineRate: 0, idempotencyCapacity: 100_000 } as const;
export const HTTP_PSP_DEFAULTS = { timeoutMs: 10_000, maxConcurrent: 64 } as const;
