import { randomUUID } from 'node:crypto';
import { createLedgerProcessor, defaultWalletId, LEDGER_PROCESSOR_NAME, saleTransactionId, systemAccountId } from '../../../processors/ledger';
import type { PublishOutputs } from '../../../processors/runtime';
import { deriveId, TOPICS, toMessage } from '../../../schemas';
import { DLQ_HEADERS, dlqTopic, type Subscription } from '../../../streams';
import { erpConfirmation, paymentCompleted, paymentFailed } from './ledger.events';
import { codec, createHarness, createTestDatabase, rows, silentLogger, type Harness, type TestDatabase, type Observer } from './processor.harness';

const NOW = 1_732_230_009_000;

/** Balances of one account as numbers. */
async function balances(h: Harness, accountId: string): Promise<{ posted: number; pendingIn: number; pendingOut: number }> {
  const [row] = await rows(h.pool, 'SELECT posted_minor, pending_in_minor, pending_out_minor FROM accounts WHERE id = ?', [accountId]);
  if (row === undefined) throw new Error(`no account ${accountId}`);
  return { posted: Number(row.posted_minor), pendingIn: Number(row.pending_in_minor), pendingOut: Number(row.pending_out_minor) };
}

async function expectInvariants(h: Harness): Promise<void> {
  const sums = await rows(h.pool, 'SELECT currency, SUM(posted_minor) AS posted, SUM(pending_in_minor - pending_out_minor) AS pending FROM accounts GROUP BY currency');
  for (const row of sums) expect([row.currency, Number(row.posted), Number(row.pending)]).toEqual([row.currency, 0, 0]);
  expect(await rows(h.pool, 'SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0')).toEqual([]);
}

describe('ledger processor', () => {
  let h: Harness;
  let walletUpdates: Observer;
  let ordersCompleted: Observer;
  const merchantId = randomUUID();
  const walletId = defaultWalletId(merchantId, 'EUR');
  const clearingId = systemAccountId('psp_clearing', 'EUR');
  const revenueId = systemAccountId('platform_revenue', 'EUR');

  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    h = await createHarness({ db });
    walletUpdates = await h.observe(TOPICS.walletUpdates);
    ordersCompleted = await h.observe(TOPICS.ordersCompleted);
  });
  afterEach(async () => {
    await h.close();
  });

  async function start(publish: PublishOutputs = h.publishOutputs): Promise<Subscription> {
    return h.run(createLedgerProcessor({ pool: h.pool, publish, codec, logger: silentLogger, options: { feeBps: 250 }, now: () => NOW }));
  }

  async function settled(topic: string): Promise<void> {
    await h.drained(LEDGER_PROCESSOR_NAME, topic);
  }

  it('credits a sale as a HELD transaction, net to the wallet and the fee to revenue, and publishes both outputs', async () => {
    await start();
    const first = paymentCompleted(merchantId, 10_000);
    const second = paymentCompleted(merchantId, 1_001);
    await h.publish(TOPICS.paymentsCompleted, [first, second]);
    await ordersCompleted.waitForCount(2);
    await walletUpdates.waitForCount(2);

    const firstTx = saleTransactionId(first.eventId);
    const [update1, update2] = walletUpdates.events('WalletUpdated');
    expect(update1?.event).toEqual({
      walletId,
      merchantId,
      ledgerTransactionId: firstTx,
      cause: 'SALE',
      status: 'HELD',
      actionId: null,
      orderId: first.event.orderId,
      amountMinor: 9_750,
      currency: 'EUR',
      balances: { postedMinor: 0, pendingInMinor: 9_750, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 9_750 },
      lines: [
        { account: clearingId, amountMinor: -10_000 },
        { account: walletId, amountMinor: 9_750 },
        { account: revenueId, amountMinor: 250 },
      ],
      reason: null,
      occurredAt: NOW,
    });
    expect(update1?.message.key).toBe(walletId);
    expect(update1?.message.headers).toMatchObject({ eventId: deriveId(first.eventId, 'WalletUpdated', walletId), correlationId: first.event.orderId, causationId: first.eventId });
    // 2.5 % of 1,001 is 25.025: the fee rounds to 25, the net is 976; balances follow in event order.
    expect(update2?.event).toMatchObject({ amountMinor: 976, balances: { postedMinor: 0, pendingInMinor: 10_726, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 10_726 } });

    const [completed1, completed2] = ordersCompleted.events('OrderCompleted');
    expect(completed1?.event).toEqual({
      orderId: first.event.orderId,
      merchantId,
      status: 'COMPLETED',
      totalMinor: 10_000,
      currency: 'EUR',
      feeMinor: 250,
      netMinor: 9_750,
      walletId,
      ledgerTransactionId: firstTx,
      failureReason: null,
      completedAt: NOW,
    });
    expect(completed1?.message.key).toBe(merchantId);
    expect(completed1?.message.headers.eventId).toBe(deriveId(first.eventId, 'OrderCompleted'));
    expect(completed2?.event).toMatchObject({ feeMinor: 25, netMinor: 976 });

    expect(await rows(h.pool, 'SELECT kind, status, amount_minor, wallet_id, order_id, source_event_id FROM ledger_transactions WHERE id = ?', [firstTx])).toEqual([
      { kind: 'SALE', status: 'HELD', amount_minor: 10_000, wallet_id: walletId, order_id: first.event.orderId, source_event_id: first.eventId },
    ]);
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 10_726, pendingOut: 0 });
    expect(await balances(h, clearingId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 11_001 });
    expect(await balances(h, revenueId)).toEqual({ posted: 0, pendingIn: 275, pendingOut: 0 });
    expect(await rows(h.pool, 'SELECT kind, merchant_id, is_default, currency FROM accounts WHERE id = ?', [walletId])).toEqual([
      { kind: 'personal', merchant_id: merchantId, is_default: 1, currency: 'EUR' },
    ]);
    await expectInvariants(h);
  });

  it('completes a declined order as FAILED with the reason and writes no ledger rows', async () => {
    await start();
    const declined = paymentFailed(merchantId, 4_200, 'Insufficient funds');
    await h.publish(TOPICS.paymentsCompleted, [declined]);
    await ordersCompleted.waitForCount(1);
    await settled(TOPICS.paymentsCompleted);

    expect(ordersCompleted.events('OrderCompleted')[0]?.event).toEqual({
      orderId: declined.event.orderId,
      merchantId,
      status: 'FAILED',
      totalMinor: 4_200,
      currency: 'EUR',
      feeMinor: 0,
      netMinor: 0,
      walletId: null,
      ledgerTransactionId: null,
      failureReason: 'Insufficient funds',
      completedAt: NOW,
    });
    expect(walletUpdates.messages).toHaveLength(0);
    expect(await rows(h.pool, 'SELECT id FROM ledger_transactions')).toEqual([]);
    expect(await rows(h.pool, 'SELECT id FROM ledger_entries')).toEqual([]);
    expect(await rows(h.pool, 'SELECT id FROM accounts')).toEqual([]);
  });

  it('posts a HELD sale once on ERP confirmation; later verdicts change nothing', async () => {
    await start();
    const sale = paymentCompleted(merchantId, 10_000);
    const tx = saleTransactionId(sale.eventId);
    await h.publish(TOPICS.paymentsCompleted, [sale]);
    await walletUpdates.waitForCount(1);

    const confirm = erpConfirmation(tx, walletId, 'CONFIRMED');
    await h.publish(TOPICS.erpConfirmations, [confirm]);
    await walletUpdates.waitForCount(2);
    await settled(TOPICS.erpConfirmations);
    // The same message again, a second confirmation and a contradicting rejection: all no-ops.
    await h.publish(TOPICS.erpConfirmations, [confirm, erpConfirmation(tx, walletId, 'CONFIRMED'), erpConfirmation(tx, walletId, 'REJECTED', 'too late')]);
    await settled(TOPICS.erpConfirmations);

    expect(walletUpdates.messages).toHaveLength(2);
    const posted = walletUpdates.events('WalletUpdated')[1];
    expect(posted?.event).toMatchObject({
      ledgerTransactionId: tx,
      cause: 'SALE',
      status: 'POSTED',
      orderId: sale.event.orderId,
      amountMinor: 0,
      balances: { postedMinor: 9_750, pendingInMinor: 0, pendingOutMinor: 0, availableMinor: 9_750, shadowMinor: 9_750 },
      reason: null,
    });
    expect(posted?.message.headers.causationId).toBe(confirm.eventId);
    expect(await rows(h.pool, 'SELECT status, settled_at IS NOT NULL AS settled FROM ledger_transactions WHERE id = ?', [tx])).toEqual([{ status: 'POSTED', settled: 1 }]);
    expect(await balances(h, walletId)).toEqual({ posted: 9_750, pendingIn: 0, pendingOut: 0 });
    expect(await balances(h, clearingId)).toEqual({ posted: -10_000, pendingIn: 0, pendingOut: 0 });
    expect(await balances(h, revenueId)).toEqual({ posted: 250, pendingIn: 0, pendingOut: 0 });
    // Entries are immutable: settling adds none.
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_entries')).toEqual([{ n: 3 }]);
    await expectInvariants(h);
  });

  it('releases a HELD sale on ERP rejection', async () => {
    await start();
    const kept = paymentCompleted(merchantId, 2_000);
    const rejected = paymentCompleted(merchantId, 10_000);
    await h.publish(TOPICS.paymentsCompleted, [kept, rejected]);
    await walletUpdates.waitForCount(2);
    await h.publish(TOPICS.erpConfirmations, [erpConfirmation(saleTransactionId(rejected.eventId), walletId, 'REJECTED', 'Customer account closed')]);
    await walletUpdates.waitForCount(3);

    expect(walletUpdates.events('WalletUpdated')[2]?.event).toMatchObject({
      status: 'REJECTED',
      amountMinor: -9_750,
      reason: 'Customer account closed',
      balances: { postedMinor: 0, pendingInMinor: 1_950, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 1_950 },
    });
    expect(await rows(h.pool, 'SELECT status FROM ledger_transactions WHERE id = ?', [saleTransactionId(rejected.eventId)])).toEqual([{ status: 'REJECTED' }]);
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 1_950, pendingOut: 0 });
    expect(await balances(h, clearingId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 2_000 });
    await expectInvariants(h);
  });

  it('changes nothing when the same input messages are delivered again', async () => {
    await start();
    const inputs = [paymentCompleted(merchantId, 5_000), paymentFailed(merchantId, 300), paymentCompleted(merchantId, 7_000)];
    const messages = inputs.map((e) => toMessage(codec, e));
    await h.transport.publish(TOPICS.paymentsCompleted, messages);
    await ordersCompleted.waitForCount(3);
    await settled(TOPICS.paymentsCompleted);
    const before = await balances(h, walletId);

    await h.transport.publish(TOPICS.paymentsCompleted, messages);
    await settled(TOPICS.paymentsCompleted);

    expect(await balances(h, walletId)).toEqual(before);
    expect(before).toEqual({ posted: 0, pendingIn: 4_875 + 6_825, pendingOut: 0 });
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_transactions')).toEqual([{ n: 2 }]);
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM ledger_entries')).toEqual([{ n: 6 }]);
    expect(ordersCompleted.messages).toHaveLength(3);
    expect(walletUpdates.messages).toHaveLength(2);
  });

  it('does not credit an order twice when a second PaymentCompleted for it has another event id', async () => {
    await start();
    const first = paymentCompleted(merchantId, 5_000);
    await h.publish(TOPICS.paymentsCompleted, [first]);
    await ordersCompleted.waitForCount(1);
    const again = { ...paymentCompleted(merchantId, 5_000, 'EUR', first.event.orderId), eventId: randomUUID() };
    await h.publish(TOPICS.paymentsCompleted, [again]);
    await settled(TOPICS.paymentsCompleted);

    expect(await rows(h.pool, 'SELECT id FROM ledger_transactions WHERE order_id = ?', [first.event.orderId])).toEqual([{ id: saleTransactionId(first.eventId) }]);
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 4_875, pendingOut: 0 });
    expect(ordersCompleted.messages).toHaveLength(1);
    expect(walletUpdates.messages).toHaveLength(1);
  });

  it('loses no output when publishing fails after commit: the redelivered event publishes what its inbox row kept', async () => {
    let crashes = 0;
    const attempts: string[][] = [];
    const crashingOnce: PublishOutputs = async (messages) => {
      attempts.push(messages.map((m) => m.headers.eventId));
      if (crashes === 0) {
        crashes += 1;
        throw new Error('simulated crash between commit and publish');
      }
      await h.publishOutputs(messages);
    };
    await start(crashingOnce);
    const sale = paymentCompleted(merchantId, 10_000);
    await h.publish(TOPICS.paymentsCompleted, [sale]);
    await settled(TOPICS.paymentsCompleted);

    const outputIds = [deriveId(sale.eventId, 'WalletUpdated', walletId), deriveId(sale.eventId, 'OrderCompleted')];
    // The first publish failed after the commit, so the batch failed and the event came back: the
    // inbox stopped it from applying again, and the outputs recorded with it went out.
    expect(crashes).toBe(1);
    expect(attempts).toEqual([outputIds, outputIds]);
    await ordersCompleted.waitForCount(1);
    await walletUpdates.waitForCount(1);
    expect(ordersCompleted.events('OrderCompleted')[0]?.event).toMatchObject({ orderId: sale.event.orderId, status: 'COMPLETED', netMinor: 9_750 });
    expect(ordersCompleted.messages[0]?.headers).toMatchObject({ eventId: outputIds[1], causationId: sale.eventId, eventType: 'OrderCompleted' });
    expect(walletUpdates.events('WalletUpdated')[0]?.event).toMatchObject({ status: 'HELD', amountMinor: 9_750 });
    expect(await rows(h.pool, 'SELECT event_id FROM inbox WHERE consumer = ?', [LEDGER_PROCESSOR_NAME])).toEqual([{ event_id: sale.eventId }]);
    expect(await rows(h.pool, 'SELECT id FROM outbox')).toEqual([]);
    // The credit was applied once, before the failed publish.
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 9_750, pendingOut: 0 });
    expect(await rows(h.pool, 'SELECT id FROM ledger_transactions WHERE order_id = ?', [sale.event.orderId])).toHaveLength(1);
  });

  it('publishes the recorded outputs again, byte for byte, when a process that did not publish them gets the event again', async () => {
    const first = await start();
    const sale = paymentCompleted(merchantId, 4_000);
    await h.publish(TOPICS.paymentsCompleted, [sale]);
    await settled(TOPICS.paymentsCompleted);
    await ordersCompleted.waitForCount(1);
    // The same process publishes nothing for a duplicate: it published those outputs itself.
    await h.publish(TOPICS.paymentsCompleted, [sale]);
    await settled(TOPICS.paymentsCompleted);
    expect(ordersCompleted.messages).toHaveLength(1);

    // Another process (after a crash, or taking the partition over) cannot know that they went out.
    await first.close();
    await start();
    await h.publish(TOPICS.paymentsCompleted, [sale]);
    await settled(TOPICS.paymentsCompleted);
    await ordersCompleted.waitForCount(2);
    await walletUpdates.waitForCount(2);
    const [original, again] = ordersCompleted.messages;
    expect(again?.headers).toEqual(original?.headers);
    expect(again?.key).toBe(original?.key);
    expect(again?.value.equals(original?.value ?? Buffer.alloc(0))).toBe(true);
    expect(walletUpdates.messages[1]?.headers).toEqual(walletUpdates.messages[0]?.headers);
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 3_900, pendingOut: 0 });
  });

  it('dead-letters a poison message on payments.completed and applies the rest of its batch', async () => {
    const dlq = await h.observe(dlqTopic(TOPICS.paymentsCompleted));
    const good = [paymentCompleted(merchantId, 1_000), paymentCompleted(merchantId, 2_000)];
    const poisonId = randomUUID();
    const poison = {
      key: merchantId,
      value: Buffer.from('definitely not avro'),
      headers: { eventId: poisonId, eventType: 'PaymentCompleted', correlationId: poisonId, causationId: poisonId, producedAt: new Date().toISOString() },
    };
    // Same key, so one partition and one batch: good, poison, good.
    await h.transport.ensureTopics([TOPICS.paymentsCompleted]);
    await h.transport.publish(TOPICS.paymentsCompleted, [toMessage(codec, good[0] ?? paymentCompleted(merchantId, 1)), poison, toMessage(codec, good[1] ?? paymentCompleted(merchantId, 1))]);
    await start();
    await ordersCompleted.waitForCount(2);
    await dlq.waitForCount(1);

    const dead = dlq.messages[0];
    expect(dead?.headers.eventId).toBe(poisonId);
    expect(dead?.value.equals(poison.value)).toBe(true);
    expect(dead?.headers[DLQ_HEADERS.attempts]).toBe('1');
    expect(dead?.headers[DLQ_HEADERS.group]).toBe(LEDGER_PROCESSOR_NAME);
    expect(ordersCompleted.events('OrderCompleted').map((e) => e.event.orderId).sort()).toEqual(good.map((g) => g.event.orderId).sort());
    expect(await balances(h, walletId)).toEqual({ posted: 0, pendingIn: 975 + 1_950, pendingOut: 0 });
  });

  it('dead-letters an ERP confirmation of an unknown ledger transaction', async () => {
    const dlq = await h.observe(dlqTopic(TOPICS.erpConfirmations));
    await start();
    const bogus = erpConfirmation(randomUUID(), walletId, 'CONFIRMED');
    await h.publish(TOPICS.erpConfirmations, [bogus]);
    await dlq.waitForCount(1);

    expect(dlq.messages[0]?.headers[DLQ_HEADERS.errorCode]).toBe('LEDGER_UNKNOWN_TRANSACTION');
    expect(walletUpdates.messages).toHaveLength(0);
  });
});
