import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpExchangeRequest {
  method: 'GET' | 'POST';
  /** Absolute `http:` or `https:` URL. Credentials in it are not sent: put them in a header. */
  url: string;
  headers?: Record<string, string>;
  /** Sent as UTF-8, with its `content-length`. */
  body?: string;
  /** One deadline for the whole exchange: waiting for a socket, connecting, sending, the answer and its body. */
  timeoutMs: number;
}

export interface HttpExchangeAnswer {
  /** Any status, 3xx included: redirects are not followed. */
  status: number;
  /** The body, decoded as UTF-8. */
  text: string;
}

export interface HttpExchangeOptions {
  /** Most sockets per origin (default: no limit; the callers bound their own concurrency). */
  maxSockets?: number;
}

/** Small request/answer calls over kept-alive connections: one pool per exchange, no client per call. */
export interface HttpExchange {
  /**
   * Sends one request and reads its whole answer.
   * @throws {HttpExchangeError} when no complete answer arrived; never with any other error.
   */
  send(request: HttpExchangeRequest): Promise<HttpExchangeAnswer>;
  /** Fails the calls in flight with `HTTP_CLOSED`, refuses further calls and closes every socket. */
  close(): void;
}

/** Every code an {@link HttpExchangeError} can carry. */
export type HttpExchangeErrorCode = 'HTTP_TIMEOUT' | 'HTTP_NETWORK_ERROR' | 'HTTP_CLOSED';

/**
 * Thrown when an exchange got no complete answer. Callers translate it into their own error codes:
 * - `HTTP_TIMEOUT`: the deadline passed first; the request was destroyed.
 * - `HTTP_NETWORK_ERROR`: the connection was refused, reset or closed before the answer was complete,
 *   or node:http refused to send the request (e.g. a header value with a newline); `causeCode` says which.
 * - `HTTP_CLOSED`: the exchange was closed before or while the call ran.
 */
/** What went wrong underneath a failed exchange, for a message: `ECONNREFUSED`, `HTTP_TIMEOUT`…; `unknown error` for anything else. */
export function exchangeFailureCode(err: unknown): string {
  return isHttpExchangeError(err) ? (err.causeCode ?? err.code) : 'unknown error';
}

export class HttpExchangeError extends Error {
  readonly code: HttpExchangeErrorCode;
  /** The system or Node error code underneath an `HTTP_NETWORK_ERROR` (`ECONNREFUSED`, `ECONNRESET`, `ERR_INVALID_CHAR`…). */
  readonly causeCode: string | undefined;

  constructor(code: HttpExchangeErrorCode, message: string, details: { causeCode?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HttpExchangeError';
    this.code = code;
    this.causeCode = details.causeCode;
  }
}

export function isHttpExchangeError(err: unknown): err is HttpExchangeError {
  return err instanceof HttpExchangeError;
}

/**
 * Idle sockets are closed after this long, below the 5 s keep-alive timeout of Node's HTTP server, so a
 * call seldom picks a socket the server is closing (as undici's default of 4 s). A shorter `Keep-Alive:
 * timeout=N` hint from the server wins (node:http then keeps N − 1 s).
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * An {@link HttpExchange} on node:http / node:https with one keep-alive agent per protocol. Chosen over
 * the global fetch, whose web streams and AbortSignal machinery cost more CPU than the small JSON calls
 * of the integrations. Idle sockets do not keep the process alive (node:http unrefs pooled sockets), so
 * clients without a close path need not call `close()`.
 */
export function createHttpExchange(options: HttpExchangeOptions = {}): HttpExchange {
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS, ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }) };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  /** How to fail each call in flight, for `close()`. */
  const inFlight = new Set<(err: HttpExchangeError) => void>();
  let closed = false;

  function send(request: HttpExchangeRequest): Promise<HttpExchangeAnswer> {
    return new Promise<HttpExchangeAnswer>((resolve, reject) => {
      if (closed) {
        reject(new HttpExchangeError('HTTP_CLOSED', 'the HTTP exchange is closed'));
        return;
      }
      let req: ClientRequest | undefined;
      const deadline = setTimeout(() => fail(new HttpExchangeError('HTTP_TIMEOUT', `no complete answer within ${request.timeoutMs} ms`)), request.timeoutMs);
      // Whichever comes first settles the call: the answer's end, an error, the deadline or close().
      const fail = (err: HttpExchangeError): void => {
        if (!inFlight.delete(fail)) return;
        clearTimeout(deadline);
        req?.destroy();
        reject(err);
      };
      const succeed = (answer: HttpExchangeAnswer): void => {
        if (!inFlight.delete(fail)) return;
        clearTimeout(deadline);
        resolve(answer);
      };
      inFlight.add(fail);
      try {
        req = start(request, (res) => readAnswer(res, succeed, fail));
      } catch (err) {
        // node:http throws at once for a URL or header it cannot send.
        fail(networkError(err));
        return;
      }
      req.on('error', (err) => fail(networkError(err)));
      req.end(request.body);
    });
  }

  function start(request: HttpExchangeRequest, onAnswer: (res: IncomingMessage) => void): ClientRequest {
    const url = new URL(request.url);
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const target: RequestOptions = {
      method: request.method,
      // URL keeps the brackets of an IPv6 literal; node:http wants the bare address.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      path: `${url.pathname}${url.search}`,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      ...(headers === undefined ? {} : { headers }),
    };
    if (url.protocol === 'http:') return httpRequest({ ...target, agent: httpAgent }, onAnswer);
    if (url.protocol === 'https:') return httpsRequest({ ...target, agent: httpsAgent }, onAnswer);
    throw new HttpExchangeError('HTTP_NETWORK_ERROR', `cannot send to a ${url.protocol} URL`, { causeCode: 'ERR_INVALID_PROTOCOL' });
  }

  return {
    send,
    close() {
      closed = true;
      const closedError = new HttpExchangeError('HTTP_CLOSED', 'the HTTP exchange was closed');
      for (const fail of [...inFlight]) fail(closedError);
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function readAnswer(res: IncomingMessage, succeed: (answer: HttpExchangeAnswer) => void, fail: (err: HttpExchangeError) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (err) => fail(networkError(err)));
  res.on('end', () => {
    // fetch's text() drops a byte order mark; so do we, or JSON.parse would refuse the body.
    const text = Buffer.concat(chunks).toString('utf8');
    succeed({ status: res.statusCode ?? 0, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
  });
  // A connection closed mid-body ends the response without 'end' (and without 'error' on some paths).
  res.on('close', () => {
    if (!res.complete) fail(new HttpExchangeError('HTTP_NETWORK_ERROR', 'the connection closed before the answer was complete', { causeCode: 'ECONNRESET' }));
  });
}

function networkError(err: unknown): HttpExchangeError {
  if (err instanceof HttpExchangeError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new HttpExchangeError('HTTP_NETWORK_ERROR', message, { cause: err, ...(code === undefined ? {} : { causeCode: code }) });
}
