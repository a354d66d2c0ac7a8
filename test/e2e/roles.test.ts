import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { createMerchant, createOrderClient, createWalletClient, type OrderClient } from '../../gateway';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';
import { deleteKeys } from '../streams/redis/redis-test-env';
import { eventually, orderInput, REDIS_URL } from './pipeline.helper';
import { freePort, startRoleProcess, type RoleProcess } from './processes.helper';

/**
 * The gateway and every processor as separate OS processes on Redis Streams, two ledger replicas,
 * one of which is killed (SIGKILL) half-way: its partitions and unacknowledged messages are taken over.
 */
describe('one process per role on Redis Streams', () => {
  let db: TestDatabase;
  const prefix = `roles-${randomUUID()}`;
  const processes: RoleProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop(5_000)));
    const admin = new Redis(REDIS_URL);
    await deleteKeys(admin, prefix);
    await admin.quit();
    await db.drop();
  });

  it('takes orders and wallet actions through gateway, payment, two ledgers, logger, notification, erp-sync and ERP simulator processes', async () => {
    const grpcPort = await freePort();
    const erpPort = await freePort();
    const httpPort = await freePort();
    const env = {
      TRANSPORT: 'redis',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      REDIS_VISIBILITY_TIMEOUT_MS: '2000',
      MYSQL_URL: db.url,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: String(grpcPort),
      PSP_SIM_LATENCY_MS: '1',
      ERP_SIM_PORT: String(erpPort),
      ERP_URL: `http://127.0.0.1:${erpPort}`,
      ERP_WEBHOOK_SECRET: 'roles-test-webhook-secret',
      ERP_SIM_CONFIRM_DELAY_MS: '20',
      LOG_LEVEL: 'info',
    };
    const roles: [string, Record<string, string>][] = [
      ['payment', {}],
      ['ledger', {}],
      ['ledger', {}],
      ['logger', {}],
      ['notification', {}],
      ['erp-sync', {}],
      ['erp-simulator', { ERP_WEBHOOK_URL: `http://127.0.0.1:${httpPort}/erp/webhooks` }],
      ['gateway', { HTTP_PORT: String(httpPort) }],
    ];
    for (const [role, extra] of roles) processes.push(startRoleProcess(role, ['start', role], { ...env, ...extra }));
    await Promise.all(processes.map((p) => p.ready));

    const clients: OrderClient[] = [];
    const merchants = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createMerchant(db.pool, { name: `Shop ${i}`, email: `shop${i}@roles.test`, phone: '+15555550150', currency: 'USD' })),
    );
    try {
      for (const m of merchants) clients.push(createOrderClient(`127.0.0.1:${grpcPort}`, m.apiKey));
      const submit = (round: number) =>
        Promise.all(
          clients.flatMap((client, i) =>
            Array.from({ length: 5 }, (_, j) =>
              client.submitOrder(orderInput(randomUUID(), (i + j + round) % 7 === 0 ? 'tok_decline' : 'tok_visa', [{ sku: `r${round}-${j}`, name: 'Item', quantity: 1, unitPriceMinor: 1000 + j }]), {
                timeoutMs: 20_000,
              }),
            ),
          ),
        );
      const first = await submit(0);
      // Kill one ledger replica without warning; the other takes over its partitions.
      const doomed = processes.find((p) => p.name === 'ledger');
      doomed?.child.kill('SIGKILL');
      const second = await submit(1);
      const all = [...first, ...second].map((r) => r.order);
      // Orders answered PENDING (a takeover can take longer than a call) must still finish.
      const ids = all.map((o) => o.orderId);
      const finals = await eventually(
        'every order final in the projection',
        async () => {
          const [rows] = await db.pool.query<RowDataPacket[]>("SELECT id, status FROM orders WHERE id IN (?) AND status <> 'PENDING'", [ids]);
          return rows.length === ids.length ? rows : undefined;
        },
        30_000,
      );
      const declined = finals.filter((r) => r.status === 'FAILED').length;
      expect(declined).toBeGreaterThan(0);
      const [ledger] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ledger_transactions WHERE order_id IN (?)', [ids]);
      expect(Number(ledger[0]?.n)).toBe(ids.length - declined);
      const [notes] = await db.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM notifications WHERE status = 'NOT_CONFIGURED'");
      await eventually('notifications recorded', async () => {
        const [n] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM notifications');
        return Number(n[0]?.n) === 2 * (ids.length - declined) ? true : undefined;
      });
      expect(Number(notes[0]?.n)).toBeGreaterThan(0);
      // Money adds up: the sum of every account is zero.
      const [sum] = await db.pool.query<RowDataPacket[]>('SELECT SUM(posted_minor + pending_in_minor - pending_out_minor) AS total FROM accounts');
      expect(Number(sum[0]?.total)).toBe(0);

      // Wallet actions through the same processes: held by the ledger, posted once the ERP simulator confirms.
      const walletClient = createWalletClient(`127.0.0.1:${grpcPort}`, merchants[0]?.apiKey ?? '');
      try {
        const from = await walletClient.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'from' });
        const to = await walletClient.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'to' });
        const topUp = await walletClient.topUp({ idempotencyKey: randomUUID(), walletId: from.walletId, amountMinor: 5_000, externalReference: 'roles' }, { timeoutMs: 20_000 });
        expect(topUp.action.status).toBe('HELD');
        await eventually('top-up posted', async () => ((await walletClient.getAction(topUp.action.actionId)).status === 'POSTED' ? true : undefined), 30_000);
        const use = await walletClient.use({ idempotencyKey: randomUUID(), walletId: from.walletId, amountMinor: 1_000, description: 'roles' }, { timeoutMs: 20_000 });
        const transfer = await walletClient.transfer({ idempotencyKey: randomUUID(), fromWalletId: from.walletId, toWalletId: to.walletId, amountMinor: 1_500 }, { timeoutMs: 20_000 });
        for (const action of [use.action, transfer.action]) {
          await eventually('action posted', async () => ((await walletClient.getAction(action.actionId)).status === 'POSTED' ? true : undefined), 30_000);
        }
        expect((await walletClient.getWallet(from.walletId)).balances).toMatchObject({ postedMinor: 2_500, pendingInMinor: 0, pendingOutMinor: 0 });
        expect((await walletClient.getWallet(to.walletId)).balances).toMatchObject({ postedMinor: 1_500 });
      } finally {
        walletClient.close();
      }

      const alive = processes.filter((p) => p !== doomed);
      for (const p of alive) expect(p.child.exitCode).toBeNull();
      const codes = await Promise.all(alive.map((p) => p.stop()));
      expect(codes).toEqual(alive.map(() => 0));
    } finally {
      for (const c of clients) c.close();
    }
  }, 120_000);
});
