import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startApp, ROLES, type RunningApp } from '../../app';
import { loadConfig, type AppConfig } from '../../config';
import { createMerchant, createOrderClient, type CreatedMerchant, type OrderClient } from '../../gateway';
import { createTransport, type OutgoingMessage, type Transport } from '../../streams';
import { startSmtpCatcher, type SmtpCatcher } from '../integrations/email/smtp-catcher.helper';
import { startTwilioFake, type TwilioFake } from '../integrations/sms/twilio-fake.helper';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';
import { deleteKeys } from '../streams/redis/redis-test-env';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export type TransportKind = 'memory' | 'redis';

/** The whole pipeline in this process against a fresh database, a real SMTP server and a real SMS endpoint. */
export interface Pipeline {
  db: TestDatabase;
  app: RunningApp;
  smtp: SmtpCatcher;
  sms: TwilioFake;
  config: AppConfig;
  merchant: CreatedMerchant;
  client: OrderClient;
  /** A client for another merchant of the same pipeline. */
  newMerchant(): Promise<{ merchant: CreatedMerchant; client: OrderClient }>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  /** Wraps the transport the processors and the gateway use (e.g. to deliver everything twice). */
  wrapTransport?: (transport: Transport) => Transport;
  /** More configuration, as environment variables. */
  env?: Record<string, string>;
}

export async function startPipeline(kind: TransportKind, options: PipelineOptions = {}): Promise<Pipeline> {
  const db = await createTestDatabase();
  const smtp = await startSmtpCatcher();
  const sms = await startTwilioFake({ sid: 'ACtest', token: 'secret' });
  const prefix = `e2e-${randomUUID()}`;
  const config = loadConfig({
    TRANSPORT: kind,
    MYSQL_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PARTITIONS: '4',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    SMTP_URL: smtp.url(),
    SMS_URL: sms.url(),
    PSP_SIM_LATENCY_MS: '0',
    ERP_SIM_PORT: '0',
    ERP_SIM_CONFIRM_DELAY_MS: '20',
    ERP_POLL_AFTER_MS: '2000',
    ERP_POLL_EVERY_MS: '1000',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = pino({ level: 'silent' });
  const inner =
    kind === 'memory'
      ? await createTransport({ name: 'memory', partitions: 4, visibilityTimeoutMs: 500 }, { logger })
      : await createTransport({ name: 'redis', url: REDIS_URL, prefix, partitions: 4, visibilityTimeoutMs: 1_000, heartbeatMs: 100, blockMs: 200 }, { logger });
  const transport = options.wrapTransport?.(inner) ?? inner;
  const app = await startApp({ config, roles: ROLES, logger, transport });
  const address = `127.0.0.1:${app.ports?.grpcPort ?? 0}`;
  const clients: OrderClient[] = [];
  const newMerchant = async (): Promise<{ merchant: CreatedMerchant; client: OrderClient }> => {
    const merchant = await createMerchant(db.pool, { name: 'Acme Tools', email: `ops-${randomUUID().slice(0, 8)}@acme.test`, phone: '+15555550123', currency: 'USD' });
    const client = createOrderClient(address, merchant.apiKey);
    clients.push(client);
    return { merchant, client };
  };
  const first = await newMerchant();
  let stopped = false;
  return {
    db,
    app,
    smtp,
    sms,
    config,
    merchant: first.merchant,
    client: first.client,
    newMerchant,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const client of clients) client.close();
      await app.stop();
      await inner.close();
      if (kind === 'redis') {
        const admin = new Redis(REDIS_URL);
        await deleteKeys(admin, prefix);
        await admin.quit();
      }
      await smtp.close();
      await sms.close();
      await db.drop();
    },
  };
}

/** A transport that publishes every message twice: every consumer sees every event delivered twice. */
export function duplicatingTransport(inner: Transport): Transport {
  return {
    name: inner.name,
    ensureTopics: (topics) => inner.ensureTopics(topics),
    publish: async (topic: string, messages: readonly OutgoingMessage[]) => {
      await inner.publish(topic, [...messages, ...messages]);
    },
    subscribe: (options) => inner.subscribe(options),
    close: () => inner.close(),
  };
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${last instanceof Error ? last.message : JSON.stringify(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function orderInput(idempotencyKey: string, token = 'tok_visa', items = [{ sku: 'sku-1', name: 'Widget', quantity: 2, unitPriceMinor: 1250 }]) {
  return {
    idempotencyKey,
    customer: { id: 'cust-1', name: 'Jane Doe', email: 'jane@example.com', phone: '+15555550100' },
    items,
    currency: 'USD',
    paymentToken: token,
  };
}
