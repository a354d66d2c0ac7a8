/**
 * The erp-sync integration tests' world: a MariaDB database (one per file, emptied per test), a memory
 * transport, the ERP simulator over real HTTP, the webhook route on a real HTTP server, the real ledger
 * processor, and observers of topics. Everything is closed by `close()`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import pino from 'pino';
import { HttpRouter } from '../../../gateway';
import { createErpSimulator, createHttpErpClient, type ErpClient, type ErpSimulator, type ErpSimulatorOptions } from '../../../integrations/erp';
import { startErpSyncRole, createErpSyncProcessor, createErpWebhookRoute, type ErpSyncOptions, type RunningErpSync } from '../../../processors/erp-sync';
import { createLedgerProcessor, defaultWalletId, saleTransactionId } from '../../../processors/ledger';
import { createOutputPublisher, runProcessor } from '../../../processors/runtime';
import { createEventCodec, deriveId, TOPICS, toMessage, type EventCodec, type EventEnvelope, type EventMap, type EventType, type JournalLine, type WalletUpdated } from '../../../schemas';
import { rowsOf, type Pool } from '../../../storage/mysql';
import { createMemoryTransport, type IncomingMessage, type MemoryTransport, type RetryPolicy, type Subscription } from '../../../streams';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

export const silentLogger = pino({ level: 'silent' });
export const codec: EventCodec = createEventCodec();
export const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 8, initialBackoffMs: 5, maxBackoffMs: 40 };
export const WEBHOOK_SECRET = 'whsec_erp_sync_tests';

/** erp-sync tuned for tests: quick loops and retries; polling off unless a test turns it on. */
export const FAST_ERP_SYNC: ErpSyncOptions = {
  idleMs: 20,
  retryBaseMs: 10,
  retryMaxMs: 80,
  breakerThreshold: 5,
  breakerCooldownMs: 200,
  pollAfterMs: 600_000,
  pollEveryMs: 600_000,
  leaseMs: 10_000,
};

const TABLES = ['erp_records', 'inbox', 'outbox', 'accounts', 'ledger_transactions', 'ledger_entries'] as const;

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export class Observer {
  readonly messages: IncomingMessage[] = [];

  events<K extends EventType>(type: K): { event: EventMap[K]; message: IncomingMessage }[] {
    return this.messages.filter((m) => m.headers.eventType === type).map((message) => ({ event: codec.decodeAs(type, message.value), message }));
  }
}

export interface Sale {
  orderId: string;
  merchantId: string;
  eventId: string;
  ledgerTransactionId: string;
  walletId: string;
}

export interface ErpHarness {
  pool: Pool;
  transport: MemoryTransport;
  sim: ErpSimulator;
  erp: ErpClient;
  webhookUrl: string | undefined;
  observe(topic: string): Promise<Observer>;
  runLedger(): Promise<void>;
  /** The whole erp-sync role (consumer, sender, poller, relay). */
  startErpSync(options?: ErpSyncOptions): Promise<RunningErpSync>;
  /** Only the wallet.updates consumer (no ERP calls). */
  runErpSyncProcessor(): Promise<void>;
  publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void>;
  /** Publishes a captured payment for the ledger to credit (a HELD SALE transaction). */
  sale(amountMinor: number, merchantId?: string): Promise<Sale>;
  record(ledgerTransactionId: string): Promise<Record<string, unknown> | undefined>;
  ledgerStatus(ledgerTransactionId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Options of the simulator (its webhook points at the harness's route when `webhook` is true). */
  simulator?: ErpSimulatorOptions;
  webhook?: boolean;
}

/** Shares one database per test file: call in `beforeAll`, drop in `afterAll`. */
export function sharedDatabase(): { get(): TestDatabase } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get() {
      if (db === undefined) throw new Error('the database is not ready');
      return db;
    },
  };
}

export async function createErpHarness(db: TestDatabase, options: HarnessOptions = {}): Promise<ErpHarness> {
  for (const table of TABLES) await db.pool.query(`DELETE FROM ${table}`);
  const pool = db.pool;
  const transport = createMemoryTransport({ partitions: 4, visibilityTimeoutMs: 200 }, { logger: silentLogger });
  const subscriptions: Subscription[] = [];
  const roles: RunningErpSync[] = [];
  const closers: (() => Promise<void>)[] = [];

  let webhookUrl: string | undefined;
  if (options.webhook === true) {
    const router = new HttpRouter(silentLogger).add(createErpWebhookRoute({ pool, transport, codec, logger: silentLogger, secret: WEBHOOK_SECRET }));
    const server = createServer((req, res) => router.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    webhookUrl = `http://127.0.0.1:${address.port}/erp/webhooks`;
    closers.push(
      () =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err === undefined ? resolve() : reject(err)));
          server.closeAllConnections();
        }),
    );
  }
  const sim = createErpSimulator({
    confirmDelayMs: null,
    ...options.simulator,
    ...(webhookUrl === undefined ? {} : { webhook: { url: webhookUrl, secret: WEBHOOK_SECRET, initialBackoffMs: 20 } }),
  });
  const erpUrl = await sim.start(0);
  const erp = createHttpErpClient({ baseUrl: erpUrl, timeoutMs: 2_000 });

  async function publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
    await transport.ensureTopics([topic]);
    await transport.publish(
      topic,
      envelopes.map((e) => toMessage(codec, e)),
    );
  }

  async function one(sql: string, params: unknown[]): Promise<Record<string, unknown> | undefined> {
    const [result] = await pool.query(sql, params);
    return rowsOf(result)[0];
  }

  return {
    pool,
    transport,
    sim,
    erp,
    webhookUrl,
    async observe(topic) {
      const observer = new Observer();
      await transport.ensureTopics([topic]);
      subscriptions.push(
        await transport.subscribe({
          topics: [topic],
          group: `observer-${randomUUID()}`,
          handler: async (batch) => {
            observer.messages.push(...batch);
          },
        }),
      );
      return observer;
    },
    async runLedger() {
      subscriptions.push(await runProcessor(createLedgerProcessor({ pool, publish: createOutputPublisher(transport), codec, logger: silentLogger, options: { feeBps: 250 } }), { transport, codec, logger: silentLogger, retry: FAST_RETRY }));
    },
    async startErpSync(erpOptions = FAST_ERP_SYNC) {
      const role = await startErpSyncRole({ pool, transport, codec, logger: silentLogger, erp, options: erpOptions, retry: FAST_RETRY, relayAfterMs: 2_000, relayEveryMs: 50 });
      roles.push(role);
      return role;
    },
    async runErpSyncProcessor() {
      subscriptions.push(await runProcessor(createErpSyncProcessor({ pool, logger: silentLogger }), { transport, codec, logger: silentLogger, retry: FAST_RETRY }));
    },
    publish,
    async sale(amountMinor, merchantId = randomUUID()) {
      const orderId = randomUUID();
      const submittedId = deriveId(orderId, 'OrderSubmitted');
      const eventId = deriveId(submittedId, 'PaymentCompleted');
      await publish(TOPICS.paymentsCompleted, [
        {
          type: 'PaymentCompleted',
          eventId,
          key: merchantId,
          correlationId: orderId,
          causationId: submittedId,
          event: { orderId, merchantId, paymentId: `pay_${orderId.slice(0, 8)}`, pspReference: `sim_${orderId.slice(0, 8)}`, amountMinor, currency: 'EUR', capturedAt: Date.now() },
        },
      ]);
      return { orderId, merchantId, eventId, ledgerTransactionId: saleTransactionId(eventId), walletId: defaultWalletId(merchantId, 'EUR') };
    },
    record: (id) => one('SELECT * FROM erp_records WHERE ledger_transaction_id = ?', [id]),
    ledgerStatus: async (id) => {
      const row = await one('SELECT status FROM ledger_transactions WHERE id = ?', [id]);
      return row === undefined ? undefined : String(row.status);
    },
    async close() {
      for (const role of roles.splice(0)) await role.stop();
      for (const subscription of subscriptions.splice(0)) await subscription.close();
      for (const close of closers.splice(0)) await close();
      await sim.stop();
      await transport.close();
    },
  };
}

/** A WalletUpdated as the ledger publishes it, for tests that drive erp-sync without the ledger. */
export function walletUpdated(fields: { ledgerTransactionId: string; walletId: string; status: WalletUpdated['status']; cause?: WalletUpdated['cause']; lines: JournalLine[]; occurredAt?: number; actionId?: string }): EventEnvelope<'WalletUpdated'> {
  const source = randomUUID();
  const eventId = deriveId(source, 'WalletUpdated', fields.walletId);
  const amount = fields.lines.find((l) => l.account === fields.walletId)?.amountMinor ?? 0;
  return {
    type: 'WalletUpdated',
    eventId,
    key: fields.walletId,
    correlationId: fields.actionId ?? fields.ledgerTransactionId,
    causationId: source,
    event: {
      walletId: fields.walletId,
      merchantId: 'merchant-1',
      ledgerTransactionId: fields.ledgerTransactionId,
      cause: fields.cause ?? 'TOP_UP',
      status: fields.status,
      actionId: fields.actionId ?? null,
      orderId: null,
      amountMinor: amount,
      currency: 'EUR',
      balances: { postedMinor: 0, pendingInMinor: Math.max(amount, 0), pendingOutMinor: Math.max(-amount, 0), availableMinor: 0, shadowMinor: amount },
      lines: fields.lines,
      reason: null,
      occurredAt: fields.occurredAt ?? Date.now(),
    },
  };
}
