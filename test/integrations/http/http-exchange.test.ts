import { spawn } from 'node:child_process';
import path from 'node:path';
import { createHttpExchange, isHttpExchangeError, type HttpExchange } from '../../../integrations/http';
import { rejectionOf } from '../errors.helper';
import { closedPort, readBody, sendJson, startHttpServer, type TestHttpServer } from '../servers.helper';

interface Seen {
  method: string | undefined;
  path: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('HTTP exchange', () => {
  const servers: TestHttpServer[] = [];
  const exchanges: HttpExchange[] = [];
  afterEach(async () => {
    for (const e of exchanges.splice(0)) e.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function serve(handler: Parameters<typeof startHttpServer>[0]): Promise<TestHttpServer> {
    const server = await startHttpServer(handler);
    servers.push(server);
    return server;
  }

  function exchange(options: Parameters<typeof createHttpExchange>[0] = {}): HttpExchange {
    const created = createHttpExchange(options);
    exchanges.push(created);
    return created;
  }

  it('returns the status and the body of the answer, decoded as UTF-8', async () => {
    const server = await serve((_req, res) => sendJson(res, 201, { id: 'x', note: 'crédit ✓' }));
    const answer = await exchange().send({ method: 'GET', url: `${server.url}/things/1?a=b`, timeoutMs: 2_000 });
    expect(answer).toEqual({ status: 201, text: JSON.stringify({ id: 'x', note: 'crédit ✓' }) });
  });

  it('sends the method, path, query, headers and body, with a content-length', async () => {
    const seen: Seen[] = [];
    const server = await serve(async (req, res) => {
      seen.push({ method: req.method, path: req.url, headers: req.headers, body: await readBody(req) });
      sendJson(res, 200, {});
    });
    const body = JSON.stringify({ memo: 'crédit ✓' });
    await exchange().send({ method: 'POST', url: `${server.url}/p/q?x=1`, headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' }, body, timeoutMs: 2_000 });
    expect(seen).toEqual([
      {
        method: 'POST',
        path: '/p/q?x=1',
        headers: expect.objectContaining({ 'content-type': 'application/json', 'idempotency-key': 'k-1', 'content-length': String(Buffer.byteLength(body)) }) as unknown,
        body,
      },
    ]);
    expect(seen[0]?.headers['transfer-encoding']).toBeUndefined();
  });

  it('times out a server that never answers, within about the deadline, and destroys the request', async () => {
    let closedByClient = false;
    const server = await serve((req) => {
      req.socket.on('close', () => {
        closedByClient = true;
      });
    });
    const started = Date.now();
    const err = await rejectionOf(exchange().send({ method: 'GET', url: server.url, timeoutMs: 150 }), isHttpExchangeError);
    const elapsed = Date.now() - started;
    expect(err.code).toBe('HTTP_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    await waitFor(() => closedByClient);
  });

  it('times out a body that stops half way', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":');
    });
    const err = await rejectionOf(exchange().send({ method: 'GET', url: server.url, timeoutMs: 150 }), isHttpExchangeError);
    expect(err.code).toBe('HTTP_TIMEOUT');
  });

  it('reports a refused connection as a network error carrying its system code', async () => {
    const port = await closedPort();
    const err = await rejectionOf(exchange().send({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000 }), isHttpExchangeError);
    expect(err.code).toBe('HTTP_NETWORK_ERROR');
    expect(err.causeCode).toBe('ECONNREFUSED');
  });

  it('reports a connection closed mid-body as a network error, not a timeout', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"id":', () => res.socket?.destroy());
    });
    const err = await rejectionOf(exchange().send({ method: 'GET', url: server.url, timeoutMs: 2_000 }), isHttpExchangeError);
    expect(err.code).toBe('HTTP_NETWORK_ERROR');
  });

  it('rejects a header node:http cannot send as a network error instead of throwing', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const err = await rejectionOf(exchange().send({ method: 'GET', url: server.url, headers: { 'x-bad': 'a\nb' }, timeoutMs: 2_000 }), isHttpExchangeError);
    expect(err.code).toBe('HTTP_NETWORK_ERROR');
    expect(err.causeCode).toBe('ERR_INVALID_CHAR');
  });

  it('speaks TLS to an https: URL (a plain HTTP server cannot answer its handshake)', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const err = await rejectionOf(exchange().send({ method: 'GET', url: server.url.replace('http:', 'https:'), timeoutMs: 2_000 }), isHttpExchangeError);
    expect(err.code).toBe('HTTP_NETWORK_ERROR');
    expect(err.causeCode).toBe('EPROTO');
  });

  it('reuses one kept-alive socket for sequential calls', async () => {
    const server = await serve(async (req, res) => {
      await readBody(req);
      sendJson(res, 200, { ok: true });
    });
    const http = exchange();
    await http.send({ method: 'POST', url: server.url, body: '{"n":1}', timeoutMs: 2_000 });
    await http.send({ method: 'GET', url: server.url, timeoutMs: 2_000 });
    expect(server.connections()).toBe(1);
  });

  it('keeps one pool per exchange: another exchange opens its own socket', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    await exchange().send({ method: 'GET', url: server.url, timeoutMs: 2_000 });
    await exchange().send({ method: 'GET', url: server.url, timeoutMs: 2_000 });
    expect(server.connections()).toBe(2);
  });

  it('opens at most maxSockets connections per origin', async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sendJson(res, 200, {});
    });
    const http = exchange({ maxSockets: 2 });
    await Promise.all(Array.from({ length: 6 }, () => http.send({ method: 'GET', url: server.url, timeoutMs: 2_000 })));
    expect(server.connections()).toBe(2);
  });

  it('returns a redirect as its status without following it', async () => {
    const paths: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      paths.push(req.url);
      res.writeHead(302, { location: '/elsewhere', 'content-length': '5' }).end('moved');
    });
    expect(await exchange().send({ method: 'POST', url: `${server.url}/here`, body: '{}', timeoutMs: 2_000 })).toEqual({ status: 302, text: 'moved' });
    expect(paths).toEqual(['/here']);
  });

  it('fails calls in flight and refuses new ones once closed', async () => {
    const server = await serve(() => undefined); // never answers
    const http = exchange();
    const pending = http.send({ method: 'GET', url: server.url, timeoutMs: 5_000 });
    await waitFor(() => server.connections() === 1);
    http.close();
    expect(await rejectionOf(pending, isHttpExchangeError)).toMatchObject({ code: 'HTTP_CLOSED' });
    expect(await rejectionOf(http.send({ method: 'GET', url: server.url, timeoutMs: 5_000 }), isHttpExchangeError)).toMatchObject({ code: 'HTTP_CLOSED' });
  });

  it('lets a process exit while its kept-alive socket is idle, without close()', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const moduleUrl = path.join(__dirname, '..', '..', '..', 'integrations', 'http', 'index.ts');
    const script = `
      const { createHttpExchange } = require(${JSON.stringify(moduleUrl)});
      createHttpExchange().send({ method: 'GET', url: ${JSON.stringify(server.url)}, timeoutMs: 2000 })
        .then((answer) => console.log(answer.status), (err) => { console.error(err); process.exitCode = 1; });
    `;
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ exitCode, output: output.trim() }).toEqual({ exitCode: 0, output: '200' });
    expect(server.connections()).toBe(1);
    // Well before the 4 s idle timeout and the server's 5 s keep-alive: the pooled socket did not hold it.
    expect(Date.now() - started).toBeLessThan(3_500);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
