import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { CreatedMerchant, Gateway, GatewayOptions, OrderClient, SubmitOrderInput } from '../../gateway';
import { createGateway, createMerchant, createOrderClient } from '../../gateway';
import type { EventCodec, OrderCompleted, OrderSubmitted } from '../../schemas';
import { createEventCodec, deriveId, toMessage, TOPICS } from '../../schemas';
import type { MemoryTransport, Subscription, Transport } from '../../streams';
import { createMemoryTransport } from '../../streams';
import type { TestDatabase } from '../helpers/mysql';
import { createTestDatabase } from '../helpers/mysql';

export const silentLogger = pino({ level: 'silent' });
export const codec: EventCodec = createEventCodec();

/** A real gateway on loopback port 0, over a fresh database and an in-memory transport. */
export interface GatewayHarness {
  db: TestDatabase;
  /** The transport the gateway uses (possibly a test wrapper around {@link memory}). */
  transport: Transport;
  memory: MemoryTransport;
  gateway: Gateway;
  grpcAddress: string;
  httpBase: string;
  merchant: CreatedMerchant;
  client: OrderClient;
  /** A client with another key (null: no key), closed with the harness. */
  newClient(apiKey: string | null): OrderClient;
  newMerchant(): Promise<CreatedMerchant>;
  /** Every OrderSubmitted published, as a consumer group of its own sees them. */
  submitted: OrderSubmitted[];
  /** Publishes the OrderCompleted of an order, as the ledger would. */
  complete(order: OrderSubmitted, outcome: 'COMPLETED' | 'FAILED'): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  gateway?: Partial<GatewayOptions>;
  /** Wraps the memory transport (fault injection at our own port). */
  wrapTransport?: (memory: Transport) => Transport;
  /**
   * Plays payment and ledger: answers each OrderSubmitted by its payment token (`tok_complete`,
   * `tok_decline`); other tokens get no answer.
   */
  downstream?: boolean;
}

export function orderRequest(overrides: Partial<SubmitOrderInput> = {}): SubmitOrderInput {
  return {
    idempotencyKey: `key-${randomUUID()}`,
    customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+442071234567' },
    items: [
      { sku: 'SKU-1', name: 'Widget', quantity: 2, unitPriceMinor: 1250 },
      { sku: 'SKU-2', name: 'Gadget', quantity: 1, unitPriceMinor: '499' },
    ],
    currency: 'USD',
    paymentToken: 'tok_pending',
    ...overrides,
  };
}

function completionOf(order: OrderSubmitted, outcome: 'COMPLETED' | 'FAILED'): OrderCompleted {
  const feeMinor = outcome === 'COMPLETED' ? Math.floor((order.totalMinor * 3) / 100) : 0;
  return {
    orderId: order.orderId,
    merchantId: order.merchantId,
    status: outcome,
    totalMinor: order.totalMinor,
    currency: order.currency,
    feeMinor,
    netMinor: outcome === 'COMPLETED' ? order.totalMinor - feeMinor : 0,
    walletId: null,
    ledgerTransactionId: null,
    failureReason: outcome === 'FAILED' ? 'card declined' : null,
    completedAt: order.submittedAt + 5,
  };
}

export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const db = await createTestDatabase();
  const memory = createMemoryTransport({ partitions: 4 }, { logger: silentLogger });
  const transport = options.wrapTransport?.(memory) ?? memory;
  const clients: OrderClient[] = [];
  const subscriptions: Subscription[] = [];
  const submitted: OrderSubmitted[] = [];

  const complete = async (order: OrderSubmitted, outcome: 'COMPLETED' | 'FAILED'): Promise<void> => {
    const submittedId = deriveId(order.orderId, 'OrderSubmitted');
    const eventId = deriveId(submittedId, 'OrderCompleted');
    const message = toMessage(codec, {
      type: 'OrderCompleted',
      event: completionOf(order, outcome),
      eventId,
      key: order.merchantId,
      correlationId: order.orderId,
      causationId: submittedId,
    });
    await memory.publish(TOPICS.ordersCompleted, [message]);
  };

  subscriptions.push(
    await memory.subscribe({
      topics: [TOPICS.ordersSubmitted],
      group: `test-observer-${randomUUID()}`,
      handler: async (batch) => {
        for (const message of batch) {
          const order = codec.decodeAs('OrderSubmitted', message.value);
          submitted.push(order);
          if (options.downstream !== true) continue;
          if (order.paymentToken === 'tok_complete') await complete(order, 'COMPLETED');
          if (order.paymentToken === 'tok_decline') await complete(order, 'FAILED');
        }
      },
    }),
  );

  const gateway = createGateway({
    pool: db.pool,
    transport,
    codec,
    logger: silentLogger,
    options: { grpcPort: 0, httpPort: 0, host: '127.0.0.1', instanceId: `test-${randomUUID()}`, ...options.gateway },
  });
  const ports = await gateway.start();
  const grpcAddress = `127.0.0.1:${ports.grpcPort}`;
  const newClient = (apiKey: string | null): OrderClient => {
    const client = createOrderClient(grpcAddress, apiKey);
    clients.push(client);
    return client;
  };
  const newMerchant = (): Promise<CreatedMerchant> =>
    createMerchant(db.pool, { name: 'Test Shop', email: 'shop@example.com', phone: '+14155550123', currency: 'USD' });
  const merchant = await newMerchant();

  return {
    db,
    transport,
    memory,
    gateway,
    grpcAddress,
    httpBase: `http://127.0.0.1:${ports.httpPort}`,
    merchant,
    client: newClient(merchant.apiKey),
    newClient,
    newMerchant,
    submitted,
    complete,
    close: async () => {
      for (const client of clients) client.close();
      await gateway.stop();
      for (const subscription of subscriptions) await subscription.close();
      await memory.close();
      await db.drop();
    },
  };
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How many OrderSubmitted of `orderId` were published. */
export function publishCount(harness: GatewayHarness, orderId: string): number {
  return harness.submitted.filter((order) => order.orderId === orderId).length;
}
