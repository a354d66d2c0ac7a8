import { createHttpErpClient, isErpError, type ErpClient } from '../../../integrations/erp';
import { rejectionOf } from '../errors.helper';
import { closedPort, readBody, sendJson, startHttpServer, type TestHttpServer } from '../servers.helper';
import { entry } from './erp.fixtures';

/** A fake ERP answering each request with the next scripted reply; records what it got. */
async function scriptedErp(replies: { status: number; body?: unknown; raw?: string; delayMs?: number }[]): Promise<TestHttpServer & { seen: { method: string; url: string; key: string | undefined; body: string }[] }> {
  const seen: { method: string; url: string; key: string | undefined; body: string }[] = [];
  const server = await startHttpServer(async (req, res) => {
    const body = await readBody(req);
    const key = req.headers['idempotency-key'];
    seen.push({ method: req.method ?? '', url: req.url ?? '', key: typeof key === 'string' ? key : undefined, body });
    const reply = replies.shift() ?? { status: 500 };
    if (reply.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.raw !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.raw);
      return;
    }
    sendJson(res, reply.status, reply.body ?? {});
  });
  return Object.assign(server, { seen });
}

const wireEntry = {
  id: 'je_1',
  external_id: 'tx-1',
  memo: 'm',
  currency: 'EUR',
  lines: [
    { account: 'a', debit_minor: 10, credit_minor: 0 },
    { account: 'b', debit_minor: 0, credit_minor: 10 },
  ],
  occurred_at: '2024-11-21T10:00:00.000Z',
  status: 'CONFIRMED',
  reason: null,
  created_at: '2024-11-21T10:00:01.000Z',
  updated_at: '2024-11-21T10:00:02.000Z',
};

const servers: TestHttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function clientFor(replies: Parameters<typeof scriptedErp>[0], timeoutMs = 2_000): Promise<{ client: ErpClient; server: Awaited<ReturnType<typeof scriptedErp>> }> {
  const server = await scriptedErp(replies);
  servers.push(server);
  return { client: createHttpErpClient({ baseUrl: `${server.url}/erp/`, timeoutMs }), server };
}

describe('HTTP ERP client', () => {
  it('sends the documented request: POST /journal-entries, Idempotency-Key, snake_case body of integer minor units', async () => {
    const { client, server } = await clientFor([{ status: 202, body: { id: 'je_9', status: 'PENDING' } }]);
    const request = entry(1_234);
    expect(await client.createJournalEntry(request, 'tx-key')).toEqual({ id: 'je_9', status: 'PENDING', reason: null, replayed: false });
    expect(server.seen[0]).toEqual({ method: 'POST', url: '/erp/journal-entries', key: 'tx-key', body: expect.any(String) as unknown });
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({
      external_id: request.externalId,
      memo: request.memo,
      currency: 'EUR',
      lines: [
        { account: 'psp_clearing:EUR', debit_minor: 1_234, credit_minor: 0 },
        { account: 'wallet-1', debit_minor: 0, credit_minor: 1_234 },
      ],
      occurred_at: '2024-11-21T10:00:00.000Z',
    });
  });

  it('reads entries and pages with zod-checked bodies', async () => {
    const { client, server } = await clientFor([
      { status: 200, body: wireEntry },
      { status: 200, body: { entries: [wireEntry], next_cursor: 'abc' } },
    ]);
    expect(await client.getJournalEntry('je/1')).toMatchObject({ id: 'je_1', externalId: 'tx-1', status: 'CONFIRMED', occurredAt: Date.parse('2024-11-21T10:00:00.000Z'), lines: [{ account: 'a', debitMinor: 10, creditMinor: 0 }, { account: 'b', debitMinor: 0, creditMinor: 10 }] });
    const page = await client.listJournalEntries({ since: new Date('2024-11-21T00:00:00.000Z'), until: new Date('2024-11-22T00:00:00.000Z'), cursor: 'xyz', limit: 10 });
    expect(page).toMatchObject({ nextCursor: 'abc', entries: [{ id: 'je_1' }] });
    expect(server.seen.map((s) => s.url)).toEqual(['/erp/journal-entries/je%2F1', '/erp/journal-entries?since=2024-11-21T00%3A00%3A00.000Z&until=2024-11-22T00%3A00%3A00.000Z&cursor=xyz&limit=10']);
  });

  it.each([
    [422, { code: 'UNBALANCED', message: 'no' }, 'ERP_VALIDATION_FAILED', false],
    [409, { code: 'IDEMPOTENCY_CONFLICT', message: 'no' }, 'ERP_IDEMPOTENCY_CONFLICT', false],
    [400, { code: 'IDEMPOTENCY_KEY_REQUIRED', message: 'no' }, 'ERP_REJECTED_REQUEST', false],
    [404, { code: 'NOT_FOUND', message: 'no' }, 'ERP_NOT_FOUND', false],
    [429, { code: 'SLOW_DOWN', message: 'no' }, 'ERP_RATE_LIMITED', true],
    [408, {}, 'ERP_TIMEOUT', true],
    [503, { code: 'UNAVAILABLE', message: 'down' }, 'ERP_UNAVAILABLE', true],
    [500, {}, 'ERP_UNAVAILABLE', true],
    [201, {}, 'ERP_BAD_RESPONSE', true],
  ])('maps HTTP %i on a create to %s (retryable: %s)', async (status, body, code, retryable) => {
    const { client } = await clientFor([{ status, body }]);
    const request = entry();
    const err = await rejectionOf(client.createJournalEntry(request, request.externalId), isErpError);
    expect(err).toMatchObject({ code, retryable, status });
    if ('code' in body) expect(err.erpCode).toBe(body.code);
  });

  it('maps a 409 on a cancel to ERP_NOT_CANCELLABLE and an answer that is not the documented JSON to a retryable ERP_BAD_RESPONSE', async () => {
    const { client } = await clientFor([
      { status: 409, body: { code: 'NOT_CANCELLABLE', message: 'rejected' } },
      { status: 200, raw: '{"id":' },
      { status: 200, body: { ...wireEntry, status: 'BOOKED' } },
      { status: 200, body: { ...wireEntry, lines: [{ account: 'a', debit_minor: 1.5, credit_minor: 0 }] } },
    ]);
    expect(await rejectionOf(client.cancelJournalEntry('je_1'), isErpError)).toMatchObject({ code: 'ERP_NOT_CANCELLABLE', retryable: false });
    for (let i = 0; i < 3; i += 1) expect(await rejectionOf(client.getJournalEntry('je_1'), isErpError)).toMatchObject({ code: 'ERP_BAD_RESPONSE', retryable: true });
  });

  it('gives up after the timeout with a retryable ERP_TIMEOUT, and reports a refused connection as ERP_UNAVAILABLE', async () => {
    const { client } = await clientFor([{ status: 200, body: wireEntry, delayMs: 500 }], 100);
    expect(await rejectionOf(client.getJournalEntry('je_1'), isErpError)).toMatchObject({ code: 'ERP_TIMEOUT', retryable: true });
    const refused = createHttpErpClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const err = await rejectionOf(refused.getJournalEntry('je_1'), isErpError);
    expect(err).toMatchObject({ code: 'ERP_UNAVAILABLE', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('keeps at most maxConcurrent calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await startHttpServer(async (_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      sendJson(res, 200, wireEntry);
    });
    servers.push(server);
    const client = createHttpErpClient({ baseUrl: server.url, maxConcurrent: 3 });
    await Promise.all(Array.from({ length: 10 }, () => client.getJournalEntry('je_1')));
    expect(peak).toBe(3);
  });

  it('refuses unusable options with ERP_INVALID_OPTIONS', () => {
    for (const options of [{ baseUrl: 'not a url' }, { baseUrl: 'ftp://erp' }, { baseUrl: 'http://erp', timeoutMs: 0 }, { baseUrl: 'http://erp', maxConcurrent: 0 }]) {
      expect(() => createHttpErpClient(options)).toThrow(expect.objectContaining({ code: 'ERP_INVALID_OPTIONS' }) as Error);
    }
  });
});

describe('HTTP ERP client: batch create', () => {
  it('sends one POST /journal-entries/batch and maps each result as a single create would (202, 200 replay, 409, 422); a local refusal stays with its item', async () => {
    const unbalanced = entry(100);
    unbalanced.lines[1] = { account: 'wallet-1', debitMinor: 0, creditMinor: 99 };
    const items = [entry(1_000), entry(2_000), unbalanced, entry(3_000), entry(4_000)].map((e, i) => ({ entry: e, idempotencyKey: `key-${i}` }));
    const { client, server } = await clientFor([
      {
        status: 200,
        body: {
          results: [
            { status: 202, entry: { id: 'je_0', status: 'PENDING', reason: null } },
            { status: 200, entry: { id: 'je_1', status: 'REJECTED', reason: 'LIMIT' } },
            { status: 409, error: { code: 'IDEMPOTENCY_CONFLICT', message: 'other body' } },
            { status: 422, error: { code: 'REFUSED_BY_RULE', message: 'UNKNOWN_ACCOUNT' } },
          ],
        },
      },
    ]);
    const outcomes = await client.createJournalEntries(items);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({ method: 'POST', url: '/erp/journal-entries/batch', key: undefined });
    const sent = JSON.parse(server.seen[0]?.body ?? '') as { entries: { idempotency_key: string; external_id: string; lines: unknown[] }[] };
    // The refused item is not sent; the others keep their order, each with the single create's body and its own key.
    expect(sent.entries.map((e) => e.idempotency_key)).toEqual(['key-0', 'key-1', 'key-3', 'key-4']);
    expect(sent.entries[0]).toEqual({
      idempotency_key: 'key-0',
      external_id: items[0]?.entry.externalId,
      memo: items[0]?.entry.memo,
      currency: 'EUR',
      lines: [
        { account: 'psp_clearing:EUR', debit_minor: 1_000, credit_minor: 0 },
        { account: 'wallet-1', debit_minor: 0, credit_minor: 1_000 },
      ],
      occurred_at: '2024-11-21T10:00:00.000Z',
    });
    expect(outcomes).toHaveLength(5);
    expect(outcomes[0]).toEqual({ ok: true, value: { id: 'je_0', status: 'PENDING', reason: null, replayed: false } });
    expect(outcomes[1]).toEqual({ ok: true, value: { id: 'je_1', status: 'REJECTED', reason: 'LIMIT', replayed: true } });
    const errors = outcomes.map((o) => (o.ok ? null : o.error));
    expect(errors[2]).toMatchObject({ code: 'ERP_INVALID_REQUEST', retryable: false, erpCode: 'UNBALANCED' });
    expect(errors[3]).toMatchObject({ code: 'ERP_IDEMPOTENCY_CONFLICT', retryable: false, status: 409, erpCode: 'IDEMPOTENCY_CONFLICT' });
    expect(errors[4]).toMatchObject({ code: 'ERP_VALIDATION_FAILED', retryable: false, status: 422, erpCode: 'REFUSED_BY_RULE' });
    for (const err of errors.slice(2)) expect(isErpError(err)).toBe(true);
  });

  it('makes no request when every item fails our own checks, and none for an empty batch', async () => {
    const { client, server } = await clientFor([]);
    expect(await client.createJournalEntries([])).toEqual([]);
    const outcomes = await client.createJournalEntries([
      { entry: entry(100, { memo: 'x'.repeat(501) }), idempotencyKey: 'k1' },
      { entry: entry(100), idempotencyKey: '' },
    ]);
    expect(outcomes.map((o) => (o.ok ? null : o.error.code))).toEqual(['ERP_INVALID_REQUEST', 'ERP_INVALID_REQUEST']);
    expect(server.seen).toHaveLength(0);
  });

  it('splits more than 100 items into requests of at most 100 and keeps the results in input order', async () => {
    const sizes: number[] = [];
    const server = await startHttpServer(async (req, res) => {
      const body = JSON.parse(await readBody(req)) as { entries: { idempotency_key: string }[] };
      sizes.push(body.entries.length);
      // The answers come back in another order than the requests went out.
      await new Promise((resolve) => setTimeout(resolve, body.entries.length === 100 ? 30 : 0));
      sendJson(res, 200, { results: body.entries.map((e) => ({ status: 202, entry: { id: `je_${e.idempotency_key}`, status: 'PENDING' } })) });
    });
    servers.push(server);
    const client = createHttpErpClient({ baseUrl: server.url });
    const items = Array.from({ length: 250 }, (_, i) => ({ entry: entry(10 + i), idempotencyKey: `k${i}` }));
    const outcomes = await client.createJournalEntries(items);
    expect(sizes.sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(outcomes.map((o) => (o.ok ? o.value.id : o.error.code))).toEqual(items.map((i) => `je_${i.idempotencyKey}`));
  });

  it.each([
    [503, { code: 'UNAVAILABLE', message: 'down' }, 'ERP_UNAVAILABLE', true],
    [500, {}, 'ERP_UNAVAILABLE', true],
    [429, { code: 'SLOW_DOWN', message: 'no' }, 'ERP_RATE_LIMITED', true],
    [202, { results: [] }, 'ERP_BAD_RESPONSE', true],
    [400, { code: 'INVALID_BATCH', message: 'no' }, 'ERP_REJECTED_REQUEST', false],
    [404, { code: 'NOT_FOUND', message: 'no route' }, 'ERP_REJECTED_REQUEST', false],
  ])('fails the whole call on HTTP %i for the batch (%j): %s, retryable %s', async (status, body, code, retryable) => {
    const { client } = await clientFor([{ status, body }]);
    const err = await rejectionOf(client.createJournalEntries([{ entry: entry(), idempotencyKey: 'k' }]), isErpError);
    expect(err).toMatchObject({ code, retryable, status });
  });

  it('fails the whole call with a retryable ERP_BAD_RESPONSE on an answer that is not the documented JSON, or has another number of results', async () => {
    const { client } = await clientFor([
      { status: 200, raw: '{"results":' },
      { status: 200, body: { results: [{ status: 'ok' }] } },
      { status: 200, body: { results: [{ status: 202, entry: { id: 'je_1', status: 'PENDING' } }] } },
    ]);
    const two = [entry(), entry()].map((e) => ({ entry: e, idempotencyKey: e.externalId }));
    for (let i = 0; i < 3; i += 1) expect(await rejectionOf(client.createJournalEntries(two), isErpError)).toMatchObject({ code: 'ERP_BAD_RESPONSE', retryable: true });
  });

  it('fails the whole call with a retryable ERP_TIMEOUT after the timeout, and ERP_UNAVAILABLE when the connection is refused', async () => {
    const { client } = await clientFor([{ status: 200, body: { results: [] }, delayMs: 500 }], 100);
    const items = [{ entry: entry(), idempotencyKey: 'k' }];
    expect(await rejectionOf(client.createJournalEntries(items), isErpError)).toMatchObject({ code: 'ERP_TIMEOUT', retryable: true });
    const refused = createHttpErpClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const err = await rejectionOf(refused.createJournalEntries(items), isErpError);
    expect(err).toMatchObject({ code: 'ERP_UNAVAILABLE', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
  });
});
