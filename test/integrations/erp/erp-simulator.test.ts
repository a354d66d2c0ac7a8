import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  startErpSimulatorRole,
  createErpSimulator,
  createHttpErpClient,
  isErpError,
  verifyErpWebhook,
  ERP_SIGNATURE_HEADER,
  ERP_TIMESTAMP_HEADER,
  type ErpClient,
  type ErpSimulator,
} from '../../../integrations/erp';
import { rejectionOf } from '../errors.helper';
import { entry, startWebhookReceiver, waitFor } from './erp.fixtures';

describe('ERP simulator over HTTP', () => {
  const started: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.stop();
  });

  async function simulator(options: Parameters<typeof createErpSimulator>[0] = {}): Promise<{ sim: ErpSimulator; client: ErpClient }> {
    const sim = createErpSimulator({ confirmDelayMs: null, ...options });
    const url = await sim.start(0);
    started.push(sim);
    return { sim, client: createHttpErpClient({ baseUrl: url, timeoutMs: 2_000 }) };
  }

  async function post(url: string, body: unknown, key: string | undefined): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}/journal-entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  it('answers a new entry 202 PENDING and the same key with the same body the same entry (200)', async () => {
    const { sim, client } = await simulator();
    const request = entry(2_500);
    const first = await client.createJournalEntry(request, request.externalId);
    expect(first).toEqual({ id: expect.stringMatching(/^je_/) as unknown, status: 'PENDING', reason: null, replayed: false });
    const again = await client.createJournalEntry(request, request.externalId);
    expect(again).toEqual({ ...first, replayed: true });
    expect(sim.state.entries()).toHaveLength(1);
    const stored = await client.getJournalEntry(first.id);
    expect(stored).toMatchObject({ id: first.id, externalId: request.externalId, memo: request.memo, currency: 'EUR', lines: request.lines, occurredAt: request.occurredAt, status: 'PENDING' });
    // Raw: the replay answers 200 with the whole entry; key order in the body does not matter.
    const reordered = { occurred_at: new Date(request.occurredAt).toISOString(), lines: request.lines.map((l) => ({ credit_minor: l.creditMinor, debit_minor: l.debitMinor, account: l.account })), currency: 'EUR', memo: request.memo, external_id: request.externalId };
    const raw = await post(sim.url, reordered, request.externalId);
    expect(raw).toEqual({ status: 200, body: expect.objectContaining({ id: first.id, external_id: request.externalId, status: 'PENDING' }) as unknown });
  });

  it('answers 409 to the same key with another body, and keeps the first entry', async () => {
    const { sim, client } = await simulator();
    const request = entry(100);
    await client.createJournalEntry(request, 'key-1');
    const err = await rejectionOf(client.createJournalEntry(entry(200), 'key-1'), isErpError);
    expect(err).toMatchObject({ code: 'ERP_IDEMPOTENCY_CONFLICT', retryable: false, status: 409, erpCode: 'IDEMPOTENCY_CONFLICT' });
    expect(sim.state.entries()).toHaveLength(1);
  });

  it('answers 422 { code, message } to entries that do not balance or are not integer minor units, and 400 without a key', async () => {
    const { sim } = await simulator();
    const base = { external_id: randomUUID(), memo: 'm', currency: 'EUR', occurred_at: '2024-11-21T10:00:00.000Z' };
    const unbalanced = await post(sim.url, { ...base, lines: [{ account: 'a', debit_minor: 100, credit_minor: 0 }, { account: 'b', debit_minor: 0, credit_minor: 99 }] }, 'k1');
    expect(unbalanced).toEqual({ status: 422, body: { code: 'UNBALANCED', message: expect.stringContaining('100') as unknown } });
    const fractional = await post(sim.url, { ...base, lines: [{ account: 'a', debit_minor: 10.5, credit_minor: 0 }, { account: 'b', debit_minor: 0, credit_minor: 10.5 }] }, 'k2');
    expect(fractional).toEqual({ status: 422, body: { code: 'INVALID_ENTRY', message: expect.stringContaining('lines.0.debit_minor') as unknown } });
    const bothSides = await post(sim.url, { ...base, lines: [{ account: 'a', debit_minor: 5, credit_minor: 5 }, { account: 'b', debit_minor: 0, credit_minor: 0 }] }, 'k3');
    expect(bothSides).toEqual({ status: 422, body: { code: 'INVALID_LINE', message: expect.any(String) as unknown } });
    const badCurrency = await post(sim.url, { ...base, currency: 'eur', lines: [{ account: 'a', debit_minor: 5, credit_minor: 0 }, { account: 'b', debit_minor: 0, credit_minor: 5 }] }, 'k4');
    expect(badCurrency.status).toBe(422);
    const noKey = await post(sim.url, { ...base, lines: [] }, undefined);
    expect(noKey).toEqual({ status: 400, body: { code: 'IDEMPOTENCY_KEY_REQUIRED', message: expect.any(String) as unknown } });
    const notJson = await post(sim.url, '{', 'k5');
    expect(notJson.status).toBe(400);
    expect(sim.state.entries()).toHaveLength(0);
  });

  it('refuses through the client what the ERP would refuse, before calling; unknown ids are a non-retryable ERP_NOT_FOUND', async () => {
    const { sim, client } = await simulator();
    const tooLong = entry(100, { memo: 'x'.repeat(501) });
    // The client checks what it can first: no request reaches the ERP.
    const local = await rejectionOf(client.createJournalEntry(tooLong, 'k'), isErpError);
    expect(local).toMatchObject({ code: 'ERP_INVALID_REQUEST', retryable: false });
    const unbalanced = entry(100);
    unbalanced.lines[1] = { account: 'wallet-1', debitMinor: 0, creditMinor: 99 };
    expect(await rejectionOf(client.createJournalEntry(unbalanced, 'k'), isErpError)).toMatchObject({ code: 'ERP_INVALID_REQUEST', erpCode: 'UNBALANCED' });
    expect(sim.state.requests()).toHaveLength(0);
    expect(await rejectionOf(client.cancelJournalEntry('je_unknown'), isErpError)).toMatchObject({ code: 'ERP_NOT_FOUND', retryable: false, status: 404 });
    expect(await rejectionOf(client.getJournalEntry('je_unknown'), isErpError)).toMatchObject({ code: 'ERP_NOT_FOUND' });
  });

  it('lists entries by occurred_at in [since, until), oldest first, paged by cursor', async () => {
    const { client } = await simulator();
    const t0 = Date.parse('2024-11-21T00:00:00.000Z');
    const made: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const request = entry(100 + i, { occurredAt: t0 + i * 60_000 });
      made.push((await client.createJournalEntry(request, request.externalId)).id);
    }
    // One before and one at the end of the window stay out.
    const before = entry(1, { occurredAt: t0 - 1 });
    await client.createJournalEntry(before, before.externalId);
    const since = new Date(t0);
    const until = new Date(t0 + 6 * 60_000);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await client.listJournalEntries({ since, until, limit: 4, ...(cursor === null ? {} : { cursor }) });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(seen).toEqual(made.slice(0, 6));
  });

  it('cancels PENDING and CONFIRMED entries, answers a cancelled one again, and refuses to cancel a rejected one (409)', async () => {
    const { sim, client } = await simulator();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const request = entry(10 + i);
      ids.push((await client.createJournalEntry(request, request.externalId)).id);
    }
    const [pending, confirmed, rejected] = ids as [string, string, string];
    sim.state.decide(confirmed, 'CONFIRMED');
    sim.state.decide(rejected, 'REJECTED', 'ACCOUNT_CLOSED');
    expect((await client.cancelJournalEntry(pending)).status).toBe('CANCELLED');
    expect((await client.cancelJournalEntry(confirmed)).status).toBe('CANCELLED');
    expect((await client.cancelJournalEntry(confirmed)).status).toBe('CANCELLED');
    expect(await rejectionOf(client.cancelJournalEntry(rejected), isErpError)).toMatchObject({ code: 'ERP_NOT_CANCELLABLE', retryable: false, status: 409 });
    expect(sim.state.entry(rejected)).toMatchObject({ status: 'REJECTED', reason: 'ACCOUNT_CLOSED' });
  });

  it('refuses entries matching a validation rule at once: 422 REFUSED_BY_RULE, a non-retryable ERP_VALIDATION_FAILED', async () => {
    const { sim, client } = await simulator({ validationRules: [{ account: 'unknown-account', reason: 'UNKNOWN_ACCOUNT: unknown-account' }] });
    const refused = entry(10);
    refused.lines[0] = { account: 'unknown-account', debitMinor: 10, creditMinor: 0 };
    const err = await rejectionOf(client.createJournalEntry(refused, refused.externalId), isErpError);
    expect(err).toMatchObject({ code: 'ERP_VALIDATION_FAILED', retryable: false, status: 422, erpCode: 'REFUSED_BY_RULE' });
    expect(err.message).toContain('UNKNOWN_ACCOUNT');
    expect(sim.state.entries()).toHaveLength(0);
    const fine = entry(10);
    expect((await client.createJournalEntry(fine, fine.externalId)).status).toBe('PENDING');
  });

  it('waits the configured latency before answering', async () => {
    const { client } = await simulator({ latencyMs: 80 });
    const started = performance.now();
    const request = entry();
    await client.createJournalEntry(request, request.externalId);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('answers 503 at the failure rate and during an outage; the client reports a retryable ERP_UNAVAILABLE', async () => {
    const draws = [0.1, 0.9];
    const { sim, client } = await simulator({ failureRate: 0.5, random: () => draws.shift() ?? 0.9 });
    const request = entry();
    const failed = await rejectionOf(client.createJournalEntry(request, request.externalId), isErpError);
    expect(failed).toMatchObject({ code: 'ERP_UNAVAILABLE', retryable: true, status: 503 });
    await client.createJournalEntry(request, request.externalId);
    sim.state.outage(true);
    for (let i = 0; i < 3; i += 1) expect(await rejectionOf(client.listJournalEntries({ since: new Date(0), until: new Date() }), isErpError)).toMatchObject({ code: 'ERP_UNAVAILABLE' });
    sim.state.outage(false);
    expect((await client.listJournalEntries({ since: new Date(0), until: new Date() })).entries).toHaveLength(1);
    expect(sim.state.requests().map((r) => r.status)).toEqual([503, 202, 503, 503, 503, 200]);
  });

  it('decides entries by the rejection rules (memo, amount, account): REJECTED with a reason, CONFIRMED otherwise', async () => {
    const { sim, client } = await simulator({
      rejectionRules: [{ memoContains: 'BLOCKED' }, { amountAbove: 50_000, reason: 'LIMIT_EXCEEDED' }, { account: 'closed-account' }],
    });
    const ok = entry(1_000);
    const byMemo = entry(1_000, { memo: 'paystream SALE BLOCKED' });
    const byAmount = entry(50_001);
    const atLimit = entry(50_000);
    const byAccount = entry(10);
    byAccount.lines[1] = { account: 'closed-account', debitMinor: 0, creditMinor: 10 };
    const ids: string[] = [];
    for (const request of [ok, byMemo, byAmount, atLimit, byAccount]) ids.push((await client.createJournalEntry(request, request.externalId)).id);
    expect(sim.state.settlePending()).toBe(5);
    const decided = await Promise.all(ids.map((id) => client.getJournalEntry(id)));
    expect(decided.map((e) => [e.status, e.reason])).toEqual([
      ['CONFIRMED', null],
      ['REJECTED', 'REJECTED_BY_RULE: memo contains "BLOCKED"'],
      ['REJECTED', 'LIMIT_EXCEEDED'],
      ['CONFIRMED', null],
      ['REJECTED', 'REJECTED_BY_RULE: account closed-account'],
    ]);
  });

  it('keeps an entry PENDING for the confirmation delay, then decides it on its own', async () => {
    const { sim, client } = await simulator({ confirmDelayMs: 150, rejectionRules: [{ amountAbove: 500 }] });
    const kept = entry(100);
    const refused = entry(900);
    const created = [await client.createJournalEntry(kept, kept.externalId), await client.createJournalEntry(refused, refused.externalId)];
    expect(created.map((c) => c.status)).toEqual(['PENDING', 'PENDING']);
    await waitFor(() => sim.state.entries().every((e) => e.status !== 'PENDING'), 'decisions');
    const decided = await Promise.all(created.map((c) => client.getJournalEntry(c.id)));
    expect(decided.map((e) => e.status)).toEqual(['CONFIRMED', 'REJECTED']);
    for (const e of decided) expect(e.updatedAt - e.createdAt).toBeGreaterThanOrEqual(145);
  });

  it('reports each decision by a signed webhook that the receiver can verify', async () => {
    const receiver = await startWebhookReceiver();
    started.push({ stop: () => receiver.close() });
    const secret = 'whsec_test';
    const { sim, client } = await simulator({ confirmDelayMs: 0, webhook: { url: `${receiver.url}/erp/webhooks`, secret }, rejectionRules: [{ amountAbove: 500 }] });
    const small = entry(100);
    const big = entry(900);
    const smallId = (await client.createJournalEntry(small, small.externalId)).id;
    const bigId = (await client.createJournalEntry(big, big.externalId)).id;
    await waitFor(() => sim.state.webhookDeliveries().length === 2, 'two webhooks');
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { event: 'journal_entry.confirmed', id: smallId, external_id: small.externalId, status: 'CONFIRMED', reason: null, at: expect.any(String) as unknown },
        { event: 'journal_entry.rejected', id: bigId, external_id: big.externalId, status: 'REJECTED', reason: 'REJECTED_BY_RULE: amount above 500', at: expect.any(String) as unknown },
      ]),
    );
    for (const hook of receiver.received) {
      const timestamp = hook.headers[ERP_TIMESTAMP_HEADER];
      const signature = hook.headers[ERP_SIGNATURE_HEADER];
      expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
      const check = verifyErpWebhook({
        secret,
        timestamp: typeof timestamp === 'string' ? timestamp : undefined,
        signature: typeof signature === 'string' ? signature : undefined,
        body: Buffer.from(hook.body),
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: 300,
      });
      expect(check.ok).toBe(true);
      expect(verifyErpWebhook({ secret: 'other', timestamp: String(timestamp), signature: String(signature), body: Buffer.from(hook.body), nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: 300 })).toEqual({
        ok: false,
        problem: 'BAD_SIGNATURE',
      });
    }
    expect(sim.state.webhookDeliveries().map((d) => d.status)).toEqual([200, 200]);
  });

  it('retries a webhook the receiver does not take (non-2xx) with backoff, a bounded number of times', async () => {
    const flaky = await startWebhookReceiver([500, 503, 200]);
    const down = await startWebhookReceiver([500]);
    started.push({ stop: () => flaky.close() }, { stop: () => down.close() });
    const { sim, client } = await simulator({ webhook: { url: flaky.url, secret: 's', initialBackoffMs: 20, maxAttempts: 4 } });
    const request = entry();
    const { id } = await client.createJournalEntry(request, request.externalId);
    sim.state.decide(id, 'CONFIRMED');
    await waitFor(() => sim.state.webhookDeliveries().length === 3, 'three attempts');
    const deliveries = sim.state.webhookDeliveries();
    expect(deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    // Backoff: 20 ms, then 40 ms.
    const [a, b, c] = deliveries.map((d) => d.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(15);
    expect(c - b).toBeGreaterThanOrEqual(35);
    // Each attempt is signed afresh; the body is the same.
    expect(new Set(flaky.received.map((r) => r.body)).size).toBe(1);

    sim.state.configure({ webhook: { url: down.url, secret: 's', initialBackoffMs: 5, maxAttempts: 3 } });
    const other = entry();
    const second = await client.createJournalEntry(other, other.externalId);
    sim.state.decide(second.id, 'REJECTED', 'NOPE');
    await waitFor(() => sim.state.webhookDeliveries().filter((d) => d.entryId === second.id).length === 3, 'three failed attempts');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(down.received).toHaveLength(3);
  });

  it('runs as the erp-simulator role from configuration values, and refuses unusable settings', async () => {
    const logger = pino({ level: 'silent' });
    const receiver = await startWebhookReceiver();
    started.push({ stop: () => receiver.close() });
    await expect(startErpSimulatorRole({ port: 0, webhookUrl: receiver.url }, logger)).rejects.toMatchObject({ code: 'ERP_INVALID_OPTIONS' });
    const role = await startErpSimulatorRole(
      { port: 0, host: '127.0.0.1', webhookUrl: receiver.url, webhookSecret: 's3cret', confirmDelayMs: 0, rejectAmountAbove: 100, rejectMemoContains: 'FRAUD', latencyMs: 0, failureRate: 0 },
      logger,
    );
    started.push(role);
    const client = createHttpErpClient({ baseUrl: role.url });
    for (const request of [entry(50), entry(150), entry(50, { memo: 'FRAUD' })]) await client.createJournalEntry(request, request.externalId);
    await waitFor(() => receiver.received.length === 3, 'three webhooks');
    const statuses = receiver.received.map((r) => (JSON.parse(r.body) as { status: string; reason: string | null }));
    expect(statuses.map((x) => x.status).sort()).toEqual(['CONFIRMED', 'REJECTED', 'REJECTED']);

    const sim = createErpSimulator();
    expect(() => sim.state.configure({ failureRate: 2 })).toThrow(expect.objectContaining({ code: 'ERP_INVALID_OPTIONS' }) as Error);
    expect(() => sim.state.configure({ rejectionRules: [{}] })).toThrow(/needs memoContains, amountAbove or account/);
    expect(() => createErpSimulator({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});
