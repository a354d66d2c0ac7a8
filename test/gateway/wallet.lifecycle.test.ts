import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Transport } from '../../streams';
import { eventually } from './gateway.harness';
import { field, HealthClient, reflect } from './grpc.clients';
import type { WalletHarness } from './wallet.harness';
import { key, startWalletHarness } from './wallet.harness';

describe('WalletService lifecycle', () => {
  const harnesses: WalletHarness[] = [];
  const start = async (...args: Parameters<typeof startWalletHarness>): Promise<WalletHarness> => {
    const h = await startWalletHarness(...args);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });

  it('reports WalletService SERVING in health, and lists it through reflection', async () => {
    const h = await start();
    const health = new HealthClient(h.grpcAddress);
    try {
      expect(await health.status('paystream.v1.WalletService')).toBe('SERVING');
    } finally {
      health.close();
    }
    const listed = await reflect(h.grpcAddress, { listServices: '' });
    const names = (field(field(listed, 'listServicesResponse'), 'service') as unknown[]).map((s) => field(s, 'name'));
    expect(names).toEqual(expect.arrayContaining(['paystream.v1.OrderService', 'paystream.v1.WalletService', 'grpc.health.v1.Health']));
    const file = await reflect(h.grpcAddress, { fileContainingSymbol: 'paystream.v1.WalletService' });
    const descriptors = field(field(file, 'fileDescriptorResponse'), 'fileDescriptorProto') as Buffer[];
    expect(Buffer.concat(descriptors).toString('latin1')).toContain('SetBalanceThreshold');
  });

  it('stop() answers a waiting action PENDING and ends a watch with UNAVAILABLE', async () => {
    const h = await start();
    const wallet = await h.wallets.createWallet({ kind: 'PERSONAL', currency: 'USD' });
    h.ledger.answering = false;
    const waiting = h.wallets.topUp({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 5, externalReference: 'r' });
    const seen: string[] = [];
    const watching = (async () => {
      for await (const event of h.wallets.watchWallet(wallet.walletId)) seen.push(event.type);
    })().catch((err: ServiceError) => err);
    await eventually(() => h.ledger.requested.length === 1 && seen.length === 1);
    await h.gateway.stop();
    expect((await waiting).action.status).toBe('PENDING');
    expect(await watching).toMatchObject({ code: status.UNAVAILABLE });
    expect(seen).toEqual(['snapshot']);
  });

  it('UNAVAILABLE while the broker refuses; the relay publishes the action later, once, and a retry is answered', async () => {
    let brokerDown = false;
    const wrap = (memory: Transport): Transport => ({
      name: memory.name,
      ensureTopics: (topics) => memory.ensureTopics(topics),
      subscribe: (options) => memory.subscribe(options),
      close: () => memory.close(),
      publish: (topic, messages) => (brokerDown ? Promise.reject(new Error('broker unreachable')) : memory.publish(topic, messages)),
    });
    const h = await start({ wrapTransport: wrap, gateway: { relayIntervalMs: 50, relayMinAgeMs: 300 } });
    const wallet = await h.wallets.createWallet({ kind: 'PERSONAL', currency: 'USD' });
    brokerDown = true;
    const input = { idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 77, externalReference: 'r' };
    const err = await h.wallets.topUp(input, { timeoutMs: 2_000 }).catch((e: ServiceError) => e);
    expect(err).toMatchObject({ code: status.UNAVAILABLE });
    const [rows] = await h.db.pool.query('SELECT id, published FROM wallet_actions WHERE idempotency_key = ?', [input.idempotencyKey]);
    const [row] = rows as { id: string; published: number }[];
    expect(row?.published).toBe(0);
    const actionId = row?.id ?? '';
    brokerDown = false;
    await eventually(() => h.requested(actionId).length === 1);
    await eventually(async () => (await h.wallets.getAction(actionId)).status === 'HELD');
    const retry = await h.wallets.topUp(input, { timeoutMs: 2_000 });
    expect(retry).toMatchObject({ replayed: true, action: { actionId, status: 'HELD' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.requested(actionId)).toHaveLength(1);
  });
});
