/**
 * Messages between the orchestrator and its child processes (load generator, echo server), checked
 * with zod on arrival: IPC payloads are `unknown` until parsed.
 */
import { z } from 'zod';

const loadShape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), ratePerSecond: z.number().positive() }),
  z.object({ kind: z.literal('closed'), concurrency: z.number().int().positive() }),
]);

const phaseSpec = z.object({
  name: z.string(),
  target: z.enum(['pipeline', 'echo']),
  scenario: z.enum(['spread', 'hot', 'wallet']),
  load: loadShape,
  durationMs: z.number().int().positive(),
  warmup: z.boolean(),
});

/** NaN travels over JSON IPC as null. */
const maybeNumber = z.number().nullable().transform((v) => v ?? Number.NaN);

const latency = z.object({
  count: z.number(),
  min: maybeNumber,
  mean: maybeNumber,
  p50: maybeNumber,
  p95: maybeNumber,
  p99: maybeNumber,
  p999: maybeNumber,
  max: maybeNumber,
});

const measurement = z.object({
  name: z.string(),
  sent: z.number(),
  answered: z.number(),
  completed: z.number(),
  failed: z.number(),
  pending: z.number(),
  errors: z.record(z.number()),
  errorSamples: z.record(z.string()),
  elapsedMs: z.number(),
  answeredPerSecond: z.number(),
  latency,
  maxSendLagMs: z.number(),
  abandoned: z.number().int().nonnegative(),
  accepted: z.object({
    ids: z.array(z.string()),
    merchants: z.array(z.number().int()),
    statuses: z.string().regex(/^[CFPHOR]*$/),
    amounts: z.array(z.number().int()),
    tags: z.string().regex(/^[OTUXB]*$/),
  }),
});

/** Orchestrator → load generator. */
export const toLoadGenerator = z.discriminatedUnion('type', [
  /**
   * (Re)connect: one order client per merchant API key against `address` (the last key is the hot
   * merchant's), and a wallet client for each wallet pair's merchant.
   */
  z.object({
    type: z.literal('connect'),
    address: z.string(),
    apiKeys: z.array(z.string()).min(2),
    walletPairs: z.array(z.object({ merchant: z.number().int().nonnegative(), a: z.string(), b: z.string() })),
    timeoutMs: z.number().int().positive(),
    maxInFlight: z.number().int().positive(),
    overloadCutoffMs: z.number().int().positive(),
  }),
  z.object({ type: z.literal('run'), phase: phaseSpec }),
  z.object({ type: z.literal('exit') }),
]);
export type ToLoadGenerator = z.infer<typeof toLoadGenerator>;

/** Load generator → orchestrator. */
export const fromLoadGenerator = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connected') }),
  z.object({
    type: z.literal('progress'),
    phase: z.string(),
    elapsedMs: z.number(),
    sent: z.number(),
    answered: z.number(),
    inFlight: z.number(),
    ratePerSecond: z.number(),
    p99Ms: maybeNumber,
  }),
  z.object({ type: z.literal('done'), measurement }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FromLoadGenerator = z.infer<typeof fromLoadGenerator>;

/** Echo server → orchestrator. */
export const fromEchoServer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('listening'), port: z.number().int().positive() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type FromEchoServer = z.infer<typeof fromEchoServer>;
