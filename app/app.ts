import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError, type AppConfig } from '../config';
import { createGateway, type GatewayPorts } from '../gateway';
import { createSmtpEmailSender, type ClosableEmailSender } from '../integrations/email';
import { createHttpErpClient, startErpSimulatorRole } from '../integrations/erp';
import { createHttpPsp, createSimulatorPsp, type PaymentProvider } from '../integrations/psp';
import { createTwilioSmsSender, type SmsSender } from '../integrations/sms';
import { startDeadLetterRecorder } from '../processors/dead-letters';
import { createErpWebhookRoute, startErpSyncRole } from '../processors/erp-sync';
import { createLedgerProcessor } from '../processors/ledger';
import { createLoggerProcessor } from '../processors/logger';
import { createNotificationProcessor } from '../processors/notification';
import { createPaymentProcessor } from '../processors/payment';
import { createOutboxPublisher, createOutputPublisher, runProcessor, type OutboxPublisher, type Processor } from '../processors/runtime';
import { createEventCodec, type EventCodec } from '../schemas';
import { createMysqlPool, ensureDatabase, migrate, type Pool } from '../storage/mysql';
import { createTransport, type MemoryTransport, type Subscription, type Transport } from '../streams';
import type { Role } from './roles';

export interface RunningApp {
  /** Bound ports when the gateway role runs. */
  ports: GatewayPorts | undefined;
  transport: Transport;
  pool: Pool;
  /** Graceful stop: stop accepting, drain in-flight work, commit, close. */
  stop(): Promise<void>;
}

export interface StartAppOptions {
  config: AppConfig;
  roles: readonly Role[];
  logger: Logger;
  /** Use this transport instead of building one from the configuration (tests share one memory transport). */
  transport?: Transport;
}

/** Builds the transport the configuration names. */
export async function buildTransport(config: AppConfig, logger: Logger): Promise<Transport> {
  const onError = (err: Error): void => logger.warn({ err }, 'transport error; retrying');
  switch (config.TRANSPORT) {
    case 'memory':
      return createTransport({ name: 'memory', partitions: config.PARTITIONS, lingerMs: config.BATCH_LINGER_MS }, { logger });
    case 'redis':
      return createTransport({ name: 'redis', url: config.REDIS_URL, prefix: config.REDIS_PREFIX, partitions: config.PARTITIONS, visibilityTimeoutMs: config.REDIS_VISIBILITY_TIMEOUT_MS, onError }, { logger });
    case 'kafka':
      return createTransport(
        {
          name: 'kafka',
          brokers: config.KAFKA_BROKERS.split(','),
          clientId: config.KAFKA_CLIENT_ID,
          partitions: config.PARTITIONS,
          replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        },
        { logger },
      );
    case 'pulsar':
      return createTransport(
        {
          name: 'pulsar',
          url: config.PULSAR_URL,
          tenant: config.PULSAR_TENANT,
          namespace: config.PULSAR_NAMESPACE,
          ...(config.PULSAR_AUTH_TOKEN === undefined ? {} : { authToken: config.PULSAR_AUTH_TOKEN }),
        },
        { logger },
      );
  }
}

function buildPsp(config: AppConfig): PaymentProvider {
  if (config.PSP_URL !== undefined) {
    return createHttpPsp({ baseUrl: config.PSP_URL, ...(config.PSP_API_KEY === undefined ? {} : { apiKey: config.PSP_API_KEY }) });
  }
  return createSimulatorPsp({ latencyMs: config.PSP_SIM_LATENCY_MS, declineRate: config.PSP_SIM_DECLINE_RATE });
}

/**
 * The composition root: one pool, one transport, one codec per process; the processors and the
 * gateway of the requested roles on top of them.
 */
export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const { config, roles, logger } = options;
  await ensureDatabase(config.MYSQL_URL);
  const pool = createMysqlPool({ url: config.MYSQL_URL, connectionLimit: config.MYSQL_POOL_SIZE });
  const applied = await migrate(pool);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const ownTransport = options.transport === undefined;
  const transport = options.transport ?? (await buildTransport(config, logger));
  const codec: EventCodec = createEventCodec();

  const subscriptions: Subscription[] = [];
  const publishers: OutboxPublisher[] = [];
  const closers: (() => Promise<void>)[] = [];
  const outboxFor = (producer: string): OutboxPublisher => {
    const outbox = createOutboxPublisher({ pool, transport, producer, logger });
    outbox.start();
    publishers.push(outbox);
    return outbox;
  };
  // Processors publish their outputs themselves after each commit (a redelivered input publishes them
  // again from what was recorded); a relay per producer still publishes any outbox rows an earlier
  // version left unpublished.
  const publish = createOutputPublisher(transport);
  const run = async (processor: Processor): Promise<void> => {
    subscriptions.push(await runProcessor(processor, { transport, codec, logger, maxBatchSize: config.BATCH_SIZE }));
  };

  try {
    for (const producer of ['payment', 'ledger', 'notification'] as const) if (roles.includes(producer)) outboxFor(producer);
    if (roles.includes('payment')) {
      await run(createPaymentProcessor({ pool, psp: buildPsp(config), publish, codec, logger, options: {} }));
    }
    if (roles.includes('ledger')) {
      await run(createLedgerProcessor({ pool, publish, codec, logger, options: { feeBps: config.PLATFORM_FEE_BPS } }));
    }
    if (roles.includes('logger')) {
      await run(createLoggerProcessor({ pool, logger }));
      subscriptions.push(await startDeadLetterRecorder({ pool, transport, logger }));
    }
    if (roles.includes('notification')) {
      let email: ClosableEmailSender | undefined;
      let sms: SmsSender | undefined;
      if (config.SMTP_URL !== undefined) {
        const sender = createSmtpEmailSender({ url: config.SMTP_URL, from: config.SMTP_FROM });
        closers.push(() => sender.close());
        email = sender;
      }
      if (config.SMS_URL !== undefined) sms = createTwilioSmsSender({ url: config.SMS_URL, from: config.SMS_FROM });
      if (email === undefined) logger.warn('SMTP_URL is not set: emails are recorded as NOT_CONFIGURED');
      if (sms === undefined) logger.warn('SMS_URL is not set: SMS are recorded as NOT_CONFIGURED');
      await run(
        createNotificationProcessor({
          pool,
          publish,
          codec,
          logger,
          ...(email === undefined ? {} : { email }),
          ...(sms === undefined ? {} : { sms }),
          options: { maxConcurrentSends: 16 },
        }),
      );
    }
  } catch (err) {
    await Promise.allSettled(subscriptions.map((s) => s.close()));
    await Promise.allSettled(publishers.map((p) => p.stop()));
    if (ownTransport) await transport.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw err;
  }

  // One process running the gateway and the ERP simulator (npm start) signs webhooks with a
  // secret of its own when none is configured; separate processes must share ERP_WEBHOOK_SECRET.
  const webhookSecret =
    config.ERP_WEBHOOK_SECRET ?? (roles.includes('gateway') && roles.includes('erp-simulator') ? randomBytes(32).toString('hex') : undefined);
  if (roles.includes('gateway') && webhookSecret === undefined) logger.warn('ERP_WEBHOOK_SECRET is not set: POST /erp/webhooks is off; ERP answers arrive by polling');

  let ports: GatewayPorts | undefined;
  let gateway: ReturnType<typeof createGateway> | undefined;
  if (roles.includes('gateway')) {
    gateway = createGateway({
      pool,
      transport,
      codec,
      logger,
      routes: webhookSecret === undefined ? [] : [createErpWebhookRoute({ pool, transport, codec, logger, secret: webhookSecret, toleranceSeconds: config.ERP_WEBHOOK_TOLERANCE_S })],
      options: {
        grpcPort: config.GRPC_PORT,
        httpPort: config.HTTP_PORT,
        host: config.GRPC_HOST,
        // Stable across restarts (the gateway's consumer group is named after it), distinct between replicas on one host.
        instanceId: `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${config.GRPC_PORT === 0 ? randomUUID().slice(0, 8) : config.GRPC_PORT}`,
        submitWaitMs: config.SUBMIT_WAIT_MS,
        maxInFlight: config.GATEWAY_MAX_IN_FLIGHT,
        maxBacklog: config.GATEWAY_MAX_BACKLOG,
      },
    });
    ports = await gateway.start();
    logger.info(ports, 'gateway listening');
  }

  let erpUrl = config.ERP_URL;
  if (roles.includes('erp-simulator')) {
    const webhookUrl = config.ERP_WEBHOOK_URL ?? (ports === undefined ? undefined : `http://127.0.0.1:${ports.httpPort}/erp/webhooks`);
    const simulator = await startErpSimulatorRole(
      {
        port: config.ERP_SIM_PORT,
        host: config.ERP_SIM_HOST,
        ...(webhookUrl === undefined || webhookSecret === undefined ? {} : { webhookUrl, webhookSecret }),
        latencyMs: config.ERP_SIM_LATENCY_MS,
        failureRate: config.ERP_SIM_FAILURE_RATE,
        confirmDelayMs: config.ERP_SIM_CONFIRM_DELAY_MS,
        ...(config.ERP_SIM_REJECT_MEMO_CONTAINS === undefined ? {} : { rejectMemoContains: config.ERP_SIM_REJECT_MEMO_CONTAINS }),
        ...(config.ERP_SIM_REJECT_AMOUNT_ABOVE === undefined ? {} : { rejectAmountAbove: config.ERP_SIM_REJECT_AMOUNT_ABOVE }),
      },
      logger,
    );
    closers.push(() => simulator.stop());
    erpUrl ??= simulator.url.replace('://0.0.0.0', '://127.0.0.1');
  }
  if (roles.includes('erp-sync')) {
    if (erpUrl === undefined) throw new ConfigError([{ variable: 'ERP_URL', message: 'required by the erp-sync role (the ERP to send journal entries to)' }]);
    const erpSync = await startErpSyncRole({
      pool,
      transport,
      codec,
      logger,
      maxBatchSize: config.BATCH_SIZE,
      erp: createHttpErpClient({ baseUrl: erpUrl, timeoutMs: config.ERP_TIMEOUT_MS, maxConcurrent: config.ERP_MAX_CONCURRENT }),
      options: {
        batchSize: config.ERP_SYNC_BATCH_SIZE,
        maxConcurrent: config.ERP_MAX_CONCURRENT,
        retryBaseMs: config.ERP_RETRY_BASE_MS,
        retryMaxMs: config.ERP_RETRY_MAX_MS,
        breakerThreshold: config.ERP_BREAKER_THRESHOLD,
        breakerCooldownMs: config.ERP_BREAKER_COOLDOWN_MS,
        pollAfterMs: config.ERP_POLL_AFTER_MS,
        pollEveryMs: config.ERP_POLL_EVERY_MS,
      },
    });
    // Stopped before the simulator (closers run in order after the processors drained).
    closers.unshift(() => erpSync.stop());
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // The gateway first: no new orders; waiting calls are answered; accepted orders are published.
      await gateway?.stop();
      // The memory transport keeps messages only in this process: let the pipeline run dry first.
      if (isMemoryTransport(transport)) await drainMemory(transport, 30_000, logger);
      // Then the processors drain what is in flight and acknowledge it.
      await Promise.all(subscriptions.map((s) => s.close()));
      await Promise.all(publishers.map((p) => p.stop()));
      for (const close of closers) await close();
      if (ownTransport) await transport.close();
      await pool.end();
    })();
    return stopping;
  };
  return { ports, transport, pool, stop };
}

function isMemoryTransport(transport: Transport): transport is MemoryTransport {
  return transport.name === 'memory' && typeof (transport as Partial<MemoryTransport>).stats === 'function';
}

/** Waits until every live consumer group has acknowledged everything published (or the time is up). */
async function drainMemory(transport: MemoryTransport, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lag = transport
      .stats()
      .flatMap((topic) => topic.groups)
      .filter((group) => group.members > 0)
      .reduce((sum, group) => sum + group.lag, 0);
    if (lag === 0) return;
    if (Date.now() >= deadline) {
      logger.error({ lag }, 'memory transport did not drain in time; these messages are lost with the process');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
