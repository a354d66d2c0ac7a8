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

/** A received webhook checked against `secret` as paystream's webhook route checks it. */
function verifyHook(hook: { headers: Record<string, string | string[] | undefined>; body: string }, secret: string): ReturnType<typeof verifyErpWebhook> {
  const timestamp = hook.headers[ERP_TIMESTAMP_HEADER];
  const signature = hook.headers[ERP_SIGNATURE_HEADER];
  return verifyErpWebhook({
    secret,
    timestamp: typeof timestamp === 'string' ? timestamp : undefined,
    signature: typeof signature === 'string' ? signature : undefined,
    body: Buffer.from(hook.body),
    nowSeconds: Math.floor(Date.now() / 1000),
    toleranceSeconds: 300,
  });
}

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
    const bodies = receiver.received.flatMap((r) => (JSON.parse(r.body) as { events: Record<string, unknown>[] }).events);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { event: 'journal_entry.confirmed', id: smallId, external_id: small.externalId, status: 'CONFIRMED', reason: null, at: expect.any(String) as unknown },
        { event: 'journal_entry.rejected', id: bigId, external_id: big.externalId, status: 'REJECTED', reason: 'REJECTED_BY_RULE: amount above 500', at: expect.any(String) as unknown },
      ]),
    );
    for (const hook of receiver.received) {
      expect(hook.headers[ERP_SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(verifyHook(hook, secret).ok).toBe(true);
      expect(verifyHook(hook, 'other')).toEqual({ ok: false, problem: 'BAD_SIGNATURE' });
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
    const events = (): { status: string }[] => receiver.received.flatMap((r) => (JSON.parse(r.body) as { events: { status: string }[] }).events);
    await waitFor(() => events().length === 3, 'three webhook events');
    expect(events().map((x) => x.status).sort()).toEqual(['CONFIRMED', 'REJECTED', 'REJECTED']);

    const sim = createErpSimulator();
    expect(() => sim.state.configure({ failureRate: 2 })).toThrow(expect.objectContaining({ code: 'ERP_INVALID_OPTIONS' }) as Error);
    expect(() => sim.state.configure({ rejectionRules: [{}] })).toThrow(/needs memoContains, amountAbove or account/);
    expect(() => createErpSimulator({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
  async function postBatch(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${url}/journal-entries/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }

  function wire(request: ReturnType<typeof entry>, key: string): Record<string, unknown> {
    return {
      idempotency_key: key,
      external_id: request.externalId,
      memo: request.memo,
      currency: request.currency,
      lines: request.lines.map((l) => ({ account: l.account, debit_minor: l.debitMinor, credit_minor: l.creditMinor })),
      occurred_at: new Date(request.occurredAt).toISOString(),
    };
  }

  it('batch: keeps idempotency across single and batch creates (202 new, 200 replay, 409 another body), item by item', async () => {
    const { sim, client } = await simulator();
    const first = entry(100);
    const single = await client.createJournalEntry(first, 'key-1');
    const second = entry(200);
    const outcomes = await client.createJournalEntries([
      { entry: first, idempotencyKey: 'key-1' },
      { entry: second, idempotencyKey: 'key-2' },
      { entry: entry(300), idempotencyKey: 'key-1' },
      { entry: second, idempotencyKey: 'key-2' },
    ]);
    expect(outcomes[0]).toEqual({ ok: true, value: { ...single, replayed: true } });
    expect(outcomes[1]).toEqual({ ok: true, value: { id: expect.stringMatching(/^je_/) as unknown, status: 'PENDING', reason: null, replayed: false } });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { code: 'ERP_IDEMPOTENCY_CONFLICT', status: 409, erpCode: 'IDEMPOTENCY_CONFLICT' } });
    const secondId = outcomes[1]?.ok === true ? outcomes[1].value.id : '';
    // The same key twice in one batch: the second is a replay of the first.
    expect(outcomes[3]).toEqual({ ok: true, value: { id: secondId, status: 'PENDING', reason: null, replayed: true } });
    // And a single create with a key first used in a batch answers the batch's entry.
    expect(await client.createJournalEntry(second, 'key-2')).toEqual({ id: secondId, status: 'PENDING', reason: null, replayed: true });
    expect(sim.state.entries()).toHaveLength(2);
    expect(sim.state.requests().map((r) => [r.path, r.status])).toEqual([
      ['/journal-entries', 202],
      ['/journal-entries/batch', 200],
      ['/journal-entries', 200],
    ]);
  });

  it('batch: applies validation and rejection rules to each item on its own; an item without a key gets 400', async () => {
    const { sim } = await simulator({ validationRules: [{ account: 'unknown-account', reason: 'UNKNOWN_ACCOUNT' }], rejectionRules: [{ amountAbove: 500, reason: 'LIMIT_EXCEEDED' }] });
    const fine = entry(100);
    const big = entry(900);
    const refused = entry(10);
    refused.lines[0] = { account: 'unknown-account', debitMinor: 10, creditMinor: 0 };
    const unbalanced = { ...wire(entry(10), 'k-unbalanced'), lines: [{ account: 'a', debit_minor: 10, credit_minor: 0 }, { account: 'b', debit_minor: 0, credit_minor: 9 }] };
    const noKey = wire(entry(10), 'x');
    delete noKey.idempotency_key;
    const answer = await postBatch(sim.url, { entries: [wire(fine, 'k-fine'), wire(refused, 'k-refused'), unbalanced, { ...wire(entry(10), 'k-bad'), currency: 'euro' }, noKey, wire(big, 'k-big')] });
    expect(answer.status).toBe(200);
    const { results } = answer.body as { results: { status: number; entry?: { id: string; status: string; reason: string | null }; error?: { code: string } }[] };
    expect(results.map((r) => [r.status, r.entry?.status ?? r.error?.code])).toEqual([
      [202, 'PENDING'],
      [422, 'REFUSED_BY_RULE'],
      [422, 'UNBALANCED'],
      [422, 'INVALID_ENTRY'],
      [400, 'IDEMPOTENCY_KEY_REQUIRED'],
      [202, 'PENDING'],
    ]);
    expect(results[0]?.entry).toEqual({ id: expect.stringMatching(/^je_/) as unknown, status: 'PENDING', reason: null });
    expect(sim.state.entries()).toHaveLength(2);
    // Decided later, each by the rules.
    expect(sim.state.settlePending()).toBe(2);
    expect(sim.state.entry(results[0]?.entry?.id ?? '')).toMatchObject({ status: 'CONFIRMED' });
    expect(sim.state.entry(results[5]?.entry?.id ?? '')).toMatchObject({ status: 'REJECTED', reason: 'LIMIT_EXCEEDED' });
  });

  it('batch: answers 400 to more than 100 entries or a malformed batch, creating nothing', async () => {
    const { sim } = await simulator();
    const entries = Array.from({ length: 101 }, (_, i) => wire(entry(10 + i), `k${i}`));
    expect(await postBatch(sim.url, { entries })).toEqual({ status: 400, body: { code: 'BATCH_TOO_LARGE', message: expect.any(String) as unknown } });
    for (const body of ['{', 'null', [], {}, { entries: [] }, { entries: 'all' }, { entries: [1, 2] }, { entries: [[]] }]) {
      const answer = await postBatch(sim.url, body);
      expect(answer.status).toBe(400);
    }
    expect(sim.state.entries()).toHaveLength(0);
    // Exactly 100 is fine.
    expect((await postBatch(sim.url, { entries: entries.slice(0, 100) })).status).toBe(200);
    expect(sim.state.entries()).toHaveLength(100);
  });

  it('batch: waits the latency once per request, and the failure rate fails the whole batch with 503', async () => {
    const draws = [0.1, 0.9];
    const { sim, client } = await simulator({ latencyMs: 60, failureRate: 0.5, random: () => draws.shift() ?? 0.9 });
    const items = Array.from({ length: 20 }, () => entry()).map((e) => ({ entry: e, idempotencyKey: e.externalId }));
    const failed = await rejectionOf(client.createJournalEntries(items), isErpError);
    expect(failed).toMatchObject({ code: 'ERP_UNAVAILABLE', retryable: true, status: 503 });
    expect(sim.state.entries()).toHaveLength(0);
    const started = performance.now();
    const outcomes = await client.createJournalEntries(items);
    const elapsed = performance.now() - started;
    expect(outcomes.every((o) => o.ok && !o.value.replayed)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(20 * 60);
    expect(sim.state.requests().map((r) => r.status)).toEqual([503, 200]);
    expect(sim.state.entries()).toHaveLength(20);
  });

  it('delivers the decisions that become due together in ONE signed webhook { events: [...] }, one delivery record per event', async () => {
    const receiver = await startWebhookReceiver();
    started.push({ stop: () => receiver.close() });
    const secret = 'whsec_batch';
    const { sim, client } = await simulator({ confirmDelayMs: 30, webhook: { url: receiver.url, secret }, rejectionRules: [{ amountAbove: 500 }] });
    const requests = [entry(100), entry(900), entry(200), entry(300), entry(600)];
    const outcomes = await client.createJournalEntries(requests.map((e) => ({ entry: e, idempotencyKey: e.externalId })));
    const ids = outcomes.map((o) => (o.ok ? o.value.id : ''));
    await waitFor(() => sim.state.webhookDeliveries().length === 5, 'five delivery records');
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    if (hook === undefined) throw new Error('no webhook');
    const body = JSON.parse(hook.body) as { events: { id: string; external_id: string; status: string }[] };
    expect(Object.keys(body)).toEqual(['events']);
    expect(body.events.map((e) => [e.id, e.external_id, e.status])).toEqual(requests.map((r, i) => [ids[i], r.externalId, r.lines[0] !== undefined && r.lines[0].debitMinor > 500 ? 'REJECTED' : 'CONFIRMED']));
    expect(verifyHook(hook, secret).ok).toBe(true);
    expect(sim.state.webhookDeliveries().map((d) => [d.entryId, d.attempt, d.status])).toEqual(ids.map((id) => [id, 1, 200]));

    // Decisions made at once (settlePending) go out together too, at most maxBatch per delivery.
    sim.state.configure({ confirmDelayMs: null, webhook: { url: receiver.url, secret, maxBatch: 2 } });
    await client.createJournalEntries([entry(1), entry(2), entry(3)].map((e) => ({ entry: e, idempotencyKey: e.externalId })));
    expect(sim.state.settlePending()).toBe(3);
    await waitFor(() => sim.state.webhookDeliveries().length === 8, 'three more delivery records');
    expect(receiver.received.slice(1).map((r) => (JSON.parse(r.body) as { events: unknown[] }).events.length).sort()).toEqual([1, 2]);
  });

  it('retries a batched delivery as a whole: the same body each attempt, every event logged per attempt', async () => {
    const flaky = await startWebhookReceiver([503, 200]);
    started.push({ stop: () => flaky.close() });
    const { sim, client } = await simulator({ webhook: { url: flaky.url, secret: 's', initialBackoffMs: 20, maxAttempts: 3 } });
    const outcomes = await client.createJournalEntries([entry(1), entry(2), entry(3)].map((e) => ({ entry: e, idempotencyKey: e.externalId })));
    expect(sim.state.settlePending()).toBe(3);
    await waitFor(() => sim.state.webhookDeliveries().length === 6, 'two attempts of three events');
    expect(flaky.received).toHaveLength(2);
    expect(flaky.received[0]?.body).toBe(flaky.received[1]?.body);
    const ids = outcomes.map((o) => (o.ok ? o.value.id : ''));
    expect(sim.state.webhookDeliveries().map((d) => [d.entryId, d.attempt, d.status])).toEqual([...ids.map((id) => [id, 1, 503]), ...ids.map((id) => [id, 2, 200])]);
  });
});
