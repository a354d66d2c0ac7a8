import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { Processor } from '../processors/runtime';
import { runProcessor } from '../processors/runtime';
import type { OrderCompleted } from '../schemas';
import { TOPICS } from '../schemas';
import type { Subscription } from '../streams';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { createOrderHandlers } from './grpc/order.handlers';
import { loadGatewayProtos, ORDER_SERVICE_NAME, serviceOf } from './grpc/proto.loader';
import { HttpRouter } from './http/http.router';
import type { StartedHttpServer } from './http/http.server';
import { startHttpServer } from './http/http.server';
import { readinessReply } from './http/readiness';
import type { ResolvedGatewayOptions } from './options';
import { resolveGatewayOptions } from './options';
import { CompletionFeed } from './orders/completion.feed';
import { OrderPublisher } from './orders/order.publisher';
import { OrderRelay } from './orders/order.relay';
import { OrderService } from './orders/order.service';
import { OrderStore } from './orders/order.store';
import { OrderSubmitter } from './orders/order.submitter';
import type { Gateway, GatewayDeps, GatewayPorts } from './types';

/** The health statuses the gateway reports: the server as a whole ("") and each service. */
const HEALTH_SERVICES = ['', ORDER_SERVICE_NAME] as const;

function bindGrpc(server: Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
  });
}

/** Feeds `orders.completed` into the completion feed, under this instance's own consumer group. */
function completionProcessor(instanceId: string, feed: CompletionFeed): Processor {
  return {
    name: `gateway.${instanceId}`,
    topics: [TOPICS.ordersCompleted],
    handle: (batch) => {
      const completions: OrderCompleted[] = [];
      for (const message of batch) if (message.type === 'OrderCompleted') completions.push(message.event);
      feed.record(completions);
      return Promise.resolve();
    },
  };
}

/**
 * The gRPC gateway of the order path (OrderService, health, reflection) and its HTTP side port.
 * The pool, transport and codec are the caller's; the gateway never closes them.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const options: ResolvedGatewayOptions = resolveGatewayOptions(deps.options);
  const log: Logger = deps.logger.child({ component: 'gateway', instanceId: options.instanceId });
  const store = new OrderStore(deps.pool);
  const publisher = new OrderPublisher(store, deps.transport, deps.codec, log);
  const submitter = new OrderSubmitter(store, publisher, {
    maxItems: options.batchMaxItems,
    maxDelayMs: options.batchMaxDelayMs,
    maxConcurrent: options.batchMaxConcurrent,
  });
  const feed = new CompletionFeed(options.completionCacheSize);
  const relay = new OrderRelay(store, publisher, { intervalMs: options.relayIntervalMs, minAgeMs: options.relayMinAgeMs, batchSize: options.relayBatchSize }, log);
  const authenticator = new ApiKeyAuthenticator(deps.pool, {
    cacheTtlMs: options.authCacheTtlMs,
    negativeCacheTtlMs: options.authNegativeCacheTtlMs,
    maxEntries: options.authCacheMaxEntries,
  });
  const service = new OrderService({ store, submitter, feed, maxWaitMs: options.submitWaitMs });
  const protos = loadGatewayProtos();
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((name) => [name, 'NOT_SERVING'])));

  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let server: Server | null = null;
  let subscription: Subscription | null = null;
  let http: StartedHttpServer | null = null;
  let starting: Promise<GatewayPorts> | null = null;
  let stopping: Promise<void> | null = null;

  const router = new HttpRouter(log)
    .add({ method: 'GET', path: '/healthz', handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }) })
    .add({
      method: 'GET',
      path: '/readyz',
      handler: () =>
        readinessReply(
          [
            { name: 'mysql', probe: async () => void (await deps.pool.query('SELECT 1')) },
            { name: 'transport', probe: () => deps.transport.ensureTopics([TOPICS.ordersSubmitted, TOPICS.ordersCompleted]) },
            {
              name: 'grpc',
              probe: () =>
                state === 'running' ? Promise.resolve() : Promise.reject(new Error(state === 'stopping' ? 'shutting down' : 'not bound')),
            },
          ],
          options.readinessTimeoutMs,
        ),
    });
  for (const route of deps.routes ?? []) router.add(route);

  async function release(): Promise<void> {
    await relay.stop();
    if (server !== null) {
      const grpcServer = server;
      const shutdown = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      // Submissions already accepted are written and published before their callers are answered.
      await submitter.drain();
      feed.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.shutdownTimeoutMs);
      });
      if (await Promise.race([shutdown.then(() => false), timedOut])) {
        log.warn({ timeoutMs: options.shutdownTimeoutMs }, 'calls still open at the shutdown timeout; cutting them off');
        grpcServer.forceShutdown();
      }
      clearTimeout(timer);
    }
    feed.close();
    await submitter.drain();
    await subscription?.close();
    await http?.close();
  }

  async function start(): Promise<GatewayPorts> {
    if (state !== 'new') throw new Error(`the gateway cannot start: it is ${state}`);
    if (stopping !== null) throw new Error('the gateway cannot start: it was stopped');
    state = 'starting';
    try {
      await deps.transport.ensureTopics([TOPICS.ordersSubmitted, TOPICS.ordersCompleted]);
      subscription = await runProcessor(completionProcessor(options.instanceId, feed), { transport: deps.transport, codec: deps.codec, logger: log });
      server = new Server();
      server.addService(serviceOf(protos, ORDER_SERVICE_NAME), createOrderHandlers({ service, authenticator, feed, isStopping: () => state !== 'running', log }));
      health.addToServer(server);
      new ReflectionService(protos).addToServer(server);
      const grpcPort = await bindGrpc(server, options.host, options.grpcPort);
      http = await startHttpServer(router, options.host, options.httpPort);
      relay.start();
      state = 'running';
      for (const name of HEALTH_SERVICES) health.setStatus(name, 'SERVING');
      log.info({ grpcPort, httpPort: http.port }, 'gateway started');
      return { grpcPort, httpPort: http.port };
    } catch (err) {
      state = 'stopping';
      await release().catch((cleanupErr: unknown) => log.warn({ err: cleanupErr }, 'cleanup after a failed start failed'));
      state = 'stopped';
      throw err;
    }
  }

  function stop(): Promise<void> {
    if (stopping === null) {
      stopping = (async () => {
        // A stop during start lets the start finish (or fail and clean up) first.
        await starting?.catch(() => undefined);
        if (state !== 'running') {
          state = 'stopped';
          return;
        }
        state = 'stopping';
        for (const name of HEALTH_SERVICES) health.setStatus(name, 'NOT_SERVING');
        await release();
        state = 'stopped';
        log.info('gateway stopped');
      })();
    }
    return stopping;
  }

  return {
    start: () => {
      starting ??= start();
      return starting;
    },
    stop,
  };
}
