import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { RowDataPacket } from 'mysql2/promise';
import { createMerchant, createOrderClient } from '../../gateway';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';
import { orderInput } from './pipeline.helper';
import { freePort, startRoleProcess } from './processes.helper';

describe('graceful shutdown', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('SIGTERM while orders are in flight loses no accepted order', async () => {
    const merchant = await createMerchant(db.pool, { name: 'Shutdown Co', email: 'ops@shutdown.test', phone: '+15555550199', currency: 'USD' });
    const grpcPort = await freePort();
    const httpPort = await freePort();
    const proc = startRoleProcess('all', ['start'], {
      TRANSPORT: 'memory',
      MYSQL_URL: db.url,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      HTTP_PORT: String(httpPort),
      PSP_SIM_LATENCY_MS: '20',
      ERP_SIM_PORT: '0',
      LOG_LEVEL: 'info',
    });
    await proc.ready;
    const client = createOrderClient(`127.0.0.1:${grpcPort}`, merchant.apiKey);
    try {
      const calls = Array.from({ length: 60 }, (_, i) =>
        client.submitOrder(orderInput(randomUUID(), 'tok_visa', [{ sku: `s${i}`, name: 'Item', quantity: 1, unitPriceMinor: 500 + i }]), { timeoutMs: 20_000 }),
      );
      // Stop the process while those calls are being answered.
      await new Promise((resolve) => setTimeout(resolve, 150));
      proc.child.kill('SIGTERM');
      const settled = await Promise.allSettled(calls);
      const [code] = (await once(proc.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(proc.output()).toContain('stopped');

      const accepted = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.order] : []));
      expect(accepted.length).toBeGreaterThan(0);
      const ids = accepted.map((o) => o.orderId);
      // Every accepted order went all the way through before the process exited.
      const [ledger] = await db.pool.query<RowDataPacket[]>('SELECT order_id FROM ledger_transactions WHERE order_id IN (?)', [ids]);
      expect(ledger.map((r) => String(r.order_id)).sort()).toEqual([...ids].sort());
      const [projected] = await db.pool.query<RowDataPacket[]>("SELECT id FROM orders WHERE status = 'COMPLETED' AND id IN (?)", [ids]);
      expect(projected).toHaveLength(ids.length);
      // Calls refused during shutdown were refused cleanly (UNAVAILABLE), not lost half-way.
      for (const s of settled) {
        if (s.status === 'rejected') expect(String((s.reason as { code?: unknown }).code)).toMatch(/^(14|1)$/);
      }
      const [requests] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n, SUM(published) AS p FROM order_requests');
      expect(Number(requests[0]?.n)).toBe(Number(requests[0]?.p));
    } finally {
      client.close();
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });
});
