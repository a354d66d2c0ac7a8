import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { RowDataPacket } from 'mysql2/promise';
import { createLoggerProcessor } from '../../../processors/logger';
import { runProcessor } from '../../../processors/runtime';
import { ALL_TOPICS, createEventCodec, deriveId } from '../../../schemas';
import { createMemoryTransport, type MemoryTransport } from '../../../streams';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { decoded, eventually, orderFlow, publishAll, type Envelope } from './flow-events.helper';

const logger = pino({ level: 'silent' });
const codec = createEventCodec();

describe('logger processor', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function rows(sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
    const [result] = await db.pool.query<RowDataPacket[]>(sql, params);
    return result;
  }

  /** Until the `logger` group has acknowledged everything published to its topics. */
  async function drained(transport: MemoryTransport): Promise<void> {
    await eventually(
      async () => {
        const stats = transport.stats().filter((t) => (ALL_TOPICS as readonly string[]).includes(t.topic));
        const lag = stats.reduce((n, t) => n + (t.groups.find((g) => g.group === 'logger')?.lag ?? 0), 0);
        return lag === 0 ? true : undefined;
      },
      10_000,
      'the logger to drain',
    );
  }

  it('logs each event of an order once although every message is published twice, and projects the order', async () => {
    const transport = createMemoryTransport({ partitions: 4 }, { logger });
    const subscription = await runProcessor(createLoggerProcessor({ pool: db.pool, logger }), { transport, codec, logger });
    try {
      const flow = orderFlow({ totalMinor: 2500 });
      const events: Envelope[] = [flow.submitted, flow.payment, flow.walletUpdated, flow.completed];
      await publishAll(transport, codec, events);
      await publishAll(transport, codec, events);
      await drained(transport);

      const logged = await rows('SELECT * FROM log_entries WHERE correlation_id = ? ORDER BY produced_at', [flow.orderId]);
      expect(logged.map((r) => String(r.event_id))).toEqual(events.map((e) => e.eventId));
      expect(logged.map((r) => [r.service, r.level, r.event_type, r.topic].map(String))).toEqual([
        ['gateway', 'info', 'OrderSubmitted', 'orders.submitted'],
        ['payment', 'info', 'PaymentCompleted', 'payments.completed'],
        ['ledger', 'info', 'WalletUpdated', 'wallet.updates'],
        ['ledger', 'info', 'OrderCompleted', 'orders.completed'],
      ]);
      const [submitted, , walletRow] = logged;
      expect(submitted?.message).toBe(`order ${flow.orderId} submitted: 2 items, 25.00 USD`);
      expect(submitted?.merchant_id).toBe(flow.merchantId);
      expect(submitted?.order_id).toBe(flow.orderId);
      expect(submitted?.causation_id).toBe(flow.submitted.eventId);
      expect(submitted?.message_key).toBe(flow.merchantId);
      expect((submitted?.produced_at as Date).getTime()).toBe(flow.submitted.producedAt.getTime());
      const payload: unknown = typeof submitted?.payload === 'string' ? JSON.parse(submitted.payload) : submitted?.payload;
      expect(JSON.stringify(payload)).not.toContain('tok_secret');
      expect(payload).toMatchObject({ orderId: flow.orderId, paymentToken: '[redacted]', totalMinor: 2500 });
      expect(walletRow?.wallet_id).toBe(flow.walletId);
      expect(walletRow?.message).toContain('SALE HELD +24.38 USD');
      expect(walletRow?.message).toContain('shadow 124.38 USD');

      const [order] = await rows('SELECT * FROM orders WHERE id = ?', [flow.orderId]);
      expect(order).toMatchObject({
        merchant_id: flow.merchantId,
        status: 'COMPLETED',
        total_minor: 2500,
        currency: 'USD',
        fee_minor: flow.fee,
        net_minor: 2500 - flow.fee,
        customer_id: 'cus_1',
        item_count: 2,
        payment_id: flow.payment.event.paymentId,
        ledger_transaction_id: flow.ledgerTransactionId,
        failure_reason: null,
      });
      expect((order?.completed_at as Date).getTime()).toBe(flow.completed.event.completedAt);
      expect((order?.submitted_at as Date).getTime()).toBe(flow.submitted.event.submittedAt);

      const txs = await rows('SELECT * FROM transactions WHERE id = ?', [flow.ledgerTransactionId]);
      expect(txs).toEqual([
        expect.objectContaining({ wallet_id: flow.walletId, cause: 'SALE', status: 'HELD', amount_minor: 2500 - flow.fee, order_id: flow.orderId, shadow_after_minor: 12_438 }),
      ]);
    } finally {
      await subscription.close();
      await transport.close();
    }
  });

  it('keeps a completed order completed when its OrderSubmitted arrives late, and fills in what only it carries', async () => {
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const flow = orderFlow({ totalMinor: 990 });
    await processor.handle([decoded(flow.completed)]);
    expect((await rows('SELECT status, item_count FROM orders WHERE id = ?', [flow.orderId]))[0]).toMatchObject({ status: 'COMPLETED', item_count: 0 });
    await processor.handle([decoded(flow.payment)]);
    await processor.handle([decoded(flow.submitted)]);
    const [order] = await rows('SELECT * FROM orders WHERE id = ?', [flow.orderId]);
    expect(order).toMatchObject({ status: 'COMPLETED', fee_minor: flow.fee, item_count: 2, customer_id: 'cus_1', payment_id: flow.payment.event.paymentId });
    expect((order?.submitted_at as Date).getTime()).toBe(flow.submitted.event.submittedAt);
  });

  it('records a failed order and gives warnings and errors their levels', async () => {
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const flow = orderFlow({ totalMinor: 120_000 });
    const failedPayment: Envelope<'PaymentFailed'> = {
      ...flow.payment,
      type: 'PaymentFailed',
      eventId: deriveId(flow.submitted.eventId, 'PaymentFailed'),
      event: { orderId: flow.orderId, merchantId: flow.merchantId, amountMinor: 120_000, currency: 'USD', reasonCode: 'insufficient_funds', reason: 'The card has insufficient funds.', failedAt: 1 },
    };
    const failedOrder: Envelope<'OrderCompleted'> = {
      ...flow.completed,
      eventId: deriveId(failedPayment.eventId, 'OrderCompleted'),
      event: { ...flow.completed.event, status: 'FAILED', feeMinor: 0, netMinor: 0, walletId: null, ledgerTransactionId: null, failureReason: 'insufficient_funds' },
    };
    const rejected: Envelope<'WalletUpdated'> = {
      ...flow.walletUpdated,
      eventId: randomUUID(),
      event: { ...flow.walletUpdated.event, cause: 'TOP_UP', status: 'REJECTED', orderId: null, actionId: randomUUID(), reason: 'ERP rejected: account closed' },
    };
    const notificationFailed: Envelope<'NotificationDelivered'> = {
      ...flow.completed,
      type: 'NotificationDelivered',
      eventId: randomUUID(),
      event: {
        notificationId: randomUUID(),
        merchantId: flow.merchantId,
        sourceEventId: rejected.eventId,
        channel: 'SMS',
        status: 'FAILED',
        provider: 'twilio',
        providerMessageId: null,
        attempts: 1,
        deliveredAt: 5,
      },
    };
    await processor.handle([decoded(flow.submitted)]);
    await processor.handle([decoded(failedPayment)]);
    await processor.handle([decoded(failedOrder)]);
    await processor.handle([decoded(rejected)]);
    await processor.handle([decoded(notificationFailed)]);

    const byEvent = new Map((await rows('SELECT event_id, level, service, message FROM log_entries WHERE merchant_id = ?', [flow.merchantId])).map((r) => [String(r.event_id), r]));
    expect(byEvent.get(flow.submitted.eventId)?.level).toBe('info');
    expect(byEvent.get(failedPayment.eventId)?.level).toBe('warn');
    expect(byEvent.get(failedPayment.eventId)?.message).toBe(`payment for order ${flow.orderId} declined (insufficient_funds): 1200.00 USD, The card has insufficient funds.`);
    expect(byEvent.get(failedOrder.eventId)?.level).toBe('warn');
    expect(byEvent.get(failedOrder.eventId)?.message).toBe(`order ${flow.orderId} FAILED: 1200.00 USD, insufficient_funds`);
    expect(byEvent.get(rejected.eventId)?.level).toBe('warn');
    expect(byEvent.get(rejected.eventId)?.message).toContain('TOP_UP REJECTED');
    expect(byEvent.get(rejected.eventId)?.message).toMatch(/: ERP rejected: account closed$/);
    expect(byEvent.get(notificationFailed.eventId)).toMatchObject({ level: 'error', service: 'notification' });
    const [order] = await rows('SELECT status, failure_reason, fee_minor, payment_id FROM orders WHERE id = ?', [flow.orderId]);
    expect(order).toMatchObject({ status: 'FAILED', failure_reason: 'insufficient_funds', fee_minor: 0, payment_id: null });
  });

  it('moves a transaction only forward, one row per wallet of a transfer', async () => {
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const flow = orderFlow();
    const transferId = randomUUID();
    const to = randomUUID();
    const base = flow.walletUpdated;
    const update = (status: 'HELD' | 'POSTED' | 'REJECTED', walletId: string, shadow: number): Envelope<'WalletUpdated'> => ({
      ...base,
      eventId: randomUUID(),
      key: walletId,
      event: {
        ...base.event,
        walletId,
        ledgerTransactionId: transferId,
        cause: walletId === to ? 'TRANSFER_IN' : 'TRANSFER_OUT',
        status,
        orderId: null,
        amountMinor: status === 'POSTED' ? 0 : walletId === to ? 700 : -700,
        balances: { ...base.event.balances, shadowMinor: shadow },
      },
    });
    // HELD then POSTED of both wallets in one batch, in order.
    await processor.handle([decoded(update('HELD', flow.walletId, 9_300)), decoded(update('HELD', to, 700)), decoded(update('POSTED', flow.walletId, 9_300)), decoded(update('POSTED', to, 700))]);
    // Neither an older status nor another final one changes a final row.
    await processor.handle([decoded(update('HELD', flow.walletId, 1)), decoded(update('REJECTED', to, 0)), decoded(update('HELD', to, 2))]);
    const txs = await rows('SELECT wallet_id, cause, status, amount_minor, shadow_after_minor FROM transactions WHERE id = ? ORDER BY cause', [transferId]);
    expect(txs).toEqual([
      { wallet_id: to, cause: 'TRANSFER_IN', status: 'POSTED', amount_minor: 700, shadow_after_minor: 700 },
      { wallet_id: flow.walletId, cause: 'TRANSFER_OUT', status: 'POSTED', amount_minor: -700, shadow_after_minor: 9_300 },
    ]);
  });

  it('changes nothing when a whole batch is handled again', async () => {
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const flow = orderFlow();
    const batch = [decoded(flow.submitted), decoded(flow.completed), decoded(flow.submitted)];
    await processor.handle(batch);
    const snapshot = async (): Promise<unknown> => ({
      logs: await rows('SELECT * FROM log_entries WHERE correlation_id = ? ORDER BY id', [flow.orderId]),
      orders: await rows('SELECT * FROM orders WHERE id = ?', [flow.orderId]),
    });
    const before = await snapshot();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await processor.handle(batch);
    expect(await snapshot()).toEqual(before);
    expect((await rows('SELECT COUNT(*) AS n FROM log_entries WHERE correlation_id = ?', [flow.orderId]))[0]?.n).toBe(2);
  });
});
