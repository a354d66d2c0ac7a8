import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { HttpRouter } from './http.router';

export interface StartedHttpServer {
  port: number;
  /** Stops accepting, closes idle keep-alive connections and waits for open requests. */
  close(): Promise<void>;
}

/** Starts a `node:http` server for `router` on `host:port` (port 0: a free port). */
export function startHttpServer(router: HttpRouter, host: string, port: number): Promise<StartedHttpServer> {
  const server: Server = createServer((request, response) => router.handle(request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err === undefined ? done() : fail(err)));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
