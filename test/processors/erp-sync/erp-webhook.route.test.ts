import { randomUUID } from 'node:crypto';
import { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, signErpWebhook } from '../../../integrations/erp';
import { erpConfirmationId } from '../../../processors/erp-sync';
import { TOPICS } from '../../../schemas';
import { rowsOf } from '../../../storage/mysql';
import { createErpHarness, sharedDatabase, waitUntil, walletUpdated, WEBHOOK_SECRET, type ErpHarness, type Observer } from './erp-sync.harness';

interface Sent {
  status: number;
  body: unknown;
}

describe('POST /erp/webhooks', () => {
  const db = sharedDatabase();
  let h: ErpHarness;
  let confirmations: Observer;
  let tx: string;
  let erpId: string;

  beforeEach(async () => {
    h = await createErpHarness(db.get(), { webhook: true });
    confirmations = await h.observe(TOPICS.erpConfirmations);
    await h.startErpSync();
    tx = randomUUID();
    await h.publish(TOPICS.walletUpdates, [
      walletUpdated({
        ledgerTransactionId: tx,
        walletId: 'w-1',
        status: 'HELD',
        actionId: 'action-7',
        lines: [
          { account: 'w-1', amountMinor: 900 },
          { account: 'topup-clearing', amountMinor: -900 },
        ],
      }),
    ]);
    await waitUntil(async () => (await h.record(tx))?.status === 'SENT', 'the record to be sent');
    erpId = String((await h.record(tx))?.erp_id);
  });
  afterEach(async () => {
    await h.close();
  });

  function payload(overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({ event: 'journal_entry.confirmed', id: erpId, external_id: tx, status: 'CONFIRMED', reason: null, at: '2024-11-21T10:00:05.000Z', ...overrides });
  }

  async function post(body: string, headers: Record<string, string>): Promise<Sent> {
    const url = h.webhookUrl;
    if (url === undefined) throw new Error('no webhook route');
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: await res.json() };
  }

  function signed(body: string, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET): Record<string, string> {
    return { [ERP_TIMESTAMP_HEADER]: String(timestamp), [ERP_SIGNATURE_HEADER]: signErpWebhook(secret, timestamp, body) };
  }

  /** What a webhook could change: the record and the outbox. */
  async function snapshot(): Promise<unknown> {
    const [records] = await h.pool.query('SELECT * FROM erp_records');
    const [outbox] = await h.pool.query('SELECT event_id FROM outbox');
    return { records: rowsOf(records), outbox: rowsOf(outbox) };
  }

  it('records a signed answer and publishes ErpConfirmation (source WEBHOOK) with the transaction\'s one confirmation id', async () => {
    const body = payload();
    expect(await post(body, signed(body))).toEqual({ status: 200, body: { status: 'accepted' } });
    expect(await h.record(tx)).toMatchObject({ status: 'CONFIRMED', answered_via: 'WEBHOOK', erp_id: erpId });
    await waitUntil(() => confirmations.messages.length === 1, 'the confirmation');
    const [published] = confirmations.events('ErpConfirmation');
    expect(published?.event).toEqual({ ledgerTransactionId: tx, walletId: 'w-1', erpRecordId: erpId, outcome: 'CONFIRMED', reason: null, source: 'WEBHOOK', confirmedAt: Date.parse('2024-11-21T10:00:05.000Z') });
    expect(published?.message.headers).toMatchObject({ eventId: erpConfirmationId(tx), correlationId: 'action-7' });
    expect(published?.message.key).toBe('w-1');
    // Published after commit, then removed from the outbox.
    await waitUntil(async () => {
      const [r] = await h.pool.query('SELECT COUNT(*) AS n FROM outbox');
      return Number(rowsOf(r)[0]?.n) === 0;
    }, 'an empty outbox');
  });

  it('answers a replayed or duplicate webhook 200 and changes nothing; a later contrary answer changes nothing either', async () => {
    const body = payload();
    const headers = signed(body);
    await post(body, headers);
    await waitUntil(() => confirmations.messages.length === 1, 'the first confirmation');
    await waitUntil(async () => {
      const [r] = await h.pool.query('SELECT COUNT(*) AS n FROM outbox');
      return Number(rowsOf(r)[0]?.n) === 0;
    }, 'the published confirmation to leave the outbox');
    const before = await snapshot();
    expect(await post(body, headers)).toEqual({ status: 200, body: { status: 'ignored', reason: 'ALREADY_ANSWERED' } });
    const contrary = payload({ event: 'journal_entry.rejected', status: 'REJECTED', reason: 'LATE' });
    expect(await post(contrary, signed(contrary))).toEqual({ status: 200, body: { status: 'ignored', reason: 'ALREADY_ANSWERED' } });
    expect(await snapshot()).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(confirmations.messages).toHaveLength(1);
  });

  it('records webhooks that arrive together once each: one accepted, the copies and an unknown id ignored', async () => {
    const body = payload();
    const unknown = payload({ external_id: randomUUID() });
    const answers = await Promise.all([...Array.from({ length: 6 }, () => post(body, signed(body))), post(unknown, signed(unknown))]);
    const statuses = answers.map((a) => a.body as { status: string; reason?: string });
    expect(statuses.filter((a) => a.status === 'accepted')).toHaveLength(1);
    expect(statuses.filter((a) => a.reason === 'ALREADY_ANSWERED')).toHaveLength(5);
    expect(statuses[6]).toEqual({ status: 'ignored', reason: 'UNKNOWN_EXTERNAL_ID' });
    expect(await h.record(tx)).toMatchObject({ status: 'CONFIRMED', answered_via: 'WEBHOOK' });
    await waitUntil(() => confirmations.messages.length === 1, 'the confirmation');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(confirmations.messages).toHaveLength(1);
  });

  it('refuses with 401, changing nothing: a bad signature, no signature, no timestamp, a stale or future timestamp, a malformed signature', async () => {
    const body = payload();
    const now = Math.floor(Date.now() / 1000);
    const before = await snapshot();
    const attempts: Record<string, string>[] = [
      signed(body, now, 'not-the-secret'),
      { [ERP_TIMESTAMP_HEADER]: String(now) },
      { [ERP_SIGNATURE_HEADER]: signErpWebhook(WEBHOOK_SECRET, now, body) },
      signed(body, now - 400),
      signed(body, now + 400),
      { [ERP_TIMESTAMP_HEADER]: String(now), [ERP_SIGNATURE_HEADER]: 'sha256=deadbeef' },
      // Signed for another body.
      { ...signed(payload({ status: 'REJECTED' }), now) },
    ];
    for (const headers of attempts) expect(await post(body, headers)).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await snapshot()).toEqual(before);
    expect(await h.record(tx)).toMatchObject({ status: 'SENT' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(confirmations.messages).toHaveLength(0);
  });

  it('answers 400 to a signed body that is not a webhook payload, changing nothing', async () => {
    const before = await snapshot();
    for (const body of ['not json', payload({ status: 'BOOKED' }), payload({ event: 'journal_entry.rejected' }), payload({ at: 'yesterday' })]) {
      expect(await post(body, signed(body))).toEqual({ status: 400, body: { error: 'malformed webhook payload' } });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers 200 ignored to an unknown external id (a 404 would be retried forever) and to another ERP entry of the transaction', async () => {
    const before = await snapshot();
    const unknown = payload({ external_id: randomUUID() });
    expect(await post(unknown, signed(unknown))).toEqual({ status: 200, body: { status: 'ignored', reason: 'UNKNOWN_EXTERNAL_ID' } });
    const other = payload({ id: 'je_someone_else' });
    expect(await post(other, signed(other))).toEqual({ status: 200, body: { status: 'ignored', reason: 'OTHER_ERP_ENTRY' } });
    expect(await snapshot()).toEqual(before);
  });

  it('takes a rejection with its reason', async () => {
    const body = payload({ event: 'journal_entry.rejected', status: 'REJECTED', reason: 'ACCOUNT_BLOCKED' });
    expect(await post(body, signed(body))).toEqual({ status: 200, body: { status: 'accepted' } });
    expect(await h.record(tx)).toMatchObject({ status: 'REJECTED', reason: 'ACCOUNT_BLOCKED', answered_via: 'WEBHOOK' });
    await waitUntil(() => confirmations.messages.length === 1, 'the confirmation');
    expect(confirmations.events('ErpConfirmation')[0]?.event).toMatchObject({ outcome: 'REJECTED', reason: 'ACCOUNT_BLOCKED', source: 'WEBHOOK' });
  });
  /** Another transaction sent to the ERP (SENT, no answer yet): its id and ERP id. */
  async function sentTransaction(walletId: string, amount: number): Promise<{ tx: string; erpId: string }> {
    const id = randomUUID();
    await h.publish(TOPICS.walletUpdates, [
      walletUpdated({
        ledgerTransactionId: id,
        walletId,
        status: 'HELD',
        lines: [
          { account: walletId, amountMinor: amount },
          { account: 'topup-clearing', amountMinor: -amount },
        ],
      }),
    ]);
    await waitUntil(async () => (await h.record(id))?.status === 'SENT', 'the record to be sent');
    return { tx: id, erpId: String((await h.record(id))?.erp_id) };
  }

  function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return JSON.parse(payload(overrides)) as Record<string, unknown>;
  }

  it('records a batch { events } in one transaction: one accepted per new event, ignored for copies and unknown ids, results in order', async () => {
    const second = await sentTransaction('w-2', 300);
    const third = await sentTransaction('w-3', 400);
    const body = JSON.stringify({
      events: [
        event(),
        event({ id: second.erpId, external_id: second.tx, event: 'journal_entry.rejected', status: 'REJECTED', reason: 'PERIOD_CLOSED' }),
        event(),
        event({ external_id: randomUUID() }),
        event({ id: third.erpId, external_id: third.tx }),
      ],
    });
    expect(await post(body, signed(body))).toEqual({
      status: 200,
      body: {
        status: 'accepted',
        results: [{ status: 'accepted' }, { status: 'accepted' }, { status: 'ignored', reason: 'ALREADY_ANSWERED' }, { status: 'ignored', reason: 'UNKNOWN_EXTERNAL_ID' }, { status: 'accepted' }],
      },
    });
    const records = await Promise.all([tx, second.tx, third.tx].map((id) => h.record(id)));
    expect(records.map((r) => [r?.status, r?.answered_via, r?.reason])).toEqual([
      ['CONFIRMED', 'WEBHOOK', null],
      ['REJECTED', 'WEBHOOK', 'PERIOD_CLOSED'],
      ['CONFIRMED', 'WEBHOOK', null],
    ]);
    // One transaction for the whole request: one clock reading for every answer in it.
    expect(new Set(records.map((r) => String(r?.answered_at))).size).toBe(1);
    await waitUntil(() => confirmations.messages.length === 3, 'three confirmations');
    expect(confirmations.events('ErpConfirmation').map((c) => [c.event.ledgerTransactionId, c.event.outcome, c.event.source])).toEqual(
      expect.arrayContaining([
        [tx, 'CONFIRMED', 'WEBHOOK'],
        [second.tx, 'REJECTED', 'WEBHOOK'],
        [third.tx, 'CONFIRMED', 'WEBHOOK'],
      ]),
    );
    // The same batch again: every event ignored, nothing changes.
    await waitUntil(async () => {
      const [r] = await h.pool.query('SELECT COUNT(*) AS n FROM outbox');
      return Number(rowsOf(r)[0]?.n) === 0;
    }, 'the published confirmations to leave the outbox');
    const before = await snapshot();
    const again = await post(body, signed(body));
    expect((again.body as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 to a batch with any malformed event, an empty batch or more than 500 events, changing nothing', async () => {
    const before = await snapshot();
    const bodies = [
      { events: [event(), event({ status: 'BOOKED' })] },
      { events: [event(), event({ event: 'journal_entry.rejected' })] },
      { events: [event(), 'not an event'] },
      { events: [] },
      { events: event() },
      { events: Array.from({ length: 501 }, () => event({ external_id: randomUUID() })) },
    ].map((b) => JSON.stringify(b));
    for (const body of bodies) expect(await post(body, signed(body))).toEqual({ status: 400, body: { error: 'malformed webhook payload' } });
    expect(await snapshot()).toEqual(before);
    expect(await h.record(tx)).toMatchObject({ status: 'SENT' });
  });

  it('checks the signature over the whole batch body (401, changing nothing)', async () => {
    const before = await snapshot();
    const body = JSON.stringify({ events: [event()] });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(body, signed(JSON.stringify({ events: [event({ status: 'REJECTED' })] }), now))).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await post(body, signed(body, now, 'not-the-secret'))).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await post(body, signed(body, now - 400))).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await snapshot()).toEqual(before);
    expect(await post(body, signed(body, now))).toEqual({ status: 200, body: { status: 'accepted', results: [{ status: 'accepted' }] } });
  });

  it('takes a batch of 500 events with full-length fields within the default body limit', async () => {
    const events = Array.from({ length: 500 }, () => event({ id: `je_${'x'.repeat(125)}`, external_id: randomUUID().padEnd(128, 'y'), event: 'journal_entry.rejected', status: 'REJECTED', reason: 'r'.repeat(2_000) }));
    const body = JSON.stringify({ events });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    const answer = await post(body, signed(body));
    expect(answer.status).toBe(200);
    const results = (answer.body as { results: { status: string; reason: string }[] }).results;
    expect(results).toHaveLength(500);
    expect(results.every((r) => r.status === 'ignored' && r.reason === 'UNKNOWN_EXTERNAL_ID')).toBe(true);
  });
});
