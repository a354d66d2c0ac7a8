import { randomUUID } from 'node:crypto';
import { erpConfirmationId, formatReconcileTable, reconcile, type ReconcileRow } from '../../../processors/erp-sync';
import { TOPICS } from '../../../schemas';
import { codec, createErpHarness, sharedDatabase, waitUntil, type ErpHarness, type Sale } from './erp-sync.harness';

/** The rows as (kind, transaction, repair) for comparison, in a stable order. */
function summary(rows: readonly ReconcileRow[], names: ReadonlyMap<string, string>): string[] {
  return rows.map((r) => `${r.kind} ${r.ledgerTransactionId === null ? '-' : (names.get(r.ledgerTransactionId) ?? r.ledgerTransactionId)} ${r.repair}${r.repaired ? ' done' : ''}`).sort();
}

describe('reconciliation of the ledger with the ERP', () => {
  const db = sharedDatabase();
  let h: ErpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('finds every kind of mismatch, repairs what it can (idempotently), and is clean once people fixed the rest', async () => {
    h = await createErpHarness(db.get());
    const harness = h;
    const confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.runLedger();
    const role = await h.startErpSync();
    const from = new Date(Date.now() - 1_000);

    const sales = new Map<string, Sale>();
    for (const [name, amount] of [['A', 1_000], ['B', 2_000], ['C', 3_000], ['D', 4_000], ['E', 5_000], ['F', 6_000], ['G', 7_000], ['I', 9_000]] as const) {
      sales.set(name, await h.sale(amount));
    }
    const sale = (name: string): Sale => {
      const found = sales.get(name);
      if (found === undefined) throw new Error(`no sale ${name}`);
      return found;
    };
    const names = new Map([...sales].map(([name, s]) => [s.ledgerTransactionId, name]));
    await waitUntil(async () => {
      const records = await Promise.all([...sales.values()].map((s) => harness.record(s.ledgerTransactionId)));
      return records.every((r) => r?.status === 'SENT');
    }, 'every sale sent');
    const entryOf = (name: string) => {
      const entry = harness.sim.state.entriesFor(sale(name).ledgerTransactionId)[0];
      if (entry === undefined) throw new Error(`no ERP entry for ${name}`);
      return entry;
    };

    // B: the ERP lost the entry. C: lost too, and erp-sync has no record of it.
    h.sim.state.forget(entryOf('B').id);
    const originalC = entryOf('C');
    h.sim.state.forget(originalC.id);
    await h.pool.query('DELETE FROM erp_records WHERE ledger_transaction_id = ?', [sale('C').ledgerTransactionId]);
    // D: someone booked it a second time under another key.
    const d = entryOf('D');
    await h.erp.createJournalEntry({ externalId: d.externalId, memo: d.memo, currency: d.currency, lines: d.lines, occurredAt: d.occurredAt }, `manual-${randomUUID()}`);
    // E: the ERP's amount differs.
    const e = entryOf('E');
    h.sim.state.tamper(e.id, { lines: e.lines.map((l, i) => (i === 0 ? { ...l, debitMinor: l.debitMinor + 100 } : i === 1 ? { ...l, creditMinor: l.creditMinor + 100 } : l)) });
    // F, G: decided at the ERP, but the answers never reached paystream.
    h.sim.state.tamper(entryOf('F').id, { status: 'CONFIRMED' });
    h.sim.state.tamper(entryOf('G').id, { status: 'REJECTED' });
    // H: an entry at the ERP for no ledger transaction.
    const stray = await h.erp.createJournalEntry({ ...d, externalId: randomUUID(), occurredAt: Date.now() }, randomUUID());
    // I: voided in the ledger, still PENDING at the ERP.
    await h.pool.query("UPDATE ledger_transactions SET status = 'VOIDED' WHERE id = ?", [sale('I').ledgerTransactionId]);
    const to = new Date(Date.now() + 60_000);

    const expected = [
      'AMOUNT_MISMATCH E MANUAL',
      'DUPLICATED D CANCEL_IN_ERP',
      'MISSING_IN_ERP B RESEND',
      'MISSING_IN_ERP C RESEND',
      'MISSING_IN_LEDGER - MANUAL',
      'STATUS_MISMATCH F PUBLISH_CONFIRMATION',
      'STATUS_MISMATCH G PUBLISH_CONFIRMATION',
      'STATUS_MISMATCH I CANCEL_IN_ERP',
    ];
    const report = await reconcile(h.pool, h.erp, { from, to });
    expect(report).toMatchObject({ ledgerTransactions: 8, clean: false });
    expect(summary(report.rows, names)).toEqual(expected);
    const byKind = (kind: string, name: string | null) => report.rows.find((r) => r.kind === kind && (name === null ? r.ledgerTransactionId === null : r.ledgerTransactionId === sale(name).ledgerTransactionId));
    expect(byKind('AMOUNT_MISMATCH', 'E')).toMatchObject({ ledgerAmountMinor: 5_000, erpAmountMinor: 5_100, currency: 'EUR' });
    expect(byKind('DUPLICATED', 'D')?.erpIds).toHaveLength(2);
    expect(byKind('DUPLICATED', 'D')?.erpIds[0]).toBe(d.id);
    expect(byKind('MISSING_IN_LEDGER', null)).toMatchObject({ erpIds: [stray.id], erpStatus: 'PENDING' });
    expect(byKind('STATUS_MISMATCH', 'F')).toMatchObject({ ledgerStatus: 'HELD', erpStatus: 'CONFIRMED' });
    expect(byKind('MISSING_IN_ERP', 'C')?.detail).toContain('no record');
    const table = formatReconcileTable(report.rows);
    expect(table.split('\n')[0]).toMatch(/^KIND\s+LEDGER TX\s+LEDGER\s+ERP\s+ERP IDS\s+REPAIR\s+DETAIL$/);
    for (const kind of ['MISSING_IN_ERP', 'MISSING_IN_LEDGER', 'DUPLICATED', 'AMOUNT_MISMATCH', 'STATUS_MISMATCH']) expect(table).toContain(kind);
    expect(table).toContain('8 mismatches');
    // A report changes nothing.
    expect(await h.record(sale('B').ledgerTransactionId)).toMatchObject({ status: 'SENT' });
    expect(await h.ledgerStatus(sale('F').ledgerTransactionId)).toBe('HELD');

    const repaired = await reconcile(h.pool, h.erp, { from, to, repair: true, codec, outbox: role.outbox });
    expect(summary(repaired.rows, names)).toEqual([
      'AMOUNT_MISMATCH E MANUAL',
      'DUPLICATED D CANCEL_IN_ERP done',
      'MISSING_IN_ERP B RESEND done',
      'MISSING_IN_ERP C RESEND done',
      'MISSING_IN_LEDGER - MANUAL',
      'STATUS_MISMATCH F PUBLISH_CONFIRMATION done',
      'STATUS_MISMATCH G PUBLISH_CONFIRMATION done',
      'STATUS_MISMATCH I CANCEL_IN_ERP done',
    ]);
    await waitUntil(
      async () =>
        (await harness.ledgerStatus(sale('F').ledgerTransactionId)) === 'POSTED' &&
        (await harness.ledgerStatus(sale('G').ledgerTransactionId)) === 'REJECTED' &&
        (await harness.record(sale('B').ledgerTransactionId))?.status === 'SENT' &&
        (await harness.record(sale('C').ledgerTransactionId))?.status === 'SENT',
      'the repairs to take effect',
    );
    // Published after commit and by the relay, maybe both (at least once): one event id per transaction, deduped by the ledger.
    const published = new Map(confirmations.events('ErpConfirmation').map((c) => [c.message.headers.eventId, c.event]));
    expect([...published.keys()].sort()).toEqual([erpConfirmationId(sale('F').ledgerTransactionId), erpConfirmationId(sale('G').ledgerTransactionId)].sort());
    expect([...published.values()].map((c) => [names.get(c.ledgerTransactionId), c.outcome, c.source]).sort()).toEqual([
      ['F', 'CONFIRMED', 'RECONCILE'],
      ['G', 'REJECTED', 'RECONCILE'],
    ]);
    // C was rebuilt from the ledger tables exactly as erp-sync had built it from the event.
    const resentC = entryOf('C');
    expect(resentC.id).not.toBe(originalC.id);
    expect({ memo: resentC.memo, lines: resentC.lines, occurredAt: resentC.occurredAt }).toEqual({ memo: originalC.memo, lines: originalC.lines, occurredAt: originalC.occurredAt });
    expect(h.sim.state.entriesFor(sale('D').ledgerTransactionId).map((x) => x.status).sort()).toEqual(['CANCELLED', 'PENDING']);
    expect(await h.record(sale('I').ledgerTransactionId)).toMatchObject({ status: 'CANCELLED' });

    // Repairing again finds only what needs a person, and does nothing twice.
    const again = await reconcile(h.pool, h.erp, { from, to, repair: true, codec, outbox: role.outbox });
    expect(summary(again.rows, names)).toEqual(['AMOUNT_MISMATCH E MANUAL', 'MISSING_IN_LEDGER - MANUAL']);
    for (const name of ['B', 'C', 'D']) expect(h.sim.state.entriesFor(sale(name).ledgerTransactionId).filter((x) => x.status !== 'CANCELLED')).toHaveLength(1);

    // People fix the rest at the ERP; then the books agree.
    h.sim.state.tamper(e.id, { lines: e.lines });
    await h.erp.cancelJournalEntry(stray.id);
    const clean = await reconcile(h.pool, h.erp, { from, to });
    expect(clean).toMatchObject({ clean: true, rows: [], ledgerTransactions: 8 });
    expect(formatReconcileTable(clean.rows)).toBe('No mismatches: the ledger and the ERP agree.');
  });

  it('reads every page of the ERP list and finds entries recorded outside the period by id', async () => {
    h = await createErpHarness(db.get());
    await h.runLedger();
    await h.startErpSync();
    const from = new Date(Date.now() - 1_000);
    const sales: Sale[] = [];
    for (let i = 0; i < 12; i += 1) sales.push(await h.sale(100 + i));
    const harness = h;
    await waitUntil(async () => (await Promise.all(sales.map((s) => harness.record(s.ledgerTransactionId)))).every((r) => r?.status === 'SENT'), 'every sale sent');
    const to = new Date(Date.now() + 60_000);
    const report = await reconcile(h.pool, h.erp, { from, to, pageSize: 5 });
    expect(report).toMatchObject({ clean: true, ledgerTransactions: 12, erpEntries: 12 });
    expect(h.sim.state.requests().filter((r) => r.method === 'GET' && r.path === '/journal-entries')).toHaveLength(3);
    // An entry whose occurred_at lies outside the period is still found through its recorded id.
    const first = sales[0];
    if (first === undefined) throw new Error('no sale');
    const entry = h.sim.state.entriesFor(first.ledgerTransactionId)[0];
    if (entry === undefined) throw new Error('no entry');
    h.sim.state.forget(entry.id);
    const moved = await h.erp.createJournalEntry({ ...entry, occurredAt: to.getTime() + 1 }, first.ledgerTransactionId);
    await h.pool.query('UPDATE erp_records SET erp_id = ? WHERE ledger_transaction_id = ?', [moved.id, first.ledgerTransactionId]);
    expect(await reconcile(h.pool, h.erp, { from, to })).toMatchObject({ clean: true, erpEntries: 11 });
  });

  it('refuses an empty or reversed period', async () => {
    h = await createErpHarness(db.get());
    const at = new Date();
    await expect(reconcile(h.pool, h.erp, { from: at, to: at })).rejects.toThrow(RangeError);
  });
});
