import { randomUUID } from 'node:crypto';
import { seedMerchants } from '../../../bench/pipeline/bench.database';
import { verifyRun } from '../../../bench/pipeline/run.verifier';
import { collectRunFacts, collectWalletFacts, measureRowMix, readDrainState } from '../../../bench/pipeline/verify.queries';
import { verifyWalletRun } from '../../../bench/pipeline/wallet.verifier';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

/**
 * The verifier's SQL against a real database holding what the pipeline leaves behind for one
 * completed and one failed order (rows written here by hand, in the pipeline's shapes).
 */
describe('verification queries', () => {
  let db: TestDatabase;
  const completed = randomUUID();
  const failed = randomUUID();
  const since = new Date(Date.now() - 60_000);
  let merchantId = '';
  let walletId = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    const [merchant] = await seedMerchants(db.pool, 1, 'Test Shop');
    if (merchant === undefined) throw new Error('no merchant');
    ({ merchantId, walletId } = merchant);
    const now = new Date();
    const q = (sql: string, params: unknown[]): Promise<unknown> => db.pool.query(sql, params);
    const clearing = randomUUID();
    const revenue = randomUUID();
    await q(
      `INSERT INTO accounts (id, kind, system_code, currency, pending_in_minor, pending_out_minor, created_at, updated_at) VALUES
       (?, 'system', 'psp_clearing', 'USD', 0, 1000, ?, ?), (?, 'system', 'platform_revenue', 'USD', 25, 0, ?, ?)`,
      [clearing, now, now, revenue, now, now],
    );
    await q('UPDATE accounts SET pending_in_minor = 975 WHERE id = ?', [walletId]);
    for (const [orderId, total] of [
      [completed, 1000],
      [failed, 500],
    ] as const) {
      await q(
        `INSERT INTO order_requests (order_id, merchant_id, idempotency_key, request_hash, total_minor, currency, published, created_at)
         VALUES (?, ?, ?, ?, ?, 'USD', 1, ?)`,
        [orderId, merchantId, randomUUID(), 'h'.repeat(64), total, now],
      );
    }
    await q("INSERT INTO payments (order_id, merchant_id, outcome, amount_minor, currency, created_at) VALUES (?, ?, 'CAPTURED', 1000, 'USD', ?), (?, ?, 'DECLINED', 500, 'USD', ?)", [
      completed,
      merchantId,
      now,
      failed,
      merchantId,
      now,
    ]);
    const tx = randomUUID();
    await q(
      "INSERT INTO ledger_transactions (id, kind, status, currency, amount_minor, merchant_id, wallet_id, order_id, source_event_id, memo, created_at) VALUES (?, 'SALE', 'HELD', 'USD', 1000, ?, ?, ?, ?, 'sale', ?)",
      [tx, merchantId, walletId, completed, randomUUID(), now],
    );
    await q("INSERT INTO ledger_entries (transaction_id, account_id, amount_minor, currency, created_at) VALUES (?, ?, -1000, 'USD', ?), (?, ?, 975, 'USD', ?), (?, ?, 25, 'USD', ?)", [
      tx,
      clearing,
      now,
      tx,
      walletId,
      now,
      tx,
      revenue,
      now,
    ]);
    await q(
      `INSERT INTO orders (id, merchant_id, status, total_minor, currency, fee_minor, net_minor, customer_id, item_count, submitted_at, updated_at)
       VALUES (?, ?, 'COMPLETED', 1000, 'USD', 25, 975, 'c', 1, ?, ?), (?, ?, 'FAILED', 500, 'USD', NULL, NULL, 'c', 1, ?, ?)`,
      [completed, merchantId, now, now, failed, merchantId, now, now],
    );
    const log = async (orderId: string, type: string, payload = '{}'): Promise<string> => {
      const eventId = randomUUID();
      await q(
        `INSERT INTO log_entries (event_id, logged_at, produced_at, service, level, event_type, topic, message_key, correlation_id, causation_id, message, payload)
         VALUES (?, ?, ?, 'test', 'info', ?, 't', ?, ?, ?, 'm', ?)`,
        [eventId, now, now, type, merchantId, orderId, eventId, payload],
      );
      return eventId;
    };
    for (const type of ['OrderSubmitted', 'PaymentCompleted', 'OrderCompleted', 'NotificationDelivered', 'NotificationDelivered']) await log(completed, type);
    const walletUpdated = await log(completed, 'WalletUpdated', '{"status":"HELD"}');
    // Its settlement: the ERP's confirmation and another WalletUpdated, and no notification about it is expected.
    await log(completed, 'ErpConfirmation');
    await log(completed, 'WalletUpdated', '{"status":"POSTED"}');
    for (const type of ['OrderSubmitted', 'PaymentFailed', 'OrderCompleted']) await log(failed, type);
    for (const channel of ['EMAIL', 'SMS']) {
      await q(
        "INSERT INTO notifications (id, source_event_id, channel, merchant_id, template, recipient, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'sale', 'r', 'NOT_CONFIGURED', ?, ?)",
        [randomUUID(), walletUpdated, channel, merchantId, now, now],
      );
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('collects facts that verify a clean run', async () => {
    const facts = await collectRunFacts(db.pool);
    expect(facts.requests.get(completed)).toBe(merchantId);
    expect(facts.notifications.get(completed)).toBe(2);
    expect(facts.logs.get(failed)).toMatchObject({ OrderSubmitted: 1, PaymentFailed: 1, OrderCompleted: 1, WalletUpdated: 0 });
    expect(facts.logs.get(completed)).toMatchObject({ WalletUpdated: 1, WalletSettled: 1, NotificationDelivered: 2 });
    expect(facts.wallets.get(merchantId)).toEqual({ walletId, postedMinor: 0, pendingInMinor: 975, pendingOutMinor: 0 });
    expect(facts.sumOfAllAccounts).toBe(0);
    expect(facts.unbalancedTransactions).toBe(0);
    const v = verifyRun(
      [
        { orderId: completed, status: 'C', netMinor: 975 },
        { orderId: failed, status: 'F', netMinor: 0 },
      ],
      facts,
    );
    expect(v).toMatchObject({ accepted: 2, applied: 2, lost: 0, duplicated: 0, inconsistent: 0, ok: true });
  });

  it('sees the pipeline drained: every order final and every expected log row there', async () => {
    const state = await readDrainState(db.pool, since);
    expect(state).toMatchObject({ unpublished: 0, requests: 2, finalInProjection: 2, sales: 1, logRows: 11, expectedLogRows: 9, undecidedActions: 0, drained: true });
    expect((await readDrainState(db.pool, new Date(Date.now() + 60_000))).requests).toBe(0);
  });

  it('measures the rows an order leaves in each table', async () => {
    const { orders, mix } = await measureRowMix(db.pool);
    expect(orders).toBe(2);
    expect(mix).toMatchObject({ order_requests: 1, payments: 1, ledger_transactions: 0.5, ledger_entries: 1.5, log_entries: 5.5, notifications: 1, outbox: 0.5 });
  });

  it('reads wallet actions, their ledger transactions and the wallets; an undecided action is not drained', async () => {
    const now = new Date();
    const [a, b, actionId, pendingId, tx] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await db.pool.query(
      `INSERT INTO accounts (id, merchant_id, kind, currency, pending_in_minor, created_at, updated_at)
       VALUES (?, ?, 'enterprise', 'USD', 500, ?, ?), (?, ?, 'personal', 'USD', 0, ?, ?)`,
      [a, merchantId, now, now, b, merchantId, now, now],
    );
    const action = (id: string, status: string) =>
      db.pool.query(
        `INSERT INTO wallet_actions (id, merchant_id, idempotency_key, request_hash, request_json, kind, wallet_id, amount_minor, currency, status, created_at)
         VALUES (?, ?, ?, ?, '{}', 'TOP_UP', ?, 500, 'USD', ?, ?)`,
        [id, merchantId, randomUUID(), 'h'.repeat(64), a, status, now],
      );
    await action(actionId, 'HELD');
    await db.pool.query(
      "INSERT INTO ledger_transactions (id, kind, status, currency, amount_minor, merchant_id, wallet_id, action_id, source_event_id, memo, created_at) VALUES (?, 'TOP_UP', 'HELD', 'USD', 500, ?, ?, ?, ?, 'top-up', ?)",
      [tx, merchantId, a, actionId, randomUUID(), now],
    );
    const facts = await collectWalletFacts(db.pool, [a, b]);
    expect(facts.actions.get(actionId)).toEqual({ kind: 'TOP_UP', status: 'HELD', amountMinor: 500, walletId: a, counterpartyWalletId: null });
    expect(facts.ledgerTransactions.get(actionId)).toBe(1);
    expect(verifyWalletRun([{ actionId, status: 'H', amountMinor: 500 }], facts)).toMatchObject({ applied: 1, walletMismatches: 0, ok: true });

    await action(pendingId, 'PENDING');
    expect(await readDrainState(db.pool, since)).toMatchObject({ undecidedActions: 1, drained: false });
  });
});
