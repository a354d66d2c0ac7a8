import { randomUUID } from 'node:crypto';
import type { JournalEntryRequest } from '../../../integrations/erp';
import { erpConfirmationId, createErpSender, createCircuitBreaker, resolveErpSyncOptions } from '../../../processors/erp-sync';
import { createOutboxPublisher } from '../../../processors/runtime';
import { TOPICS } from '../../../schemas';
import { rowsOf } from '../../../storage/mysql';
import { codec, createErpHarness, FAST_ERP_SYNC, sharedDatabase, silentLogger, waitUntil, walletUpdated, type ErpHarness, type Sale } from './erp-sync.harness';


/** True once erp-sync's consumer group has acknowledged everything published to wallet.updates. */
function erpSyncDrained(harness: ErpHarness): boolean {
  const topic = harness.transport.stats().find((t) => t.topic === TOPICS.walletUpdates);
  return topic?.groups.find((g) => g.group === 'erp-sync')?.lag === 0;
}

describe('erp-sync: ledger transactions to the ERP and its answers back', () => {
  const db = sharedDatabase();
  let h: ErpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function balances(walletId: string): Promise<{ posted: number; pendingIn: number }> {
    const [result] = await db.get().pool.query('SELECT posted_minor, pending_in_minor FROM accounts WHERE id = ?', [walletId]);
    const row = rowsOf(result)[0];
    return { posted: Number(row?.posted_minor), pendingIn: Number(row?.pending_in_minor) };
  }

  it('sends a HELD sale as a journal entry (Idempotency-Key = ledger transaction id); the signed webhook confirms it and the ledger posts it', async () => {
    h = await createErpHarness(db.get(), { webhook: true, simulator: { confirmDelayMs: 0 } });
    const confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.runLedger();
    await h.startErpSync();
    const sale = await h.sale(10_000);
    const harness = h;
    await waitUntil(async () => (await harness.ledgerStatus(sale.ledgerTransactionId)) === 'POSTED', 'the sale to be posted');

    const entries = h.sim.state.entriesFor(sale.ledgerTransactionId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      status: 'CONFIRMED',
      currency: 'EUR',
      memo: `paystream SALE ${sale.ledgerTransactionId} order ${sale.orderId}`,
      lines: [
        { account: 'psp_clearing:EUR', debitMinor: 10_000, creditMinor: 0 },
        { account: sale.walletId, debitMinor: 0, creditMinor: 9_750 },
        { account: 'platform_revenue:EUR', debitMinor: 0, creditMinor: 250 },
      ],
    });
    expect(await h.record(sale.ledgerTransactionId)).toMatchObject({ status: 'CONFIRMED', answered_via: 'WEBHOOK', erp_id: entries[0]?.id, wallet_id: sale.walletId, amount_minor: 10_000, attempts: 1 });
    const published = confirmations.events('ErpConfirmation');
    expect(published).toHaveLength(1);
    expect(published[0]?.event).toMatchObject({ ledgerTransactionId: sale.ledgerTransactionId, walletId: sale.walletId, erpRecordId: entries[0]?.id, outcome: 'CONFIRMED', source: 'WEBHOOK' });
    expect(published[0]?.message.headers).toMatchObject({ eventId: erpConfirmationId(sale.ledgerTransactionId), correlationId: sale.orderId });
    expect(published[0]?.message.key).toBe(sale.walletId);
    expect(await balances(sale.walletId)).toEqual({ posted: 9_750, pendingIn: 0 });
  });

  it('releases the hold when the ERP rejects the entry later (rejection rule, webhook)', async () => {
    h = await createErpHarness(db.get(), { webhook: true, simulator: { confirmDelayMs: 0, rejectionRules: [{ amountAbove: 50_000, reason: 'LIMIT_EXCEEDED' }] } });
    await h.runLedger();
    await h.startErpSync();
    const small = await h.sale(1_000);
    const big = await h.sale(60_000);
    const harness = h;
    await waitUntil(async () => (await harness.ledgerStatus(big.ledgerTransactionId)) === 'REJECTED' && (await harness.ledgerStatus(small.ledgerTransactionId)) === 'POSTED', 'both verdicts');
    expect(await h.record(big.ledgerTransactionId)).toMatchObject({ status: 'REJECTED', reason: 'LIMIT_EXCEEDED', answered_via: 'WEBHOOK' });
    expect(await balances(big.walletId)).toEqual({ posted: 0, pendingIn: 0 });
  });

  it('turns a synchronous refusal (422) into REJECTED and an ErpConfirmation REJECTED (source POLL), so the ledger releases the hold', async () => {
    h = await createErpHarness(db.get(), { simulator: { validationRules: [{ account: 'platform_revenue:EUR', reason: 'UNKNOWN_ACCOUNT platform_revenue:EUR' }] } });
    const confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.runLedger();
    await h.startErpSync();
    const sale = await h.sale(4_000);
    const harness = h;
    await waitUntil(async () => (await harness.ledgerStatus(sale.ledgerTransactionId)) === 'REJECTED', 'the hold to be released');
    const record = await h.record(sale.ledgerTransactionId);
    expect(record).toMatchObject({ status: 'REJECTED', answered_via: 'POLL', erp_id: null, attempts: 1 });
    expect(String(record?.reason)).toContain('REFUSED_BY_RULE');
    expect(confirmations.events('ErpConfirmation').map((c) => c.event)).toEqual([expect.objectContaining({ outcome: 'REJECTED', source: 'POLL', erpRecordId: null })]);
    expect(h.sim.state.entries()).toHaveLength(0);
    expect(await balances(sale.walletId)).toEqual({ posted: 0, pendingIn: 0 });
  });

  it('loses nothing in an ERP outage: backoff, the circuit opens and stops calls, a probe after the cool-down, then everything is sent and confirmed', async () => {
    h = await createErpHarness(db.get(), { webhook: true, simulator: { confirmDelayMs: 0 } });
    await h.runLedger();
    // One call at a time: when the circuit opens no other call is on its way.
    const role = await h.startErpSync({ ...FAST_ERP_SYNC, breakerThreshold: 3, breakerCooldownMs: 1_000, maxConcurrent: 1, batchSize: 4 });
    h.sim.state.outage(true);
    const sales: Sale[] = [];
    for (let i = 0; i < 8; i += 1) sales.push(await h.sale(1_000 + i));
    const harness = h;
    await waitUntil(() => role.breaker.state() === 'OPEN', 'the circuit to open');
    const atOpen = h.sim.state.requests().length;
    expect(atOpen).toBeGreaterThanOrEqual(3);
    // Silence until the cool-down ends.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.sim.state.requests().length).toBe(atOpen);
    // Every record waits in MySQL.
    const [waiting] = await h.pool.query("SELECT COUNT(*) AS n FROM erp_records WHERE status = 'PENDING'");
    expect(Number(rowsOf(waiting)[0]?.n)).toBe(8);
    // Half-open: exactly one probe, which fails while the outage lasts, and the circuit opens again.
    await waitUntil(() => harness.sim.state.requests().length > atOpen, 'the half-open probe', 3_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.sim.state.requests().length).toBe(atOpen + 1);
    expect(role.breaker.state()).toBe('OPEN');

    h.sim.state.outage(false);
    await waitUntil(async () => {
      const statuses = await Promise.all(sales.map((s) => harness.ledgerStatus(s.ledgerTransactionId)));
      return statuses.every((s) => s === 'POSTED');
    }, 'every sale to be posted', 15_000);
    for (const sale of sales) expect(h.sim.state.entriesFor(sale.ledgerTransactionId)).toHaveLength(1);
    const [rows] = await h.pool.query('SELECT status, attempts FROM erp_records');
    const records = rowsOf(rows);
    expect(records.every((r) => r.status === 'CONFIRMED')).toBe(true);
    expect(records.some((r) => Number(r.attempts) > 1)).toBe(true);
    expect(role.breaker.state()).toBe('CLOSED');
  });

  it('polls SENT records that got no answer: PENDING stays SENT, a decision becomes ErpConfirmation (source POLL)', async () => {
    h = await createErpHarness(db.get());
    const confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.runLedger();
    await h.startErpSync({ ...FAST_ERP_SYNC, pollAfterMs: 30, pollEveryMs: 30 });
    const kept = await h.sale(2_000);
    const refused = await h.sale(3_000);
    const harness = h;
    await waitUntil(async () => (await harness.record(refused.ledgerTransactionId))?.status === 'SENT' && (await harness.record(kept.ledgerTransactionId))?.status === 'SENT', 'both sent');
    // Polled while the ERP has not decided: nothing changes.
    await waitUntil(() => harness.sim.state.requests().filter((r) => r.method === 'GET').length >= 4, 'a few polls');
    expect(await h.ledgerStatus(kept.ledgerTransactionId)).toBe('HELD');
    expect(confirmations.messages).toHaveLength(0);

    const keptEntry = h.sim.state.entriesFor(kept.ledgerTransactionId)[0];
    const refusedEntry = h.sim.state.entriesFor(refused.ledgerTransactionId)[0];
    if (keptEntry === undefined || refusedEntry === undefined) throw new Error('entries missing');
    h.sim.state.decide(keptEntry.id, 'CONFIRMED');
    h.sim.state.decide(refusedEntry.id, 'REJECTED', 'PERIOD_CLOSED');
    await waitUntil(
      async () => (await harness.ledgerStatus(kept.ledgerTransactionId)) === 'POSTED' && (await harness.ledgerStatus(refused.ledgerTransactionId)) === 'REJECTED',
      'the polled verdicts to reach the ledger',
    );
    expect(await h.record(refused.ledgerTransactionId)).toMatchObject({ status: 'REJECTED', reason: 'PERIOD_CLOSED', answered_via: 'POLL' });
    expect(confirmations.events('ErpConfirmation').map((c) => [c.event.outcome, c.event.source]).sort()).toEqual([
      ['CONFIRMED', 'POLL'],
      ['REJECTED', 'POLL'],
    ]);
  });

  it('cancels at the ERP a voided transaction it had sent, and never sends one voided before sending', async () => {
    h = await createErpHarness(db.get());
    const role = await h.startErpSync();
    const sentTx = randomUUID();
    const lines = (walletId: string, amount: number) => [
      { account: walletId, amountMinor: amount },
      { account: 'topup-clearing', amountMinor: -amount },
    ];
    await h.publish(TOPICS.walletUpdates, [walletUpdated({ ledgerTransactionId: sentTx, walletId: 'w-1', status: 'HELD', lines: lines('w-1', 500) })]);
    const harness = h;
    await waitUntil(async () => (await harness.record(sentTx))?.status === 'SENT', 'the entry to be sent');
    await h.publish(TOPICS.walletUpdates, [walletUpdated({ ledgerTransactionId: sentTx, walletId: 'w-1', status: 'VOIDED', lines: lines('w-1', 500) })]);
    await waitUntil(async () => (await harness.record(sentTx))?.status === 'CANCELLED', 'the entry to be cancelled');
    expect(h.sim.state.entriesFor(sentTx).map((e) => e.status)).toEqual(['CANCELLED']);

    // Stopped sender: the HELD and VOIDED updates of another transaction arrive before any call.
    await role.sender.stop();
    const neverSent = randomUUID();
    const requestsBefore = h.sim.state.requests().length;
    await h.publish(TOPICS.walletUpdates, [
      walletUpdated({ ledgerTransactionId: neverSent, walletId: 'w-2', status: 'HELD', lines: lines('w-2', 700) }),
      walletUpdated({ ledgerTransactionId: neverSent, walletId: 'w-2', status: 'VOIDED', lines: lines('w-2', 700) }),
    ]);
    await waitUntil(async () => (await harness.record(neverSent))?.status === 'CANCELLED', 'the record to be cancelled');
    role.sender.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await h.record(neverSent)).toMatchObject({ status: 'CANCELLED', attempts: 0, erp_id: null });
    expect(h.sim.state.requests().length).toBe(requestsBefore);
    expect(h.sim.state.entriesFor(neverSent)).toHaveLength(0);

    // The void of an action the ledger never decided names no transaction (no lines): nothing to record.
    const undecided = randomUUID();
    await h.publish(TOPICS.walletUpdates, [walletUpdated({ ledgerTransactionId: undecided, walletId: 'w-3', status: 'VOIDED', lines: [] })]);
    await waitUntil(() => erpSyncDrained(harness), 'the void to be handled');
    expect(await h.record(undecided)).toBeUndefined();
  });

  it('records a transfer once (two HELD updates, one per wallet) under the wallet seen first; redelivery changes nothing', async () => {
    h = await createErpHarness(db.get());
    await h.runErpSyncProcessor();
    const tx = randomUUID();
    const transferLines = [
      { account: 'wallet-from', amountMinor: -2_500 },
      { account: 'wallet-to', amountMinor: 2_500 },
    ];
    const out = walletUpdated({ ledgerTransactionId: tx, walletId: 'wallet-from', status: 'HELD', cause: 'TRANSFER_OUT', lines: transferLines, actionId: 'action-1' });
    const into = walletUpdated({ ledgerTransactionId: tx, walletId: 'wallet-to', status: 'HELD', cause: 'TRANSFER_IN', lines: transferLines, actionId: 'action-1' });
    await h.publish(TOPICS.walletUpdates, [out]);
    const harness = h;
    await waitUntil(async () => (await harness.record(tx)) !== undefined, 'the record');
    await h.publish(TOPICS.walletUpdates, [into, out]);
    await waitUntil(() => erpSyncDrained(harness), 'both updates handled');
    const [rows] = await h.pool.query('SELECT wallet_id, amount_minor, payload, correlation_id, causation_id, status FROM erp_records');
    const records = rowsOf(rows);
    expect(records).toHaveLength(1);
    // The record's key (the ledger transaction) is what makes a redelivery change nothing: no inbox rows.
    const [inbox] = await h.pool.query("SELECT COUNT(*) AS n FROM inbox WHERE consumer = 'erp-sync'");
    expect(rowsOf(inbox)).toEqual([{ n: 0 }]);
    expect(records[0]).toMatchObject({ wallet_id: 'wallet-from', amount_minor: 2_500, correlation_id: 'action-1', causation_id: out.eventId, status: 'PENDING' });
    expect(JSON.parse(String(records[0]?.payload))).toEqual({
      externalId: tx,
      memo: `paystream TRANSFER ${tx} action action-1`,
      currency: 'EUR',
      lines: [
        { account: 'wallet-from', debitMinor: 2_500, creditMinor: 0 },
        { account: 'wallet-to', debitMinor: 0, creditMinor: 2_500 },
      ],
      occurredAt: out.event.occurredAt,
    });
  });

  it('shares due records between several senders (FOR UPDATE SKIP LOCKED + lease): each entry is sent once', async () => {
    h = await createErpHarness(db.get(), { simulator: { latencyMs: 5 } });
    await h.runErpSyncProcessor();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await h.publish(
      TOPICS.walletUpdates,
      ids.map((id, i) => walletUpdated({ ledgerTransactionId: id, walletId: `w-${i}`, status: 'HELD', lines: [{ account: `w-${i}`, amountMinor: 100 + i }, { account: 'topup-clearing', amountMinor: -(100 + i) }] })),
    );
    const harness = h;
    await waitUntil(async () => {
      const [r] = await harness.pool.query('SELECT COUNT(*) AS n FROM erp_records');
      return Number(rowsOf(r)[0]?.n) === 30;
    }, 'thirty records');
    const options = resolveErpSyncOptions({ ...FAST_ERP_SYNC, batchSize: 3, maxConcurrent: 2 });
    const senders = Array.from({ length: 3 }, () => {
      const outbox = createOutboxPublisher({ pool: harness.pool, transport: harness.transport, producer: 'erp-sync', logger: silentLogger });
      return createErpSender({ pool: harness.pool, codec, outbox, logger: silentLogger, breaker: createCircuitBreaker({ failureThreshold: 5, cooldownMs: 100 }), erp: harness.erp, options });
    });
    for (const sender of senders) sender.start();
    try {
      await waitUntil(async () => {
        const [r] = await harness.pool.query("SELECT COUNT(*) AS n FROM erp_records WHERE status = 'SENT'");
        return Number(rowsOf(r)[0]?.n) === 30;
      }, 'every record sent');
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
    }
    // Each round sends its claimed records in one batch request (at most batchSize = 3 of them).
    const posts = h.sim.state.requests().filter((r) => r.method === 'POST');
    expect(posts.every((p) => p.path === '/journal-entries/batch' && p.status === 200)).toBe(true);
    expect(posts.length).toBeGreaterThanOrEqual(10);
    expect(posts.length).toBeLessThan(30);
    for (const id of ids) expect(h.sim.state.entriesFor(id)).toHaveLength(1);
  });
  /** A sender of its own (not started: rounds run by `runOnce`), with its breaker. */
  function standaloneSender(harness: ErpHarness, breakerThreshold: number): { sender: ReturnType<typeof createErpSender>; breaker: ReturnType<typeof createCircuitBreaker> } {
    const options = resolveErpSyncOptions({ ...FAST_ERP_SYNC, batchSize: 50 });
    const outbox = createOutboxPublisher({ pool: harness.pool, transport: harness.transport, producer: 'erp-sync', logger: silentLogger });
    const breaker = createCircuitBreaker({ failureThreshold: breakerThreshold, cooldownMs: 10_000 });
    return { sender: createErpSender({ pool: harness.pool, codec, outbox, logger: silentLogger, breaker, erp: harness.erp, options }), breaker };
  }

  function held(ledgerTransactionId: string, walletId: string, amount: number, status: 'HELD' | 'VOIDED' = 'HELD'): ReturnType<typeof walletUpdated> {
    return walletUpdated({
      ledgerTransactionId,
      walletId,
      status,
      lines: [
        { account: walletId, amountMinor: amount },
        { account: 'topup-clearing', amountMinor: -amount },
      ],
    });
  }

  async function recordCount(harness: ErpHarness): Promise<number> {
    const [r] = await harness.pool.query('SELECT COUNT(*) AS n FROM erp_records');
    return Number(rowsOf(r)[0]?.n);
  }

  it('sends a round of PENDING records in ONE batch request; each ends as a single send left it (SENT, REJECTED on 422, FAILED on a key conflict, answered on a decided replay); a cancel is its own call', async () => {
    h = await createErpHarness(db.get(), { simulator: { validationRules: [{ account: 'refused-wallet', reason: 'UNKNOWN_ACCOUNT refused-wallet' }] } });
    const harness = h;
    const confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.runErpSyncProcessor();
    const { sender, breaker } = standaloneSender(h, 2);

    // One transaction sent, then voided: CANCEL_PENDING in the round below.
    const voided = randomUUID();
    await h.publish(TOPICS.walletUpdates, [held(voided, 'w-voided', 50)]);
    await waitUntil(async () => (await harness.record(voided)) !== undefined, 'the record to void');
    await sender.runOnce();
    expect(await h.record(voided)).toMatchObject({ status: 'SENT' });
    const voidedErpId = String((await h.record(voided))?.erp_id);
    await h.publish(TOPICS.walletUpdates, [held(voided, 'w-voided', 50, 'VOIDED')]);
    await waitUntil(async () => (await harness.record(voided))?.status === 'CANCEL_PENDING', 'the void');

    const normal = Array.from({ length: 6 }, () => randomUUID());
    const [refused, conflict, replay] = [randomUUID(), randomUUID(), randomUUID()];
    await h.publish(TOPICS.walletUpdates, [
      ...normal.map((id, i) => held(id, `w-${i}`, 100 + i)),
      held(refused, 'refused-wallet', 200),
      held(conflict, 'w-conflict', 300),
      held(replay, 'w-replay', 400),
    ]);
    await waitUntil(async () => (await recordCount(harness)) === 10, 'ten records');
    // The conflict's key was used for another entry; the replay's entry exists at the ERP, already confirmed.
    const other: JournalEntryRequest = { externalId: conflict, memo: 'another entry', currency: 'EUR', lines: [{ account: 'a', debitMinor: 1, creditMinor: 0 }, { account: 'b', debitMinor: 0, creditMinor: 1 }], occurredAt: Date.now() };
    await h.erp.createJournalEntry(other, conflict);
    const replayRequest = JSON.parse(String((await h.record(replay))?.payload)) as JournalEntryRequest;
    const replayEntry = await h.erp.createJournalEntry(replayRequest, replay);
    h.sim.state.decide(replayEntry.id, 'CONFIRMED');

    const before = h.sim.state.requests().length;
    await sender.runOnce();
    const made = h.sim.state.requests().slice(before);
    expect(made.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual(['POST /journal-entries/batch 200', `POST /journal-entries/${voidedErpId}/cancel 200`]);

    for (const id of normal) expect(await h.record(id)).toMatchObject({ status: 'SENT', attempts: 1, erp_id: h.sim.state.entriesFor(id)[0]?.id, last_error: null });
    const refusedRecord = await h.record(refused);
    expect(refusedRecord).toMatchObject({ status: 'REJECTED', answered_via: 'POLL', erp_id: null, attempts: 1 });
    expect(String(refusedRecord?.reason)).toContain('REFUSED_BY_RULE');
    const conflictRecord = await h.record(conflict);
    expect(conflictRecord).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(String(conflictRecord?.last_error)).toContain('ERP_IDEMPOTENCY_CONFLICT');
    expect(await h.record(replay)).toMatchObject({ status: 'CONFIRMED', answered_via: 'POLL', erp_id: replayEntry.id, attempts: 1 });
    expect(await h.record(voided)).toMatchObject({ status: 'CANCELLED' });
    expect(h.sim.state.entriesFor(voided).map((e) => e.status)).toEqual(['CANCELLED']);
    expect(breaker.state()).toBe('CLOSED');
    await waitUntil(() => confirmations.messages.length === 2, 'two confirmations');
    expect(confirmations.events('ErpConfirmation').map((c) => [c.event.ledgerTransactionId, c.event.outcome, c.event.source])).toEqual(
      expect.arrayContaining([
        [refused, 'REJECTED', 'POLL'],
        [replay, 'CONFIRMED', 'POLL'],
      ]),
    );
  });

  it('counts a failed batch exchange once against the circuit breaker; every record in it backs off, then goes in the next batch', async () => {
    h = await createErpHarness(db.get());
    const harness = h;
    await h.runErpSyncProcessor();
    const { sender, breaker } = standaloneSender(h, 2);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await h.publish(TOPICS.walletUpdates, ids.map((id, i) => held(id, `w-${i}`, 100 + i)));
    await waitUntil(async () => (await recordCount(harness)) === 5, 'five records');
    h.sim.state.outage(true);
    await sender.runOnce();
    expect(h.sim.state.requests().map((r) => `${r.path} ${r.status}`)).toEqual(['/journal-entries/batch 503']);
    // Five records, one exchange: one failure, below the threshold of two.
    expect(breaker.state()).toBe('CLOSED');
    for (const id of ids) {
      const record = await h.record(id);
      expect(record).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(String(record?.last_error)).toContain('ERP_UNAVAILABLE');
    }
    h.sim.state.outage(false);
    // The backoff (at most retryMaxMs = 80 ms) passes.
    await new Promise((resolve) => setTimeout(resolve, 120));
    await sender.runOnce();
    expect(h.sim.state.requests().map((r) => `${r.path} ${r.status}`)).toEqual(['/journal-entries/batch 503', '/journal-entries/batch 200']);
    for (const id of ids) expect(await h.record(id)).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(breaker.state()).toBe('CLOSED');
  });
});
