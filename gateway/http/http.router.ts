import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** What a route answers: a status and a JSON body (or raw text with its content type). */
export interface HttpReply {
  status: number;
  body: unknown;
  /** Default `application/json`: `body` is serialized; otherwise `body` must be a string. */
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A route handler. It reads the request body itself (webhooks need the raw bytes for signatures). */
export type HttpHandler = (request: IncomingMessage, url: URL) => Promise<HttpReply>;

export interface HttpRoute {
  method: HttpMethod;
  /** Exact path, e.g. `/readyz`. */
  path: string;
  handler: HttpHandler;
}

/**
 * The gateway's HTTP side port: exact-path routes (health, readiness; later ERP webhooks and
 * metrics). Unknown paths answer 404, a known path with another method 405; a handler that
 * throws answers 500 without internals.
 */
export class HttpRouter {
  private readonly routes = new Map<string, Map<HttpMethod, HttpHandler>>();

  constructor(private readonly log: Logger) {}

  add(route: HttpRoute): this {
    let methods = this.routes.get(route.path);
    if (methods === undefined) {
      methods = new Map();
      this.routes.set(route.path, methods);
    }
    if (methods.has(route.method)) throw new Error(`route ${route.method} ${route.path} is already defined`);
    methods.set(route.method, route.handler);
    return this;
  }

  /** The `request` listener of a `node:http` server. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    this.dispatch(request)
      .catch((err: unknown): HttpReply => {
        this.log.error({ err, path: request.url }, 'http handler failed');
        return { status: 500, body: { error: 'internal error' } };
      })
      .then((reply) => send(response, reply))
      .catch((err: unknown) => this.log.warn({ err }, 'http reply could not be sent'));
  }

  private async dispatch(request: IncomingMessage): Promise<HttpReply> {
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    const methods = this.routes.get(url.pathname);
    if (methods === undefined) return { status: 404, body: { error: `no route ${url.pathname}` } };
    const handler = methods.get((request.method ?? 'GET') as HttpMethod);
    if (handler === undefined) {
      return { status: 405, body: { error: `method ${request.method ?? ''} not allowed` }, headers: { allow: [...methods.keys()].join(', ') } };
    }
    return handler(request, url);
  }
}

function send(response: ServerResponse, reply: HttpReply): void {
  const contentType = reply.contentType ?? 'application/json';
  const body = contentType === 'application/json' ? JSON.stringify(reply.body) : String(reply.body);
  response.writeHead(reply.status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...reply.headers });
  response.end(body);
}
