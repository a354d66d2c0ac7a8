import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { createGateway } from '../../gateway';
import { createMysqlPool } from '../../storage/mysql';
import type { Transport } from '../../streams';
import type { GatewayHarness } from './gateway.harness';
import { codec, eventually, orderRequest, publishCount, silentLogger, startGatewayHarness } from './gateway.harness';
import { field, HealthClient, reflect } from './grpc.clients';
import { TOPICS } from '../../schemas';

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('gateway lifecycle', () => {
  const harnesses: GatewayHarness[] = [];
  const start = async (...args: Parameters<typeof startGatewayHarness>): Promise<GatewayHarness> => {
    const h = await startGatewayHarness(...args);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  it('reports SERVING for the server and OrderService, NOT_SERVING once stopping', async () => {
    const h = await start();
    const health = new HealthClient(h.grpcAddress);
    try {
      expect(await health.status('')).toBe('SERVING');
      expect(await health.status('paystream.v1.OrderService')).toBe('SERVING');
      await expect(health.status('paystream.v1.NoSuchService')).rejects.toMatchObject({ code: status.NOT_FOUND });

      const watch = health.watch('paystream.v1.OrderService');
      const seen: unknown[] = [];
      watch.on('data', (message: unknown) => seen.push(field(message, 'status')));
      watch.on('error', () => undefined);
      await eventually(() => seen.length === 1);
      const stopping = h.gateway.stop();
      await eventually(() => seen.length === 2);
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
      watch.cancel();
      await stopping;
    } finally {
      health.close();
    }
  });

  it('lists its services through server reflection', async () => {
    const h = await start();
    const listed = await reflect(h.grpcAddress, { listServices: '' });
    const services = field(field(listed, 'listServicesResponse'), 'service');
    expect(Array.isArray(services)).toBe(true);
    const names = (services as unknown[]).map((s) => field(s, 'name'));
    expect(names).toEqual(expect.arrayContaining(['paystream.v1.OrderService', 'grpc.health.v1.Health']));

    const file = await reflect(h.grpcAddress, { fileContainingSymbol: 'paystream.v1.OrderService' });
    const descriptors = field(field(file, 'fileDescriptorResponse'), 'fileDescriptorProto');
    expect(Array.isArray(descriptors) && descriptors.length > 0).toBe(true);
    expect(Buffer.concat(descriptors as Buffer[]).toString('latin1')).toContain('SubmitOrder');
  });

  it('answers /healthz, /readyz, and 404 elsewhere', async () => {
    const h = await start();
    expect(await getJson(`${h.httpBase}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${h.httpBase}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { mysql: 'ok', transport: 'ok', grpc: 'ok' } },
    });
    expect((await getJson(`${h.httpBase}/nope`)).status).toBe(404);
    expect((await fetch(`${h.httpBase}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('/readyz answers 503 naming MySQL and the transport when they are down', async () => {
    const h = await start();
    // A gateway of its own over a pool that is then closed, as if MySQL went away.
    const pool = createMysqlPool({ url: h.db.url, connectionLimit: 2 });
    const gateway = createGateway({
      pool,
      transport: h.memory,
      codec,
      logger: silentLogger,
      options: { grpcPort: 0, httpPort: 0, host: '127.0.0.1', instanceId: `ready-${randomUUID()}` },
    });
    const ports = await gateway.start();
    try {
      await pool.end();
      const down = await getJson(`http://127.0.0.1:${ports.httpPort}/readyz`);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'not ready', notReady: ['mysql'], checks: { transport: 'ok', grpc: 'ok' } });
      await h.memory.close();
      const worse = await getJson(`http://127.0.0.1:${ports.httpPort}/readyz`);
      expect(worse.body).toMatchObject({ notReady: ['mysql', 'transport'] });
    } finally {
      await gateway.stop();
    }
  });

  it('stop() answers a waiting SubmitOrder PENDING and loses nothing', async () => {
    const h = await start();
    const input = orderRequest();
    const submitting = h.client.submitOrder(input);
    await eventually(() => h.submitted.some((o) => o.idempotencyKey === input.idempotencyKey));
    const started = Date.now();
    await h.gateway.stop();
    const { order } = await submitting;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(order.status).toBe('PENDING');
    const [rows] = await h.db.pool.query('SELECT order_id, published FROM order_requests WHERE idempotency_key = ?', [input.idempotencyKey]);
    expect(rows).toEqual([{ order_id: order.orderId, published: 1 }]);
    expect(publishCount(h, order.orderId)).toBe(1);
    const refused = await h.client.submitOrder(orderRequest(), { timeoutMs: 1_000 }).catch((err: ServiceError) => err);
    expect(refused).toMatchObject({ code: status.UNAVAILABLE });
  });

  it('answers RESOURCE_EXHAUSTED beyond GATEWAY_MAX_IN_FLIGHT orders in flight, writing nothing, and admits again once they are answered', async () => {
    const h = await start({ gateway: { maxInFlight: 2, submitWaitMs: 1_500 } });
    // tok_pending: nothing completes these, so each waits (in flight) until it answers PENDING.
    const waiting = [orderRequest(), orderRequest()];
    const answers = waiting.map((input) => h.client.submitOrder(input));
    await eventually(() => waiting.every((input) => h.submitted.some((o) => o.idempotencyKey === input.idempotencyKey)));
    const shed = orderRequest();
    const refused = await h.client.submitOrder(shed, { timeoutMs: 1_000 }).catch((err: ServiceError) => err);
    expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    expect((refused as ServiceError).details).toMatch(/2 orders and balance actions in flight.*GATEWAY_MAX_IN_FLIGHT/);
    const [rows] = await h.db.pool.query('SELECT COUNT(*) AS n FROM order_requests WHERE idempotency_key = ?', [shed.idempotencyKey]);
    expect(rows).toEqual([{ n: 0 }]);
    for (const { order } of await Promise.all(answers)) expect(order.status).toBe('PENDING');
    // Both answered: the same request is admitted now.
    const retried = await h.client.submitOrder(shed, { timeoutMs: 3_000 });
    expect(retried).toMatchObject({ replayed: false, order: { status: 'PENDING' } });
  });

  it('answers RESOURCE_EXHAUSTED while the embedded transport holds more than GATEWAY_MAX_BACKLOG unhandled messages, and admits again once they are handled', async () => {
    const h = await start({ gateway: { maxBacklog: 3, submitWaitMs: 100 } });
    // A consumer that holds its first batch: what it has not acknowledged stays in the process.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stalled = await h.memory.subscribe({ topics: [TOPICS.ordersSubmitted], group: `stalled-${randomUUID()}`, handler: () => held });
    try {
      for (let i = 0; i < 4; i += 1) expect((await h.client.submitOrder(orderRequest(), { timeoutMs: 3_000 })).order.status).toBe('PENDING');
      expect(h.memory.backlog()).toBe(4);
      const shed = orderRequest();
      const refused = await h.client.submitOrder(shed, { timeoutMs: 3_000 }).catch((err: ServiceError) => err);
      expect(refused).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
      expect((refused as ServiceError).details).toMatch(/4 messages wait for its processors, more than GATEWAY_MAX_BACKLOG \(3\)/);
      const [rows] = await h.db.pool.query('SELECT COUNT(*) AS n FROM order_requests WHERE idempotency_key = ?', [shed.idempotencyKey]);
      expect(rows).toEqual([{ n: 0 }]);
      release();
      await eventually(() => h.memory.backlog() === 0);
      expect(await h.client.submitOrder(shed, { timeoutMs: 3_000 })).toMatchObject({ replayed: false, order: { status: 'PENDING' } });
    } finally {
      release();
      await stalled.close();
    }
  });

  it('UNAVAILABLE while the broker refuses; the relay and a retry publish later, once', async () => {
    let brokerDown = false;
    const wrap = (memory: Transport): Transport => ({
      name: memory.name,
      ensureTopics: (topics) => memory.ensureTopics(topics),
      subscribe: (options) => memory.subscribe(options),
      close: () => memory.close(),
      publish: (topic, messages) => (brokerDown ? Promise.reject(new Error('broker unreachable')) : memory.publish(topic, messages)),
    });
    const h = await start({ wrapTransport: wrap, gateway: { relayIntervalMs: 50, relayMinAgeMs: 300 } });
    brokerDown = true;
    const first = orderRequest();
    const second = orderRequest();
    for (const input of [first, second]) {
      const err = await h.client.submitOrder(input, { timeoutMs: 2_000 }).catch((e: ServiceError) => e);
      expect(err).toMatchObject({ code: status.UNAVAILABLE });
    }
    const [rows] = await h.db.pool.query('SELECT idempotency_key, published FROM order_requests ORDER BY created_at');
    expect(rows).toEqual([
      { idempotency_key: first.idempotencyKey, published: 0 },
      { idempotency_key: second.idempotencyKey, published: 0 },
    ]);
    brokerDown = false;
    // The client retries the second at once; the relay picks up the first when it is old enough.
    const retried = await h.client.submitOrder(second, { timeoutMs: 1_500 });
    expect(retried.replayed).toBe(true);
    await eventually(() => h.submitted.some((o) => o.idempotencyKey === first.idempotencyKey));
    const firstId = h.submitted.find((o) => o.idempotencyKey === first.idempotencyKey)?.orderId ?? '';
    await eventually(async () => {
      const [published] = await h.db.pool.query('SELECT COUNT(*) AS n FROM order_requests WHERE published = 1');
      return JSON.stringify(published) === JSON.stringify([{ n: 2 }]);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(publishCount(h, firstId)).toBe(1);
    expect(publishCount(h, retried.order.orderId)).toBe(1);
    const replay = await h.client.submitOrder(first, { timeoutMs: 1_500 });
    expect(replay).toMatchObject({ replayed: true, order: { orderId: firstId, status: 'PENDING' } });
  });
});
