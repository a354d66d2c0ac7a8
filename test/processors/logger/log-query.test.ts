import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createLoggerProcessor, followLogs, formatLogLine, queryLogs, toLogEntry, type LogRow } from '../../../processors/logger';
import { deriveId } from '../../../schemas';
import type { PoolConnection } from '../../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { decoded, eventually, orderFlow, type Envelope } from './flow-events.helper';

const logger = pino({ level: 'silent' });
const T0 = Date.UTC(2024, 10, 21, 10, 0, 0);
const MINUTE = 60_000;

describe('log queries', () => {
  let db: TestDatabase;
  // Two merchants; merchant A has two orders (the second one declined), merchant B one.
  const merchantA = randomUUID();
  const merchantB = randomUUID();
  const a1 = orderFlow({ merchantId: merchantA, at: T0 });
  const a2 = orderFlow({ merchantId: merchantA, at: T0 + 10 * MINUTE });
  const b1 = orderFlow({ merchantId: merchantB, at: T0 + 20 * MINUTE, currency: 'JPY', totalMinor: 1200 });
  const declined: Envelope<'PaymentFailed'> = {
    ...a2.payment,
    type: 'PaymentFailed',
    eventId: deriveId(a2.submitted.eventId, 'PaymentFailed'),
    event: { orderId: a2.orderId, merchantId: merchantA, amountMinor: 2500, currency: 'USD', reasonCode: 'do_not_honor', reason: 'Declined', failedAt: T0 + 10 * MINUTE + 100 },
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    await processor.handle([a1.submitted, a1.payment, a1.walletUpdated, a1.completed].map(decoded));
    await processor.handle([a2.submitted, declined].map(decoded));
    await processor.handle([b1.submitted, b1.payment, b1.walletUpdated, b1.completed].map(decoded));
  });
  afterAll(async () => {
    await db.drop();
  });

  const ids = (rows: readonly LogRow[]): string[] => rows.map((r) => r.eventId);

  it('filters by order, merchant, wallet and correlation id, oldest first', async () => {
    expect(ids(await queryLogs(db.pool, { orderId: a1.orderId, limit: 100 }))).toEqual([a1.submitted, a1.payment, a1.walletUpdated, a1.completed].map((e) => e.eventId));
    expect(ids(await queryLogs(db.pool, { merchantId: merchantA, limit: 100 }))).toEqual(
      [a1.submitted, a1.payment, a1.walletUpdated, a1.completed, a2.submitted, declined].map((e) => e.eventId),
    );
    expect(ids(await queryLogs(db.pool, { walletId: b1.walletId, limit: 100 }))).toEqual([b1.walletUpdated, b1.completed].map((e) => e.eventId));
    expect(ids(await queryLogs(db.pool, { correlationId: a2.orderId, limit: 100 }))).toEqual([a2.submitted.eventId, declined.eventId]);
  });

  it('filters by minimum level and by production time', async () => {
    expect(ids(await queryLogs(db.pool, { merchantId: merchantA, level: 'warn', limit: 100 }))).toEqual([declined.eventId]);
    expect(await queryLogs(db.pool, { merchantId: merchantA, level: 'error', limit: 100 })).toEqual([]);
    const window = await queryLogs(db.pool, { since: new Date(T0 + 10 * MINUTE), until: new Date(T0 + 20 * MINUTE + 150), limit: 100 });
    expect(ids(window)).toEqual([a2.submitted.eventId, declined.eventId, b1.submitted.eventId, b1.payment.eventId]);
  });

  it('pages with afterId and limit, and returns the latest rows oldest first', async () => {
    const all = await queryLogs(db.pool, { merchantId: merchantA, limit: 100 });
    const first = await queryLogs(db.pool, { merchantId: merchantA, limit: 4 });
    const rest = await queryLogs(db.pool, { merchantId: merchantA, limit: 4, afterId: first[first.length - 1]?.id ?? 0 });
    expect(ids([...first, ...rest])).toEqual(ids(all));
    expect(ids(await queryLogs(db.pool, { merchantId: merchantA, limit: 2, latest: true }))).toEqual([a2.submitted.eventId, declined.eventId]);
    await expect(queryLogs(db.pool, { limit: 0 })).rejects.toThrow(RangeError);
  });

  it('returns the whole row with the payload parsed', async () => {
    const [row] = await queryLogs(db.pool, { correlationId: b1.orderId, limit: 1 });
    expect(row).toMatchObject({
      eventId: b1.submitted.eventId,
      service: 'gateway',
      level: 'info',
      eventType: 'OrderSubmitted',
      topic: 'orders.submitted',
      key: merchantB,
      causationId: b1.submitted.eventId,
      orderId: b1.orderId,
      walletId: null,
      merchantId: merchantB,
      message: `order ${b1.orderId} submitted: 2 items, 1200 JPY`,
    });
    expect(row?.payload).toMatchObject({ orderId: b1.orderId, paymentToken: '[redacted]', totalMinor: 1200 });
    expect(row?.producedAt.getTime()).toBe(T0 + 20 * MINUTE);
  });

  it('formats one aligned line per row', async () => {
    const rows = await queryLogs(db.pool, { merchantId: merchantA, limit: 100 });
    const lines = rows.map(formatLogLine);
    expect(lines[0]).toBe(
      `2024-11-21 10:00:00.000  INFO   gateway       OrderSubmitted          merchant=${merchantA} order=${a1.orderId}  order ${a1.orderId} submitted: 2 items, 25.00 USD`,
    );
    expect(lines[5]).toMatch(/^2024-11-21 10:10:00\.100 {2}WARN {3}payment {7}PaymentFailed {11}merchant=/);
    // The ids start in the same column on every line.
    expect(new Set(lines.map((l) => l.indexOf('merchant=')))).toEqual(new Set([lines[0]?.indexOf('merchant=')]));
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('follows new rows until aborted, including one that commits after a newer row', async () => {
    const merchant = randomUUID();
    const first = orderFlow({ merchantId: merchant });
    const processor = createLoggerProcessor({ pool: db.pool, logger });
    const seen: LogRow[] = [];
    const controller = new AbortController();
    const following = followLogs(db.pool, { merchantId: merchant }, (rows) => void seen.push(...rows), controller.signal, { pollMs: 20, settleMs: 5_000 });
    try {
      await processor.handle([decoded(first.submitted)]);
      await eventually(async () => (seen.length === 1 ? true : undefined), 5_000, 'the first row');

      // A logger transaction that holds its (smaller) id uncommitted while a newer row commits.
      const slow = orderFlow({ merchantId: merchant });
      const connection = await db.pool.getConnection();
      try {
        await connection.beginTransaction();
        await insertOn(connection, slow.submitted);
        await processor.handle([decoded(first.payment)]);
        await eventually(async () => (seen.length === 2 ? true : undefined), 5_000, 'the newer row');
        await connection.commit();
      } finally {
        connection.release();
      }
      await eventually(async () => (seen.length === 3 ? true : undefined), 5_000, 'the late row');
      expect(ids(seen)).toEqual([first.submitted.eventId, first.payment.eventId, slow.submitted.eventId]);
      expect(seen[2]?.id).toBeLessThan(seen[1]?.id ?? 0);
    } finally {
      controller.abort();
      await following;
    }
    // Nothing is delivered twice while the rows settle.
    expect(new Set(ids(seen)).size).toBe(seen.length);
  });

  /** Inserts one log row on `connection` (inside the caller's open transaction), as the logger would. */
  async function insertOn(connection: PoolConnection, envelope: Envelope): Promise<void> {
    const e = toLogEntry(decoded(envelope), new Date());
    await connection.query(
      `INSERT INTO log_entries (event_id, logged_at, produced_at, service, level, event_type, topic, message_key,
         correlation_id, causation_id, order_id, wallet_id, merchant_id, message, payload) VALUES ?`,
      [[[e.eventId, e.loggedAt, e.producedAt, e.service, e.level, e.eventType, e.topic, e.key, e.correlationId, e.causationId, e.orderId, e.walletId, e.merchantId, e.message, e.payload]]],
    );
  }
});
