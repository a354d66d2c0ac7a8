import type { Logger } from 'pino';
import type { EventCodec } from '../schemas';
import type { Pool } from '../storage/mysql';
import type { Transport } from '../streams';
import type { HttpRoute } from './http/http.router';
import type { GatewayOptions } from './options';

export interface GatewayDeps {
  pool: Pool;
  transport: Transport;
  codec: EventCodec;
  logger: Logger;
  options: GatewayOptions;
  /** More routes for the HTTP side port (webhooks, metrics) beside /healthz and /readyz. */
  routes?: readonly HttpRoute[];
}

export interface GatewayPorts {
  grpcPort: number;
  httpPort: number;
}

export interface Gateway {
  /** Subscribes to completions and wallet updates, binds gRPC and HTTP, reports SERVING. Resolves with the bound ports. */
  start(): Promise<GatewayPorts>;
  /**
   * Graceful stop: health NOT_SERVING, no new calls, queued submissions (orders, balance actions)
   * written and published, waiting calls answered (their outcome or PENDING), watches ended
   * (UNAVAILABLE), then the subscription and the servers closed. The pool and the transport belong to the caller and stay open.
   */
  stop(): Promise<void>;
}
