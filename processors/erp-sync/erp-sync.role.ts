import type { Logger } from 'pino';
import type { ErpClient } from '../../integrations/erp';
import type { EventCodec } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import type { RetryPolicy, Transport } from '../../streams';
import { createOutboxPublisher, runProcessor, type OutboxPublisher } from '../runtime';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker';
import { createErpPoller } from './erp-poller';
import { createErpSender } from './erp-sender';
import { createErpSyncProcessor } from './erp-sync.processor';
import { ERP_SYNC_NAME, resolveErpSyncOptions, type ErpSyncOptions } from './options';
import type { WorkLoop } from './work-loop';

export interface ErpSyncRoleDeps {
  pool: Pool;
  transport: Transport;
  codec: EventCodec;
  logger: Logger;
  erp: ErpClient;
  options?: ErpSyncOptions;
  /** Passed to `runProcessor` for the wallet.updates consumer. */
  maxBatchSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Outbox relay timing (defaults of `createOutboxPublisher`). */
  relayAfterMs?: number;
  relayEveryMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface RunningErpSync {
  sender: WorkLoop;
  poller: WorkLoop;
  breaker: CircuitBreaker;
  /** The outbox publisher of producer `erp-sync` (its relay also publishes what the webhook route and reconciliation left). */
  outbox: OutboxPublisher;
  /** Stops consuming (draining the batch in flight), then the loops, then the relay. */
  stop(): Promise<void>;
}

/**
 * The erp-sync role: the wallet.updates consumer, the sender and poller loops sharing one circuit
 * breaker, and the outbox relay of producer `erp-sync`. Several processes may run it: the consumer
 * group splits the partitions and the loops share rows through `FOR UPDATE SKIP LOCKED` and leases.
 */
export async function startErpSyncRole(deps: ErpSyncRoleDeps): Promise<RunningErpSync> {
  const options = resolveErpSyncOptions(deps.options);
  const log = deps.logger.child({ role: ERP_SYNC_NAME });
  const now = deps.now ?? Date.now;
  const breaker = createCircuitBreaker({
    failureThreshold: options.breakerThreshold,
    cooldownMs: options.breakerCooldownMs,
    now,
    onStateChange: (state, previous) => (state === 'OPEN' ? log.warn({ state, previous }, 'ERP circuit opened') : log.info({ state, previous }, 'ERP circuit changed')),
  });
  const outbox = createOutboxPublisher({
    pool: deps.pool,
    transport: deps.transport,
    producer: ERP_SYNC_NAME,
    logger: deps.logger,
    ...(deps.relayAfterMs === undefined ? {} : { relayAfterMs: deps.relayAfterMs }),
    ...(deps.relayEveryMs === undefined ? {} : { relayEveryMs: deps.relayEveryMs }),
  });
  const loopDeps = { pool: deps.pool, codec: deps.codec, outbox, logger: log, breaker, erp: deps.erp, options, now, ...(deps.random === undefined ? {} : { random: deps.random }) };
  const sender = createErpSender(loopDeps);
  const poller = createErpPoller(loopDeps);
  const processor = createErpSyncProcessor({ pool: deps.pool, logger: deps.logger, onWork: () => sender.wake(), now });
  const subscription = await runProcessor(processor, {
    transport: deps.transport,
    codec: deps.codec,
    logger: deps.logger,
    ...(deps.maxBatchSize === undefined ? {} : { maxBatchSize: deps.maxBatchSize }),
    ...(deps.retry === undefined ? {} : { retry: deps.retry }),
  });
  outbox.start();
  sender.start();
  poller.start();
  log.info({ options }, 'erp-sync started');
  return {
    sender,
    poller,
    breaker,
    outbox,
    async stop() {
      await subscription.close();
      await Promise.all([sender.stop(), poller.stop()]);
      await outbox.stop();
      log.info('erp-sync stopped');
    },
  };
}
