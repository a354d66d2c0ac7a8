import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { IdempotencyConflictError, UnavailableError, validateSubmitOrder } from '../../../gateway';
import { OrderPublisher } from '../../../gateway/orders/order.publisher';
import { canonicalRequest, requestHash } from '../../../gateway/orders/order.request';
import type { NewOrderRequest, StoredOrderRequest } from '../../../gateway/orders/order.store';
import { OrderSubmitter } from '../../../gateway/orders/order.submitter';
import { createEventCodec, deriveId, TOPICS } from '../../../schemas';
import type { IncomingMessage, Transport } from '../../../streams';
import { createMemoryTransport } from '../../../streams';
import { request } from './submit-order.cases';

const log = pino({ level: 'silent' });
const codec = createEventCodec();

/** The store port of the submitter, in memory, counting statements (INSERT IGNORE semantics on (merchant, key)). */
class CountingStore {
  readonly rows = new Map<string, StoredOrderRequest>();
  statements = { insert: 0, select: 0, update: 0 };

  insertIgnore(rows: readonly NewOrderRequest[]): Promise<void> {
    this.statements.insert += 1;
    for (const r of rows) {
      const key = `${r.merchantId}/${r.idempotencyKey}`;
      if (!this.rows.has(key)) this.rows.set(key, { ...r, published: false });
    }
    return Promise.resolve();
  }

  selectByKeys(keys: readonly { merchantId: string; idempotencyKey: string }[]): Promise<StoredOrderRequest[]> {
    this.statements.select += 1;
    return Promise.resolve(keys.flatMap((k) => this.rows.get(`${k.merchantId}/${k.idempotencyKey}`) ?? []).map((r) => ({ ...r })));
  }

  markPublished(orderIds: readonly string[]): Promise<void> {
    this.statements.update += 1;
    for (const row of this.rows.values()) if (orderIds.includes(row.orderId)) row.published = true;
    return Promise.resolve();
  }
}

function newRequest(merchantId: string, idempotencyKey: string, quantity = '2'): NewOrderRequest {
  const raw = request();
  raw.idempotencyKey = idempotencyKey;
  (raw.items as Record<string, unknown>[])[0] = { sku: 'S', name: 'N', quantity, unitPriceMinor: '100' };
  const order = validateSubmitOrder(raw);
  const json = canonicalRequest(order);
  return {
    orderId: randomUUID(),
    merchantId,
    idempotencyKey,
    requestHash: requestHash(json),
    requestJson: json,
    totalMinor: order.totalMinor,
    currency: order.currency,
    createdAt: Date.now(),
  };
}

describe('OrderSubmitter', () => {
  let transport: Transport;
  let published: IncomingMessage[];
  let publishCalls: number;
  let brokerDown: boolean;
  let store: CountingStore;
  let submitter: OrderSubmitter;

  beforeEach(async () => {
    const memory = createMemoryTransport({ partitions: 2 }, { logger: log });
    published = [];
    publishCalls = 0;
    brokerDown = false;
    transport = {
      name: memory.name,
      ensureTopics: (topics) => memory.ensureTopics(topics),
      subscribe: (options) => memory.subscribe(options),
      close: () => memory.close(),
      publish: (topic, messages) => {
        publishCalls += 1;
        return brokerDown ? Promise.reject(new Error('broker unreachable')) : memory.publish(topic, messages);
      },
    };
    await memory.subscribe({
      topics: [TOPICS.ordersSubmitted],
      group: 'observer',
      handler: (batch) => {
        published.push(...batch);
        return Promise.resolve();
      },
    });
    store = new CountingStore();
    submitter = new OrderSubmitter(store, new OrderPublisher(store, transport, codec, log), { maxItems: 200, maxDelayMs: 5, maxConcurrent: 1 });
  });
  afterEach(async () => {
    await transport.close();
  });

  it('writes and publishes concurrent submissions with one statement of each kind', async () => {
    const requests = Array.from({ length: 50 }, (_, i) => newRequest('m1', `k${i}`));
    const outcomes = await Promise.all(requests.map((r) => submitter.submit(r)));
    expect(store.statements).toEqual({ insert: 1, select: 1, update: 1 });
    expect(publishCalls).toBe(1);
    expect(outcomes.map((o) => o.row.orderId)).toEqual(requests.map((r) => r.orderId));
    expect(outcomes.every((o) => !o.replayed && o.row.published)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published.map((m) => m.headers.eventId).sort()).toEqual(requests.map((r) => deriveId(r.orderId, 'OrderSubmitted')).sort());
    expect(published[0]?.key).toBe('m1');
  });

  it('tells a replay from a conflict within one batch', async () => {
    const first = newRequest('m1', 'same');
    const replay = { ...newRequest('m1', 'same'), orderId: randomUUID() };
    const conflict = newRequest('m1', 'same', '3');
    const [a, b, c] = await Promise.allSettled([submitter.submit(first), submitter.submit(replay), submitter.submit(conflict)]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { replayed: false, row: { orderId: first.orderId } } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { replayed: true, row: { orderId: first.orderId } } });
    expect(c.status).toBe('rejected');
    expect(c.status === 'rejected' ? c.reason : undefined).toBeInstanceOf(IdempotencyConflictError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toHaveLength(1);
  });

  it('a retry in a concurrent batch waits for the first publish of its row instead of publishing it again', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Transport = { ...transport, publish: async (topic, messages) => (await gate, transport.publish(topic, messages)) };
    const concurrent = new OrderSubmitter(store, new OrderPublisher(store, slow, codec, log), { maxItems: 200, maxDelayMs: 1, maxConcurrent: 4 });
    const r = newRequest('m1', 'raced');
    const first = concurrent.submit(r);
    // The first batch is publishing (held at the gate); the retry goes in a batch of its own.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const retry = concurrent.submit({ ...r, orderId: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await first).toMatchObject({ replayed: false, row: { orderId: r.orderId, published: true } });
    expect(await retry).toMatchObject({ replayed: true, row: { orderId: r.orderId, published: true } });
    expect(store.statements.insert).toBe(2);
    expect(publishCalls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toHaveLength(1);
  });

  it('leaves rows unpublished and answers UNAVAILABLE while the broker is down; a retry publishes', async () => {
    brokerDown = true;
    const r = newRequest('m1', 'k');
    await expect(submitter.submit(r)).rejects.toBeInstanceOf(UnavailableError);
    expect(store.statements.update).toBe(0);
    expect([...store.rows.values()][0]?.published).toBe(false);
    brokerDown = false;
    const retry = await submitter.submit({ ...r, orderId: randomUUID() });
    expect(retry).toMatchObject({ replayed: true, row: { orderId: r.orderId, published: true } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toHaveLength(1);
  });
});
