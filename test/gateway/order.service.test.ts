import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { OrderView, SubmitOrderInput } from '../../gateway';
import type { GatewayHarness } from './gateway.harness';
import { eventually, orderRequest, publishCount, startGatewayHarness } from './gateway.harness';
import { request as protoRequest, RULES } from './orders/submit-order.cases';

/** The rejection of `work` as a gRPC error. */
async function grpcError(work: Promise<unknown>): Promise<ServiceError> {
  try {
    await work;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

async function collect(stream: AsyncIterable<OrderView>): Promise<OrderView[]> {
  const seen: OrderView[] = [];
  for await (const view of stream) seen.push(view);
  return seen;
}

describe('OrderService over gRPC', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness({ downstream: true });
  });
  afterAll(async () => {
    await h.close();
  });

  describe('validation', () => {
    it.each(RULES)('INVALID_ARGUMENT naming the field: %s', async (_rule, mutate, field) => {
      const raw = protoRequest();
      raw.idempotencyKey = `v-${randomUUID()}`;
      mutate(raw);
      const err = await grpcError(h.client.submitOrder(raw as unknown as SubmitOrderInput));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details.startsWith(`${field}: `)).toBe(true);
    });

    it('stores and publishes nothing for a rejected request', async () => {
      const [rows] = await h.db.pool.query('SELECT COUNT(*) AS n FROM order_requests WHERE idempotency_key LIKE ?', ['v-%']);
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  describe('authentication', () => {
    it('UNAUTHENTICATED without a key, with a malformed one, an unknown one or a revoked one', async () => {
      const revoked = await h.newMerchant();
      await h.db.pool.query('UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(3) WHERE merchant_id = ?', [revoked.merchantId]);
      const cases: [string | null, RegExp][] = [
        [null, /missing API key/],
        ['not a key!', /malformed/],
        [`psk_${randomUUID()}`, /unknown or revoked/],
        [revoked.apiKey, /unknown or revoked/],
      ];
      for (const [apiKey, message] of cases) {
        const client = h.newClient(apiKey);
        const err = await grpcError(client.submitOrder(orderRequest()));
        expect(err.code).toBe(status.UNAUTHENTICATED);
        expect(err.details).toMatch(message);
        expect((await grpcError(client.getOrder(randomUUID()))).code).toBe(status.UNAUTHENTICATED);
        expect((await grpcError(client.listOrders())).code).toBe(status.UNAUTHENTICATED);
        expect((await grpcError(collect(client.watchOrder(randomUUID())))).code).toBe(status.UNAUTHENTICATED);
      }
    });

    it("NOT_FOUND for another merchant's order, and for an unknown id", async () => {
      const { order } = await h.client.submitOrder(orderRequest(), { timeoutMs: 1_500 });
      const other = h.newClient((await h.newMerchant()).apiKey);
      expect((await grpcError(other.getOrder(order.orderId))).code).toBe(status.NOT_FOUND);
      expect((await grpcError(collect(other.watchOrder(order.orderId)))).code).toBe(status.NOT_FOUND);
      expect((await grpcError(h.client.getOrder(randomUUID()))).code).toBe(status.NOT_FOUND);
      expect((await h.client.getOrder(order.orderId)).orderId).toBe(order.orderId);
      const bad = await grpcError(h.client.getOrder('not-an-id'));
      expect(bad.code).toBe(status.INVALID_ARGUMENT);
      expect(bad.details).toMatch(/^order_id: /);
    });
  });

  describe('submitting', () => {
    it('answers COMPLETED with the fee as soon as OrderCompleted arrives', async () => {
      const { order, replayed } = await h.client.submitOrder(orderRequest({ paymentToken: 'tok_complete' }), { timeoutMs: 5_000 });
      expect(replayed).toBe(false);
      expect(order).toMatchObject({ status: 'COMPLETED', totalMinor: 2999, currency: 'USD', feeMinor: 89, netMinor: 2910, failureReason: null });
      expect(order.completedAt).toBe(order.createdAt + 5);
    });

    it('answers FAILED with the reason', async () => {
      const { order } = await h.client.submitOrder(orderRequest({ paymentToken: 'tok_decline' }), { timeoutMs: 5_000 });
      expect(order).toMatchObject({ status: 'FAILED', failureReason: 'card declined', feeMinor: 0, netMinor: 0 });
      expect(await h.client.getOrder(order.orderId)).toMatchObject({ status: 'FAILED', failureReason: 'card declined' });
    });

    it('answers PENDING with the order id shortly before a near deadline', async () => {
      const started = Date.now();
      const { order } = await h.client.submitOrder(orderRequest(), { timeoutMs: 1000 });
      const elapsed = Date.now() - started;
      expect(order.status).toBe('PENDING');
      expect(order.orderId).toMatch(/^[0-9a-f-]{36}$/);
      expect(order.completedAt).toBeNull();
      expect(elapsed).toBeGreaterThanOrEqual(850);
      expect(elapsed).toBeLessThan(1000);
      await eventually(() => publishCount(h, order.orderId) === 1);
    });

    it('a retry with the same key returns the same order and publishes it once', async () => {
      const input = orderRequest();
      const concurrent = await Promise.all([1, 2, 3].map(() => h.client.submitOrder(input, { timeoutMs: 1_500 })));
      const again = await h.client.submitOrder(input, { timeoutMs: 1_500 });
      const ids = new Set([...concurrent, again].map((r) => r.order.orderId));
      expect(ids.size).toBe(1);
      expect(concurrent.filter((r) => !r.replayed)).toHaveLength(1);
      expect(again.replayed).toBe(true);
      const [orderId] = [...ids];
      await eventually(() => publishCount(h, orderId ?? '') >= 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(publishCount(h, orderId ?? '')).toBe(1);
      const [rows] = await h.db.pool.query('SELECT order_id, published FROM order_requests WHERE idempotency_key = ?', [input.idempotencyKey]);
      expect(rows).toEqual([{ order_id: orderId, published: 1 }]);
    });

    it('a retry of a finished order answers its final status at once', async () => {
      const input = orderRequest({ paymentToken: 'tok_complete' });
      const first = await h.client.submitOrder(input, { timeoutMs: 5_000 });
      const started = Date.now();
      const retry = await h.client.submitOrder(input, { timeoutMs: 5_000 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(retry).toEqual({ order: first.order, replayed: true });
    });

    it('ALREADY_EXISTS for the same key with a different request', async () => {
      const input = orderRequest();
      await h.client.submitOrder(input, { timeoutMs: 1_500 });
      const err = await grpcError(h.client.submitOrder({ ...input, items: [{ sku: 'SKU-1', name: 'Widget', quantity: 3, unitPriceMinor: 1250 }] }));
      expect(err.code).toBe(status.ALREADY_EXISTS);
      expect(err.details).toContain(`idempotency key "${input.idempotencyKey}" was already used for a different request`);
    });

    it('the same key is independent per merchant', async () => {
      const input = orderRequest();
      const other = h.newClient((await h.newMerchant()).apiKey);
      const [a, b] = await Promise.all([h.client.submitOrder(input, { timeoutMs: 1_500 }), other.submitOrder(input, { timeoutMs: 1_500 })]);
      expect(a.order.orderId).not.toBe(b.order.orderId);
      expect(b.replayed).toBe(false);
    });

    it('many concurrent submissions each get their own order, each published once', async () => {
      const inputs = Array.from({ length: 40 }, () => orderRequest({ paymentToken: 'tok_complete' }));
      const results = await Promise.all(inputs.map((input) => h.client.submitOrder(input, { timeoutMs: 5_000 })));
      expect(new Set(results.map((r) => r.order.orderId)).size).toBe(40);
      expect(results.every((r) => r.order.status === 'COMPLETED')).toBe(true);
      for (const r of results) expect(publishCount(h, r.order.orderId)).toBe(1);
    });

    it('the OrderSubmitted carries the validated request and the server total', async () => {
      const input = orderRequest();
      const { order } = await h.client.submitOrder(input, { timeoutMs: 1_500 });
      await eventually(() => publishCount(h, order.orderId) === 1);
      const event = h.submitted.find((e) => e.orderId === order.orderId);
      expect(event).toEqual({
        orderId: order.orderId,
        merchantId: h.merchant.merchantId,
        idempotencyKey: input.idempotencyKey,
        customer: input.customer,
        items: [
          { sku: 'SKU-1', name: 'Widget', quantity: 2, unitPriceMinor: 1250 },
          { sku: 'SKU-2', name: 'Gadget', quantity: 1, unitPriceMinor: 499 },
        ],
        currency: 'USD',
        totalMinor: 2999,
        paymentToken: 'tok_pending',
        submittedAt: order.createdAt,
      });
    });
  });

  describe('WatchOrder', () => {
    it('streams PENDING, then the final status, then ends', async () => {
      const { order } = await h.client.submitOrder(orderRequest(), { timeoutMs: 1_500 });
      await eventually(() => publishCount(h, order.orderId) === 1);
      const seen: OrderView[] = [];
      const watching = (async () => {
        for await (const view of h.client.watchOrder(order.orderId)) seen.push(view);
      })();
      await eventually(() => seen.length === 1);
      expect(seen[0]?.status).toBe('PENDING');
      const submitted = h.submitted.find((e) => e.orderId === order.orderId);
      if (submitted === undefined) throw new Error('no OrderSubmitted');
      await h.complete(submitted, 'COMPLETED');
      await watching;
      expect(seen.map((v) => v.status)).toEqual(['PENDING', 'COMPLETED']);
      expect(seen[1]).toMatchObject({ orderId: order.orderId, feeMinor: 89, netMinor: 2910 });
    });

    it('streams the final status once for a finished order', async () => {
      const { order } = await h.client.submitOrder(orderRequest({ paymentToken: 'tok_decline' }), { timeoutMs: 5_000 });
      const seen = await collect(h.client.watchOrder(order.orderId));
      expect(seen.map((v) => v.status)).toEqual(['FAILED']);
    });
  });

  describe('ListOrders', () => {
    it('pages newest first, bound to the status filter, with the projection applied', async () => {
      const merchant = await h.newMerchant();
      const client = h.newClient(merchant.apiKey);
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        // One at a time, so creation times are ordered.
        created.push((await client.submitOrder(orderRequest(), { timeoutMs: 1_500 })).order.orderId);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const pages: string[][] = [];
      let token = '';
      do {
        const page = await client.listOrders({ pageSize: 2, pageToken: token });
        pages.push(page.orders.map((o) => o.orderId));
        token = page.nextPageToken;
      } while (token !== '');
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual([...created].reverse());

      // The logger's projection says the oldest one completed.
      const oldest = created[0] ?? '';
      await h.db.pool.query(
        `INSERT INTO orders (id, merchant_id, status, total_minor, currency, fee_minor, net_minor, customer_id, item_count, submitted_at, completed_at, updated_at)
         VALUES (?, ?, 'COMPLETED', 2999, 'USD', 89, 2910, 'cust-1', 2, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        [oldest, merchant.merchantId],
      );
      const completed = await client.listOrders({ status: 'COMPLETED' });
      expect(completed.orders.map((o) => o.orderId)).toEqual([oldest]);
      expect(completed.orders[0]).toMatchObject({ status: 'COMPLETED', feeMinor: 89, netMinor: 2910 });
      const pending = await client.listOrders({ status: 'PENDING', pageSize: 3 });
      expect(pending.orders.map((o) => o.orderId)).toEqual([...created].reverse().slice(0, 3));
      const rest = await client.listOrders({ status: 'PENDING', pageSize: 3, pageToken: pending.nextPageToken });
      expect(rest.orders.map((o) => o.orderId)).toEqual([created[1]]);
      expect(rest.nextPageToken).toBe('');
      expect(await client.getOrder(oldest)).toMatchObject({ status: 'COMPLETED', feeMinor: 89 });

      const mismatched = await grpcError(client.listOrders({ status: 'COMPLETED', pageToken: pending.nextPageToken }));
      expect(mismatched.code).toBe(status.INVALID_ARGUMENT);
      expect(mismatched.details).toMatch(/^page_token: /);
    });

    it('INVALID_ARGUMENT for a page size over 100 or a foreign token', async () => {
      const big = await grpcError(h.client.listOrders({ pageSize: 101 }));
      expect(big.code).toBe(status.INVALID_ARGUMENT);
      expect(big.details).toMatch(/^page_size: /);
      const foreign = await grpcError(h.client.listOrders({ pageToken: 'bm90IGEgdG9rZW4' }));
      expect(foreign.code).toBe(status.INVALID_ARGUMENT);
      expect(foreign.details).toMatch(/^page_token: /);
    });

    it("lists only the caller's orders", async () => {
      const merchant = await h.newMerchant();
      const client = h.newClient(merchant.apiKey);
      expect((await client.listOrders()).orders).toEqual([]);
    });
  });
});
