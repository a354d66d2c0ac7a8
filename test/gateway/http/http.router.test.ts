import pino from 'pino';
import { HttpRouter } from '../../../gateway';
import { startHttpServer } from '../../../gateway/http/http.server';
import { readinessReply } from '../../../gateway/http/readiness';

describe('HttpRouter', () => {
  const log = pino({ level: 'silent' });

  it('routes by exact path and method; 404, 405 and a 500 without internals otherwise', async () => {
    const router = new HttpRouter(log)
      .add({ method: 'GET', path: '/hello', handler: (_req, url) => Promise.resolve({ status: 200, body: { q: url.searchParams.get('q') } }) })
      .add({ method: 'POST', path: '/text', handler: () => Promise.resolve({ status: 202, body: 'accepted', contentType: 'text/plain' }) })
      .add({ method: 'GET', path: '/boom', handler: () => Promise.reject(new Error('secret detail')) });
    const server = await startHttpServer(router, '127.0.0.1', 0);
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const hello = await fetch(`${base}/hello?q=1`);
      expect([hello.status, await hello.json()]).toEqual([200, { q: '1' }]);
      const text = await fetch(`${base}/text`, { method: 'POST' });
      expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([202, 'text/plain', 'accepted']);
      expect((await fetch(`${base}/missing`)).status).toBe(404);
      const wrongMethod = await fetch(`${base}/text`);
      expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
      const boom = await fetch(`${base}/boom`);
      expect([boom.status, await boom.text()]).toEqual([500, '{"error":"internal error"}']);
    } finally {
      await server.close();
    }
  });

  it('refuses a route defined twice', () => {
    const router = new HttpRouter(log).add({ method: 'GET', path: '/x', handler: () => Promise.resolve({ status: 200, body: null }) });
    expect(() => router.add({ method: 'GET', path: '/x', handler: () => Promise.resolve({ status: 200, body: null }) })).toThrow(/already defined/);
  });
});

describe('readinessReply', () => {
  it('is 503 naming each failing or slow probe', async () => {
    const reply = await readinessReply(
      [
        { name: 'a', probe: () => Promise.resolve() },
        { name: 'b', probe: () => Promise.reject(new Error('refused')) },
        { name: 'c', probe: () => new Promise<void>(() => undefined) },
      ],
      30,
    );
    expect(reply).toEqual({ status: 503, body: { status: 'not ready', notReady: ['b', 'c'], checks: { a: 'ok', b: 'refused', c: 'no answer within 30 ms' } } });
  });
});
