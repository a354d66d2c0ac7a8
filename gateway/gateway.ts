import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { Processor } from '../processors/runtime';
import { runProcessor } from '../processors/runtime';
import type { OrderCompleted, WalletUpdated } from '../schemas';
import { TOPICS } from '../schemas';
import type { Subscription } from '../streams';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { EventFeed } from './feeds/event.feed';
import type { CallContext } from './grpc/call.context';
import { createOrderHandlers } from './grpc/order.handlers';
import { loadGatewayProtos, ORDER_SERVICE_NAME, serviceOf, WALLET_SERVICE_NAME } from './grpc/proto.loader';
import { createWalletHandlers } from './grpc/wallet.handlers';
import { HttpRouter } from './http/http.router';
import type { StartedHttpServer } from './http/http.server';
import { startHttpServer } from './http/http.server';
import { readinessReply } from './http/readiness';
import type { ResolvedGatewayOptions } from './options';
import { resolveGatewayOptions } from './options';
import { OrderPublisher } from './orders/order.publisher';
import { OrderService } from './orders/order.service';
import { OrderStore } from './orders/order.store';
import { OrderSubmitter } from './orders/order.submitter';
import { SubmissionRelay } from './submissions/submission.relay';
import type { Gateway, GatewayDeps, GatewayPorts } from './types';
import { ThresholdService } from './wallets/threshold.service';
import { ThresholdStore } from './wallets/threshold.store';
import { createWalletActionPipeline } from './wallets/wallet-action.pipeline';
import { WalletActionService } from './wallets/wallet-action.service';
import { WalletActionStore } from './wallets/wallet-action.store';
import { createWalletLedger } from './wallets/wallet.ledger';
import { WalletService } from './wallets/wallet.service';
import { WalletStore } from './wallets/wallet.store';

/** The health statuses the gateway reports: the server as a whole ("") and each service. */
const HEALTH_SERVICES = ['', ORDER_SERVICE_NAME, WALLET_SERVICE_NAME] as const;

/** The topics the gateway publishes to and reads from. */
const GATEWAY_TOPICS = [TOPICS.ordersSubmitted, TOPICS.ordersCompleted, TOPICS.balanceActions, TOPICS.walletUpdates];

/** The feeds the gateway answers calls from. */
interface Feeds {
  /** `orders.completed` by order id: SubmitOrder, WatchOrder. */
  orders: EventFeed<OrderCompleted>;
  /** `wallet.updates` by action id: TopUp, Use, Transfer, Void. */
  actions: EventFeed<WalletUpdated>;
  /** `wallet.updates` by wallet id: WatchWallet. */
  wallets: EventFeed<WalletUpdated>;
}

function bindGrpc(server: Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
  });
}

/** Feeds `orders.completed` and `wallet.updates` into the feeds, under this instance's own consumer group. */
function feedProcessor(instanceId: string, feeds: Feeds): Processor {
  return {
    name: `gateway.${instanceId}`,
    topics: [TOPICS.ordersCompleted, TOPICS.walletUpdates],
    handle: (batch) => {
      const completions: OrderCompleted[] = [];
      const updates: WalletUpdated[] = [];
      for (const message of batch) {
        if (message.type === 'OrderCompleted') completions.push(message.event);
        else if (message.type === 'WalletUpdated') updates.push(message.event);
      }
      feeds.orders.record(completions);
      feeds.actions.record(updates);
      feeds.wallets.record(updates);
      return Promise.resolve();
    },
  };
}

function closeFeeds(feeds: Feeds): void {
  feeds.orders.close();
  feeds.actions.close();
  feeds.wallets.close();
}

/**
 * The gRPC gateway (OrderService, WalletService, health, reflection) and its HTTP side port.
 * The pool, transport and codec are the caller's; the gateway never closes them.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const options: ResolvedGatewayOptions = resolveGatewayOptions(deps.options);
  const log: Logger = deps.logger.child({ component: 'gateway', instanceId: options.instanceId });
  const batching = { maxItems: options.batchMaxItems, maxDelayMs: options.batchMaxDelayMs, maxConcurrent: options.batchMaxConcurrent };
  const relayOptions = { intervalMs: options.relayIntervalMs, minAgeMs: options.relayMinAgeMs, batchSize: options.relayBatchSize };
  const feeds: Feeds = {
    orders: new EventFeed<OrderCompleted>(options.completionCacheSize, (completion) => completion.orderId),
    actions: new EventFeed<WalletUpdated>(options.completionCacheSize, (update) => update.actionId),
    wallets: new EventFeed<WalletUpdated>(0, (update) => update.walletId),
  };

  const store = new OrderStore(deps.pool);
  const publisher = new OrderPublisher(store, deps.transport, deps.codec, log);
  const submitter = new OrderSubmitter(store, publisher, batching);
  const service = new OrderService({ store, submitter, feed: feeds.orders, maxWaitMs: options.submitWaitMs });

  const actionStore = new WalletActionStore(deps.pool);
  const walletStore = new WalletStore(deps.pool);
  const actionPipeline = createWalletActionPipeline({ store: actionStore, transport: deps.transport, codec: deps.codec, log, batching });
  const actionService = new WalletActionService({
    actions: actionStore,
    wallets: walletStore,
    submitter: actionPipeline.submitter,
    feed: feeds.actions,
    maxWaitMs: options.submitWaitMs,
  });
  const walletService = new WalletService(walletStore, createWalletLedger(deps.pool));
  const thresholdService = new ThresholdService(new ThresholdStore(deps.pool), walletStore);

  const relays = [
    new SubmissionRelay(store, publisher, relayOptions, log),
    new SubmissionRelay(actionStore, actionPipeline.publisher, relayOptions, log),
  ];
  const submitters = [submitter, actionPipeline.submitter];
  const authenticator = new ApiKeyAuthenticator(deps.pool, {
    cacheTtlMs: options.authCacheTtlMs,
    negativeCacheTtlMs: options.authNegativeCacheTtlMs,
    maxEntries: options.authCacheMaxEntries,
  });
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
            { name: 'transport', probe: () => deps.transport.ensureTopics(GATEWAY_TOPICS) },
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

  const drainSubmitters = async (): Promise<void> => {
    await Promise.all(submitters.map((s) => s.drain()));
  };

  async function release(): Promise<void> {
    await Promise.all(relays.map((r) => r.stop()));
    if (server !== null) {
      const grpcServer = server;
      const shutdown = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      // Submissions already accepted are written and published before their callers are answered;
      // then every waiting call is answered (PENDING) and every watch ends.
      await drainSubmitters();
      closeFeeds(feeds);
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
    closeFeeds(feeds);
    await drainSubmitters();
    await subscription?.close();
    await http?.close();
  }

  async function start(): Promise<GatewayPorts> {
    if (state !== 'new') throw new Error(`the gateway cannot start: it is ${state}`);
    if (stopping !== null) throw new Error('the gateway cannot start: it was stopped');
    state = 'starting';
    try {
      await deps.transport.ensureTopics(GATEWAY_TOPICS);
      subscription = await runProcessor(feedProcessor(options.instanceId, feeds), { transport: deps.transport, codec: deps.codec, logger: log });
      server = new Server();
      const context: CallContext = { authenticator, isStopping: () => state !== 'running', inFlight: { limit: options.maxInFlight, current: 0, maxBacklog: options.maxBacklog, backlog: () => deps.transport.backlog?.() ?? 0 }, log };
      server.addService(serviceOf(protos, ORDER_SERVICE_NAME), createOrderHandlers({ ...context, service, feed: feeds.orders }));
      server.addService(
        serviceOf(protos, WALLET_SERVICE_NAME),
        createWalletHandlers({ ...context, wallets: walletService, actions: actionService, thresholds: thresholdService, walletFeed: feeds.wallets }),
      );
      health.addToServer(server);
      new ReflectionService(protos).addToServer(server);
      const grpcPort = await bindGrpc(server, options.host, options.grpcPort);
      http = await startHttpServer(router, options.host, options.httpPort);
      for (const relay of relays) relay.start();
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
