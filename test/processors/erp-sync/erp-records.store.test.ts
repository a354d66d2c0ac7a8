import { randomUUID } from 'node:crypto';
import { insertRecords, readRecords, saveRecords } from '../../../processors/erp-sync/erp-records.store';
import type { ErpRecord } from '../../../processors/erp-sync/types';
import { withTransaction } from '../../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { erpRecord, RECORD_TIME as T } from './erp-record.fixture';

/** A stored-to-be record with ids of its own and a payload SQL must escape. */
function record(): ErpRecord {
  const id = randomUUID();
  return erpRecord({
    ledgerTransactionId: id,
    walletId: randomUUID(),
    merchantId: randomUUID(),
    request: { externalId: id, memo: `paystream SALE ${id} "quoted"`, currency: 'EUR', lines: [{ account: 'psp_clearing:EUR', debitMinor: 1_000, creditMinor: 0 }], occurredAt: T - 10_000 },
    lastError: 'timed out',
    correlationId: randomUUID(),
    causationId: randomUUID(),
  });
}

describe('erp_records store', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('saves the changing columns of several records in one statement and leaves payload and identity as they were', async () => {
    const [a, b, stranger] = [record(), record(), record()];
    await withTransaction(db.pool, (connection) => insertRecords(connection, [a, b]));
    const sentA: ErpRecord = { ...a, status: 'SENT', attempts: 1, erpId: 'je_1', lastError: null, sentAt: T, updatedAt: T, nextAttemptAt: T + 30_000 };
    // A changed payload or amount must not reach the row: those columns never change.
    const answeredB: ErpRecord = { ...b, status: 'CONFIRMED', attempts: 2, erpId: "je_'2'", reason: 'ok; done', answeredVia: 'WEBHOOK', answeredAt: T + 5, updatedAt: T + 5, amountMinor: 1, request: { ...b.request, memo: 'changed' } };
    await withTransaction(db.pool, async (_connection, writes) => {
      await saveRecords(writes, [sentA, answeredB, { ...stranger, status: 'SENT' }]);
    });

    const stored = await readRecords(db.pool, [a.ledgerTransactionId, b.ledgerTransactionId, stranger.ledgerTransactionId]);
    expect(stored.get(a.ledgerTransactionId)).toEqual(sentA);
    expect(stored.get(b.ledgerTransactionId)).toEqual({ ...answeredB, amountMinor: b.amountMinor, request: b.request });
    // Saving never inserts: a record not stored yet stays absent.
    expect(stored.has(stranger.ledgerTransactionId)).toBe(false);
  });
});
