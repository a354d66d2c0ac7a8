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
    const before = await snapshot();
    expect(await post(body, headers)).toEqual({ status: 200, body: { status: 'ignored', reason: 'ALREADY_ANSWERED' } });
    const contrary = payload({ event: 'journal_entry.rejected', status: 'REJECTED', reason: 'LATE' });
    expect(await post(contrary, signed(contrary))).toEqual({ status: 200, body: { status: 'ignored', reason: 'ALREADY_ANSWERED' } });
    expect(await snapshot()).toEqual(before);
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
});
