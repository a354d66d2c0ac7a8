import { randomUUID } from 'node:crypto';
import { claimDue, insertRecords, lockRecords, readRecords, saveRecords } from '../../../processors/erp-sync/erp-records.store';
import type { ErpRecord, ErpRecordStatus } from '../../../processors/erp-sync/types';
import { withTransaction } from '../../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';
import { erpRecord, RECORD_TIME as T } from './erp-record.fixture';

/** A stored-to-be record with ids of its own and a payload SQL must escape. */
function record(overrides: Partial<ErpRecord> = {}): ErpRecord {
  const id = randomUUID();
  return erpRecord({
    ledgerTransactionId: id,
    walletId: randomUUID(),
    merchantId: randomUUID(),
    request: { externalId: id, memo: `paystream SALE ${id} "quoted"`, currency: 'EUR', lines: [{ account: 'psp_clearing:EUR', debitMinor: 1_000, creditMinor: 0 }], occurredAt: T - 10_000 },
    lastError: 'timed out',
    correlationId: randomUUID(),
    causationId: randomUUID(),
    ...overrides,
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

  it('claims the earliest due records across the statuses, up to the limit, skips rows another transaction holds, and leases what it claims', async () => {
    const due = (status: ErpRecordStatus, at: number): ErpRecord => record({ status, nextAttemptAt: at });
    const [pending1, pending2, pending3] = [due('PENDING', T - 50), due('PENDING', T - 30), due('PENDING', T - 10)];
    const [cancelling1, cancelling2] = [due('CANCEL_PENDING', T - 40), due('CANCEL_PENDING', T - 20)];
    const notYet = due('PENDING', T + 1);
    const sent = due('SENT', T - 60);
    const held = due('PENDING', T - 70);
    await withTransaction(db.pool, (connection) => insertRecords(connection, [pending1, pending2, pending3, cancelling1, cancelling2, notYet, sent, held]));
    const ids = (records: readonly ErpRecord[]): string[] => records.map((r) => r.ledgerTransactionId);
    const earliest = [pending1, cancelling1, pending2];

    const connection = await db.pool.getConnection();
    try {
      // Another erp-sync process holds `held` (the earliest due of all) in its own claim.
      await connection.query('START TRANSACTION');
      await connection.query('SELECT status FROM erp_records WHERE ledger_transaction_id = ? FOR UPDATE', [held.ledgerTransactionId]);

      const first = await claimDue(db.pool, { statuses: ['PENDING', 'CANCEL_PENDING'], now: T, limit: 3, leaseMs: 60_000 });
      expect(ids(first)).toEqual(ids(earliest));
      expect(first.every((r) => r.nextAttemptAt === T + 60_000)).toBe(true);

      // The claimed rows are leased: the next round takes the rest of the due ones, and nothing else.
      const second = await claimDue(db.pool, { statuses: ['PENDING', 'CANCEL_PENDING'], now: T, limit: 10, leaseMs: 60_000 });
      expect(ids(second)).toEqual(ids([cancelling2, pending3]));
      await connection.query('ROLLBACK');
    } finally {
      connection.release();
    }

    const stored = await readRecords(db.pool, ids([...earliest, held, notYet, sent]));
    for (const r of earliest) expect(stored.get(r.ledgerTransactionId)).toMatchObject({ status: r.status, nextAttemptAt: T + 60_000, updatedAt: T });
    // What was not claimed keeps its time.
    for (const r of [held, notYet, sent]) expect(stored.get(r.ledgerTransactionId)?.nextAttemptAt).toBe(r.nextAttemptAt);
  });

  it('locks and reads a record without its journal entry, which only sending needs', async () => {
    const stored = record({ status: 'SENT', erpId: 'je_9' });
    await withTransaction(db.pool, (connection) => insertRecords(connection, [stored]));
    const state: Partial<ErpRecord> = { ...stored };
    delete state.request;

    const locked = await withTransaction(db.pool, (connection) => lockRecords(connection, [stored.ledgerTransactionId, stored.ledgerTransactionId, randomUUID()]));
    expect([...locked.values()]).toEqual([state]);
    expect(locked.get(stored.ledgerTransactionId)).not.toHaveProperty('request');

    // A payload gone bad stops what sends it, not what only moves the record's state on.
    await db.pool.query("UPDATE erp_records SET payload = '{}' WHERE ledger_transaction_id = ?", [stored.ledgerTransactionId]);
    await expect(readRecords(db.pool, [stored.ledgerTransactionId])).rejects.toMatchObject({ code: 'ERP_SYNC_CORRUPT_ROW' });
    const relocked = await withTransaction(db.pool, (connection) => lockRecords(connection, [stored.ledgerTransactionId]));
    expect(relocked.get(stored.ledgerTransactionId)).toEqual(state);
  });
});
