import type { Logger } from 'pino';
import { ErpError } from '../erp.errors';
import { createErpSimulator } from './erp-simulator.server';
import type { RejectionRule } from './options';

/** What `paystream start erp-simulator` reads from its configuration (env names in brackets). */
export interface ErpSimulatorRoleOptions {
  /** [ERP_SIM_PORT] default 8090. */
  port?: number;
  /** [ERP_SIM_HOST] default 0.0.0.0. */
  host?: string;
  /** [ERP_WEBHOOK_URL] where decisions are POSTed, e.g. `http://127.0.0.1:8080/erp/webhooks`; none when absent. */
  webhookUrl?: string;
  /** [ERP_WEBHOOK_SECRET] required with a webhook URL. */
  webhookSecret?: string;
  /** [ERP_SIM_LATENCY_MS] default 0. */
  latencyMs?: number;
  /** [ERP_SIM_FAILURE_RATE] 0..1, default 0. */
  failureRate?: number;
  /** [ERP_SIM_CONFIRM_DELAY_MS] default 50. */
  confirmDelayMs?: number;
  /** [ERP_SIM_REJECT_MEMO_CONTAINS] reject entries whose memo contains this. */
  rejectMemoContains?: string;
  /** [ERP_SIM_REJECT_AMOUNT_ABOVE] reject entries moving more minor units than this. */
  rejectAmountAbove?: number;
}

export interface RunningErpSimulator {
  url: string;
  stop(): Promise<void>;
}

export const ERP_SIMULATOR_ROLE_DEFAULTS = { port: 8090, host: '0.0.0.0' } as const;

/** Starts the ERP simulator as a process role. Throws `ERP_INVALID_OPTIONS` for unusable options. */
export async function startErpSimulatorRole(options: ErpSimulatorRoleOptions, logger: Logger): Promise<RunningErpSimulator> {
  if (options.webhookUrl !== undefined && (options.webhookSecret === undefined || options.webhookSecret === '')) {
    throw new ErpError('ERP_INVALID_OPTIONS', 'ERP simulator: ERP_WEBHOOK_URL needs ERP_WEBHOOK_SECRET');
  }
  const rules: RejectionRule[] = [];
  if (options.rejectMemoContains !== undefined && options.rejectMemoContains !== '') rules.push({ memoContains: options.rejectMemoContains });
  if (options.rejectAmountAbove !== undefined) rules.push({ amountAbove: options.rejectAmountAbove });
  const simulator = createErpSimulator({
    logger,
    rejectionRules: rules,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.failureRate === undefined ? {} : { failureRate: options.failureRate }),
    ...(options.confirmDelayMs === undefined ? {} : { confirmDelayMs: options.confirmDelayMs }),
    ...(options.webhookUrl === undefined || options.webhookSecret === undefined ? {} : { webhook: { url: options.webhookUrl, secret: options.webhookSecret } }),
  });
  const url = await simulator.start(options.port ?? ERP_SIMULATOR_ROLE_DEFAULTS.port, options.host ?? ERP_SIMULATOR_ROLE_DEFAULTS.host);
  logger.info({ url, webhook: options.webhookUrl ?? null, rules: rules.length }, 'ERP simulator started');
  return { url, stop: () => simulator.stop() };
}
