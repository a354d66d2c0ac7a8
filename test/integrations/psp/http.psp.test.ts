import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpPsp, isPspError, type CaptureRequest, type PspError } from '../../../integrations/psp';
import { rejectionOf, thrownBy } from '../errors.helper';
import { closedPort, readBody, sendJson, startHttpServer, type TestHttpServer } from '../servers.helper';

interface Received {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Behaviour = (received: Received, res: ServerResponse) => void | Promise<void>;

function request(overrides: Partial<CaptureRequest> = {}): CaptureRequest {
  return {
    orderId: `ord_${randomUUID()}`,
    merchantId: 'mer_42',
    amountMinor: 1999,
    currency: 'EUR',
    paymentToken: 'tok_visa',
    ...overrides,
  };
}

function captureError(promise: Promise<unknown>): Promise<PspError> {
  return rejectionOf(promise, isPspError);
}

/** A PSP that captures every request by default, and records what it received. */
const captureAll: Behaviour = (received, res) => {
  const body = received.body as { order_id: string };
  sendJson(res, 201, { id: `pay_${body.order_id}`, reference: 'ref_123', status: 'captured' });
};

describe('HTTP PSP adapter', () => {
  let server: TestHttpServer;
  let behaviour: Behaviour;
  let received: Received[];

  beforeAll(async () => {
    server = await startHttpServer(async (req, res) => {
      const text = await readBody(req);
      const entry: Received = { method: req.method, path: req.url, headers: req.headers, body: JSON.parse(text) as unknown };
      received.push(entry);
      await behaviour(entry, res);
    });
  });

  beforeEach(() => {
    behaviour = captureAll;
    received = [];
  });

  afterAll(() => server.close());

  it('POSTs the capture with the idempotency key and the JSON body, and maps 201 to CAPTURED', async () => {
    const psp = createHttpPsp({ baseUrl: server.url, apiKey: 'sk_test_1' });
    const req = request();
    const result = await psp.capture(req);
    expect(result).toEqual({ outcome: 'CAPTURED', paymentId: `pay_${req.orderId}`, pspReference: 'ref_123' });
    expect(psp.name).toBe('http');
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/v1/captures');
    expect(call?.headers['idempotency-key']).toBe(req.orderId);
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.headers.authorization).toBe('Bearer sk_test_1');
    expect(call?.body).toEqual({
      order_id: req.orderId,
      merchant_id: 'mer_42',
      amount_minor: 1999,
      currency: 'EUR',
      payment_token: 'tok_visa',
    });
  });

  it('keeps the base URL path and sends no authorization without an api key', async () => {
    const psp = createHttpPsp({ baseUrl: `${server.url}/psp/` });
    await psp.capture(request());
    expect(received[0]?.path).toBe('/psp/v1/captures');
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it('maps 200 to CAPTURED too', async () => {
    behaviour = (_r, res) => sendJson(res, 200, { id: 'pay_200', reference: 'ref_200', status: 'captured', extra: 1 });
    const result = await createHttpPsp({ baseUrl: server.url }).capture(request());
    expect(result).toEqual({ outcome: 'CAPTURED', paymentId: 'pay_200', pspReference: 'ref_200' });
  });

  it('maps 402 to DECLINED with the PSP code and message', async () => {
    behaviour = (_r, res) => sendJson(res, 402, { code: 'INSUFFICIENT_FUNDS', message: 'Insufficient funds' });
    const result = await createHttpPsp({ baseUrl: server.url }).capture(request());
    expect(result).toEqual({ outcome: 'DECLINED', reasonCode: 'INSUFFICIENT_FUNDS', reason: 'Insufficient funds' });
  });

  it.each([
    [409, 'IDEMPOTENCY_CONFLICT', false],
    [408, 'PSP_TIMEOUT', true],
    [429, 'PSP_RATE_LIMITED', true],
    [500, 'PSP_UNAVAILABLE', true],
    [502, 'PSP_UNAVAILABLE', true],
    [503, 'PSP_UNAVAILABLE', true],
    [400, 'PSP_REJECTED_REQUEST', false],
    [401, 'PSP_REJECTED_REQUEST', false],
    [404, 'PSP_REJECTED_REQUEST', false],
    [422, 'PSP_REJECTED_REQUEST', false],
    [301, 'PSP_REJECTED_REQUEST', false],
  ])('maps HTTP %i to %s (retryable: %s)', async (status, code, retryable) => {
    behaviour = (_r, res) => sendJson(res, status, { code: 'X', message: 'from the test server' });
    const err = await captureError(createHttpPsp({ baseUrl: server.url }).capture(request()));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
  });

  it.each([
    ['a non-JSON 200', (res: ServerResponse) => res.writeHead(200).end('<html>ok</html>')],
    ['a 201 without reference', (res: ServerResponse) => sendJson(res, 201, { id: 'pay_1', status: 'captured' })],
    ['a 201 with status pending', (res: ServerResponse) => sendJson(res, 201, { id: 'pay_1', reference: 'r', status: 'pending' })],
    ['a 201 with a numeric id', (res: ServerResponse) => sendJson(res, 201, { id: 1, reference: 'r', status: 'captured' })],
    ['a 402 without code', (res: ServerResponse) => sendJson(res, 402, { message: 'declined' })],
    ['a 202', (res: ServerResponse) => sendJson(res, 202, { id: 'pay_1', reference: 'r', status: 'captured' })],
  ])('treats %s as a retryable PSP_BAD_RESPONSE', async (_name, answer) => {
    behaviour = (_r, res) => {
      answer(res);
    };
    const err = await captureError(createHttpPsp({ baseUrl: server.url }).capture(request()));
    expect(err.code).toBe('PSP_BAD_RESPONSE');
    expect(err.retryable).toBe(true);
  });

  it('times out a PSP that does not answer, retryably', async () => {
    behaviour = () => undefined; // never answers; server.close() drops the connection
    const started = Date.now();
    const err = await captureError(createHttpPsp({ baseUrl: server.url, timeoutMs: 100 }).capture(request()));
    expect(err.code).toBe('PSP_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out a body that stops half way', async () => {
    behaviour = (_r, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"pay_1",');
    };
    const err = await captureError(createHttpPsp({ baseUrl: server.url, timeoutMs: 100 }).capture(request()));
    expect(err.code).toBe('PSP_TIMEOUT');
  });

  it('reuses kept-alive connections for sequential calls', async () => {
    const fresh = await startHttpServer(async (req, res) => {
      await readBody(req);
      sendJson(res, 201, { id: 'pay_1', reference: 'r', status: 'captured' });
    });
    try {
      const psp = createHttpPsp({ baseUrl: fresh.url });
      for (let i = 0; i < 10; i += 1) await psp.capture(request());
      // Without keep-alive this would be 10. (undici may open a second socket while the first is being
      // returned to its pool, so the exact number is not 1.)
      expect(fresh.connections()).toBeLessThan(5);
    } finally {
      await fresh.close();
    }
  });

  it('keeps at most maxConcurrent calls in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    behaviour = async (r, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      await captureAll(r, res);
    };
    const psp = createHttpPsp({ baseUrl: server.url, maxConcurrent: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => psp.capture(request())));
    expect(results.every((r) => r.outcome === 'CAPTURED')).toBe(true);
    expect(received).toHaveLength(6);
    expect(maxInFlight).toBe(2);
  });

  it('refuses a malformed request without calling the PSP', async () => {
    const err = await captureError(createHttpPsp({ baseUrl: server.url }).capture(request({ amountMinor: 19.99 })));
    expect(err.code).toBe('PSP_INVALID_REQUEST');
    expect(err.retryable).toBe(false);
    expect(received).toHaveLength(0);
  });

  it('treats a refused connection as retryable PSP_UNAVAILABLE', async () => {
    const port = await closedPort();
    const err = await captureError(createHttpPsp({ baseUrl: `http://127.0.0.1:${port}` }).capture(request()));
    expect(err.code).toBe('PSP_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.status).toBeUndefined();
  });

  it.each([[{ baseUrl: 'not a url' }], [{ baseUrl: 'ftp://psp.example' }], [{ baseUrl: 'http://u:p@psp.example' }], [{ baseUrl: 'http://psp.example', maxConcurrent: 0 }]])(
    'refuses the options %j',
    (options) => {
      expect(thrownBy(() => createHttpPsp(options), isPspError)).toMatchObject({ code: 'PSP_INVALID_OPTIONS', retryable: false });
    },
  );
});
