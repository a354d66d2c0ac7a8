import type { Logger } from 'pino';
import { z } from 'zod';
import { ErpError } from '../erp.errors';

/**
 * A rule that makes the simulator reject matching entries when it decides them (asynchronously, after
 * the confirmation delay). Every condition given must hold; an entry is rejected if any rule matches.
 */
export interface RejectionRule {
  /** The memo contains this text. */
  memoContains?: string;
  /** The entry moves more than this many minor units (its debit total). */
  amountAbove?: number;
  /** A line names this account. */
  account?: string;
  /** The rejection reason (default: a description of the rule). */
  reason?: string;
}

export interface SimulatorWebhookOptions {
  /** Where decisions are POSTed. */
  url: string;
  /** HMAC-SHA256 key of the `X-Erp-Signature` header. */
  secret: string;
  /** Attempts per decision, the first included (default 5). */
  maxAttempts?: number;
  /** Wait before the second attempt; doubles per attempt up to `maxBackoffMs` (defaults 200 ms, 5,000 ms). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deadline of one delivery (default 5,000 ms). */
  timeoutMs?: number;
  /** Most decisions in one delivery (default 100; the gateway's route takes up to 500). */
  maxBatch?: number;
  /** How long the first queued decision waits for others to join its delivery (default 5 ms). */
  batchWaitMs?: number;
}

export interface ErpSimulatorOptions {
  /** Delay before every answer, in ms (default 0). */
  latencyMs?: number;
  /** Share of requests answered 503, 0..1 (default 0). */
  failureRate?: number;
  /**
   * How long an entry stays PENDING before the simulator decides it (CONFIRMED, or REJECTED by a rule),
   * in ms (default 50). `null`: never on its own; tests decide with `state.decide` / `state.settlePending`.
   */
  confirmDelayMs?: number | null;
  rejectionRules?: readonly RejectionRule[];
  /** Entries matching one of these are refused at once: 422 `{ code: 'REFUSED_BY_RULE', message: <reason> }`. */
  validationRules?: readonly RejectionRule[];
  /** Signed webhooks on every decision; none when absent. */
  webhook?: SimulatorWebhookOptions;
  /** Entries per page of a list when the caller names none (default 100; callers may ask up to 500). */
  pageSize?: number;
  /** Uniform random numbers in [0, 1) deciding the failure rate (default `Math.random`). */
  random?: () => number;
  /** Current time, epoch ms (default `Date.now`). */
  now?: () => number;
  logger?: Logger;
}

export const ERP_SIMULATOR_DEFAULTS = {
  latencyMs: 0,
  failureRate: 0,
  confirmDelayMs: 50,
  pageSize: 100,
  maxPageSize: 500,
  webhookMaxAttempts: 5,
  webhookInitialBackoffMs: 200,
  webhookMaxBackoffMs: 5_000,
  webhookTimeoutMs: 5_000,
  webhookMaxBatch: 100,
  webhookBatchWaitMs: 5,
} as const;

const MAX_TIMER_MS = 2_147_483_647;
const ms = z.number().int().min(0).max(MAX_TIMER_MS);

const ruleSchema = z
  .object({
    memoContains: z.string().min(1).optional(),
    amountAbove: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    account: z.string().min(1).optional(),
    reason: z.string().min(1).max(500).optional(),
  })
  .strict()
  .refine((rule) => rule.memoContains !== undefined || rule.amountAbove !== undefined || rule.account !== undefined, {
    message: 'a rejection rule needs memoContains, amountAbove or account',
  });

const webhookSchema = z
  .object({
    url: z.string().url(),
    secret: z.string().min(1),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    initialBackoffMs: ms.optional(),
    maxBackoffMs: ms.optional(),
    timeoutMs: ms.min(1).optional(),
    maxBatch: z.number().int().min(1).max(500).optional(),
    batchWaitMs: ms.optional(),
  })
  .strict();

/** The tunable settings, as validated; what `state.configure` changes at run time. */
export interface SimulatorSettings {
  latencyMs: number;
  failureRate: number;
  confirmDelayMs: number | null;
  rejectionRules: RejectionRule[];
  validationRules: RejectionRule[];
  webhook: Required<SimulatorWebhookOptions> | null;
}

export type SimulatorSettingsPatch = Partial<Omit<SimulatorSettings, 'webhook' | 'rejectionRules' | 'validationRules'>> & {
  rejectionRules?: readonly RejectionRule[];
  validationRules?: readonly RejectionRule[];
  webhook?: SimulatorWebhookOptions | null;
};

/** Validates a change of settings; throws `ERP_INVALID_OPTIONS` naming the bad option. */
export function applySettings(current: SimulatorSettings, patch: SimulatorSettingsPatch): SimulatorSettings {
  const next: SimulatorSettings = { ...current };
  if (patch.latencyMs !== undefined) next.latencyMs = check('latencyMs', ms, patch.latencyMs);
  if (patch.failureRate !== undefined) next.failureRate = check('failureRate', z.number().min(0).max(1), patch.failureRate);
  if (patch.confirmDelayMs !== undefined) next.confirmDelayMs = check('confirmDelayMs', ms.nullable(), patch.confirmDelayMs);
  if (patch.rejectionRules !== undefined) next.rejectionRules = check('rejectionRules', z.array(ruleSchema), [...patch.rejectionRules]).map(withoutUndefined);
  if (patch.validationRules !== undefined) next.validationRules = check('validationRules', z.array(ruleSchema), [...patch.validationRules]).map(withoutUndefined);
  if (patch.webhook !== undefined) {
    const webhook = patch.webhook === null ? null : check('webhook', webhookSchema, patch.webhook);
    next.webhook =
      webhook === null
        ? null
        : {
            url: webhook.url,
            secret: webhook.secret,
            maxAttempts: webhook.maxAttempts ?? ERP_SIMULATOR_DEFAULTS.webhookMaxAttempts,
            initialBackoffMs: webhook.initialBackoffMs ?? ERP_SIMULATOR_DEFAULTS.webhookInitialBackoffMs,
            maxBackoffMs: webhook.maxBackoffMs ?? ERP_SIMULATOR_DEFAULTS.webhookMaxBackoffMs,
            timeoutMs: webhook.timeoutMs ?? ERP_SIMULATOR_DEFAULTS.webhookTimeoutMs,
            maxBatch: webhook.maxBatch ?? ERP_SIMULATOR_DEFAULTS.webhookMaxBatch,
            batchWaitMs: webhook.batchWaitMs ?? ERP_SIMULATOR_DEFAULTS.webhookBatchWaitMs,
          };
  }
  return next;
}

export function initialSettings(options: ErpSimulatorOptions): SimulatorSettings {
  return applySettings(
    { latencyMs: ERP_SIMULATOR_DEFAULTS.latencyMs, failureRate: ERP_SIMULATOR_DEFAULTS.failureRate, confirmDelayMs: ERP_SIMULATOR_DEFAULTS.confirmDelayMs, rejectionRules: [], validationRules: [], webhook: null },
    {
      ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
      ...(options.failureRate === undefined ? {} : { failureRate: options.failureRate }),
      ...(options.confirmDelayMs === undefined ? {} : { confirmDelayMs: options.confirmDelayMs }),
      ...(options.rejectionRules === undefined ? {} : { rejectionRules: options.rejectionRules }),
      ...(options.validationRules === undefined ? {} : { validationRules: options.validationRules }),
      ...(options.webhook === undefined ? {} : { webhook: options.webhook }),
    },
  );
}

export function resolvePageSize(pageSize: number | undefined): number {
  return check('pageSize', z.number().int().min(1).max(ERP_SIMULATOR_DEFAULTS.maxPageSize), pageSize ?? ERP_SIMULATOR_DEFAULTS.pageSize);
}

function check<T extends z.ZodTypeAny>(name: string, schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '' : `.${issue.path.join('.')}`;
    throw new ErpError('ERP_INVALID_OPTIONS', `ERP simulator: ${name}${path} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data as z.infer<T>;
}

function withoutUndefined(rule: z.infer<typeof ruleSchema>): RejectionRule {
  return {
    ...(rule.memoContains === undefined ? {} : { memoContains: rule.memoContains }),
    ...(rule.amountAbove === undefined ? {} : { amountAbove: rule.amountAbove }),
    ...(rule.account === undefined ? {} : { account: rule.account }),
    ...(rule.reason === undefined ? {} : { reason: rule.reason }),
  };
}
