import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { actionRejectionOf, createWalletClient, type WalletClient } from '../../gateway';
import { createHttpErpClient } from '../../integrations/erp';
import { reconcile } from '../../processors/erp-sync';
import { createLedgerProcessor } from '../../processors/ledger';
import { createOutputPublisher, runProcessor } from '../../processors/runtime';
import { createEventCodec, type EventCodec } from '../../schemas';
import type { Subscription } from '../../streams';
import pino from 'pino';
import { eventually, startPipeline, type Pipeline, type TransportKind } from './pipeline.helper';
import { freePort } from './processes.helper';

const kinds: TransportKind[] = ['memory', 'redis'];

/**
 * The wallet path through every part: gRPC WalletService → ledger holds → erp-sync → the ERP simulator
 * (failing a share of its calls with 503) → signed webhooks → posted. Random actions across personal,
 * enterprise (credit limit, child with a limit) and reseller (child funded by transfers) wallets.
 */
describe.each(kinds)('wallet path end to end on the %s transport', (kind) => {
  let p: Pipeline;
  let wallets: WalletClient;
  let erpPort: number;
  let secondLedger: Subscription | undefined;
  const started = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    erpPort = await freePort();
    p = await startPipeline(kind, {
      env: { ERP_SIM_PORT: String(erpPort), ERP_SIM_CONFIRM_DELAY_MS: '400', ERP_SIM_FAILURE_RATE: '0.2', ERP_RETRY_BASE_MS: '20', ERP_RETRY_MAX_MS: '200', ERP_BREAKER_THRESHOLD: '50' },
    });
    wallets = createWalletClient(`127.0.0.1:${p.app.ports?.grpcPort ?? 0}`, p.merchant.apiKey);
    // A second ledger consumer in the same group: the two split the partitions and lock wallets against each other.
    const logger = pino({ level: 'silent' });
    const codec: EventCodec = createEventCodec();
    secondLedger = await runProcessor(createLedgerProcessor({ pool: p.db.pool, publish: createOutputPublisher(p.app.transport), codec, logger, options: { feeBps: 250 } }), { transport: p.app.transport, codec, logger });
  });
  afterAll(async () => {
    await secondLedger?.close();
    wallets?.close();
    await p?.stop();
  });

  async function sql(query: string, params: unknown[] = []): Promise<RowDataPacket[]> {
    const [rows] = await p.db.pool.query<RowDataPacket[]>(query, params);
    return rows;
  }

  it('holds, rejects, posts and voids 1,000 random actions as the rules say, with two ledger consumers; money adds up and the ERP agrees', async () => {
    const personal = [await wallets.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'a' }), await wallets.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'b' })];
    const enterprise = await wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD', name: 'corp', creditLimitMinor: 5_000 });
    const child = await wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD', name: 'team', parentWalletId: enterprise.walletId, childLimitMinor: 3_000 });
    const reseller = await wallets.createWallet({ kind: 'RESELLER', currency: 'USD', name: 'reseller' });
    const subAccount = await wallets.createWallet({ kind: 'RESELLER', currency: 'USD', name: 'sub', parentWalletId: reseller.walletId });
    const ids = [...personal, enterprise, child, reseller, subAccount].map((w) => w.walletId);

    // Unconfirmed credits are not spendable: a top-up is held (the ERP answers after 400 ms), and spending it at once is refused.
    const topUp = await wallets.topUp({ idempotencyKey: randomUUID(), walletId: ids[0] ?? '', amountMinor: 10_000, externalReference: 'wire-1' });
    expect(topUp.action.status).toBe('HELD');
    const early = await wallets.use({ idempotencyKey: randomUUID(), walletId: ids[0] ?? '', amountMinor: 1, description: 'too early' }).catch((err: unknown) => err);
    expect(actionRejectionOf(early)?.reasonCode).toBe('INSUFFICIENT_FUNDS');
    // A reseller's sub-account is funded only by transfers from its reseller.
    const direct = await wallets.topUp({ idempotencyKey: randomUUID(), walletId: subAccount.walletId, amountMinor: 100, externalReference: 'x' }).catch((err: unknown) => err);
    expect(actionRejectionOf(direct)?.reasonCode).toBe('NOT_ALLOWED');

    for (const id of [ids[0], ids[1], enterprise.walletId, reseller.walletId]) {
      if (id !== ids[0]) await wallets.topUp({ idempotencyKey: randomUUID(), walletId: id ?? '', amountMinor: 10_000, externalReference: 'seed' });
    }
    await eventually('seed top-ups posted', async () => ((await sql("SELECT id FROM wallet_actions WHERE status = 'HELD'")).length === 0 ? true : undefined), 30_000);

    // Random actions, concurrently, including voids of earlier actions.
    const done: string[] = [topUp.action.actionId];
    let rejected = 0;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
    for (let round = 0; round < 40; round += 1) {
      const calls = Array.from({ length: 25 }, async () => {
        const r = Math.random();
        const amount = 1 + Math.floor(Math.random() * 1_500);
        try {
          const result =
            r < 0.25
              ? await wallets.topUp({ idempotencyKey: randomUUID(), walletId: pick([ids[0], ids[1], enterprise.walletId, reseller.walletId]) ?? '', amountMinor: amount, externalReference: 'r' })
              : r < 0.55
                ? await wallets.use({ idempotencyKey: randomUUID(), walletId: pick(ids), amountMinor: amount, description: 'r' })
                : r < 0.85
                  ? await wallets.transfer({ idempotencyKey: randomUUID(), fromWalletId: pick([ids[0], ids[1], reseller.walletId]) ?? '', toWalletId: pick([ids[1], subAccount.walletId, child.walletId]) ?? '', amountMinor: amount })
                  : await wallets.voidAction({ idempotencyKey: randomUUID(), actionId: pick(done) });
          done.push(result.action.actionId);
        } catch (err) {
          if (actionRejectionOf(err) === undefined && !String(err).includes('transfer to itself') && !String(err).includes('fromWalletId')) throw err;
          rejected += 1;
        }
      });
      await Promise.all(calls);
    }
    expect(rejected).toBeGreaterThan(0);

    // Every action reaches exactly one final state once the ERP has answered everything.
    await eventually(
      'every action final',
      async () => ((await sql("SELECT id FROM wallet_actions WHERE status IN ('PENDING', 'HELD')")).length === 0 ? true : undefined),
      90_000,
    );
    const states = await sql('SELECT status, COUNT(*) AS n FROM wallet_actions GROUP BY status');
    expect(states.map((s) => String(s.status)).every((s) => ['POSTED', 'REJECTED', 'RELEASED', 'VOIDED'].includes(s))).toBe(true);
    expect(await sql("SELECT id FROM ledger_transactions WHERE status = 'HELD'")).toHaveLength(0);

    // Double entry: the sum of every account is zero, posted and pending alike.
    const [sums] = await sql('SELECT SUM(posted_minor) AS posted, SUM(pending_in_minor) AS pin, SUM(pending_out_minor) AS pout FROM accounts');
    expect([Number(sums?.posted), Number(sums?.pin), Number(sums?.pout)]).toEqual([0, 0, 0]);
    // Holds were pessimistic: no personal or reseller wallet is overdrawn; the enterprise pool stays within its limit.
    for (const w of [...personal, reseller, subAccount]) expect((await wallets.getWallet(w.walletId)).balances.availableMinor).toBeGreaterThanOrEqual(0);
    const pool = await wallets.getWallet(enterprise.walletId);
    expect(pool.poolAvailableMinor ?? 0).toBeGreaterThanOrEqual(0);
    // Each ledger entry set sums to zero.
    expect(await sql('SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0')).toHaveLength(0);

    // The ERP and the ledger agree once erp-sync has sent what it owes the ERP: a void of a posted
    // action is final in the ledger at once, and its cancel reaches the ERP after.
    await eventually(
      'every ERP record settled',
      async () => ((await sql("SELECT ledger_transaction_id FROM erp_records WHERE status IN ('PENDING', 'SENT', 'CANCEL_PENDING')")).length === 0 ? true : undefined),
      90_000,
    );
    const report = await reconcile(p.db.pool, createHttpErpClient({ baseUrl: `http://127.0.0.1:${erpPort}` }), { from: started, to: new Date(Date.now() + 60_000) });
    expect(report.rows).toEqual([]);
    expect(report.clean).toBe(true);
    expect(report.ledgerTransactions).toBeGreaterThan(100);
    expect(done.length).toBeGreaterThan(300);
  }, 180_000);
});
