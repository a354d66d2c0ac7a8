import { PulsarInvalidArgumentError } from './pulsar.errors';
import { assertNamespacePart } from './topic-names';

export interface PulsarTransportOptions {
  /** `pulsar://host:6650` or `pulsar+ssl://host:6651` (several brokers: `pulsar://h1:6650,h2:6650`). */
  url: string;
  /** Tenant every topic lives under (default `public`). */
  tenant?: string;
  /** Namespace every topic lives under (default `default`). Give it a retention policy so a new group finds earlier messages. */
  namespace?: string;
  /** JWT for token authentication. */
  authToken?: string;
  /** Timeout of client operations: creating producers, subscribing (default 30 s). */
  operationTimeoutSeconds?: number;
  /** Longest the producer holds a message to batch it with others of its key (default 5 ms). */
  batchingMaxPublishDelayMs?: number;
  /** Most messages in one producer batch (default 1000). */
  batchingMaxMessages?: number;
  /** Most sends in flight per topic; larger publishes are sent in windows of this size (default 1000). */
  maxPendingMessages?: number;
  /** How long a send may wait for the broker before it fails (default 30,000 ms). */
  sendTimeoutMs?: number;
  /** Messages each consumer prefetches (default 1000). */
  receiverQueueSize?: number;
  /** After the first message of a batch, how long to wait for more before handing the batch over (default 5 ms). */
  batchWaitMs?: number;
  /**
   * How long a subscription that stopped mid-batch (aborted, or closed during a retry backoff) keeps its
   * keys before the group's other members get the unacknowledged messages, counted as one redelivery
   * (default 1000 ms, at least 100 ms). Pulsar's negative-acknowledgement delay.
   */
  visibilityTimeoutMs?: number;
  /** Key_Shared consumers each subscription runs per topic: batches handled at once per topic (default 1). */
  consumersPerTopic?: number;
}

export type ResolvedPulsarOptions = Required<Omit<PulsarTransportOptions, 'authToken'>> & { authToken: string | undefined };

const DEFAULTS = {
  tenant: 'public',
  namespace: 'default',
  operationTimeoutSeconds: 30,
  batchingMaxPublishDelayMs: 5,
  batchingMaxMessages: 1000,
  maxPendingMessages: 1000,
  sendTimeoutMs: 30_000,
  receiverQueueSize: 1000,
  batchWaitMs: 5,
  visibilityTimeoutMs: 1000,
  consumersPerTopic: 1,
} as const;

const SCHEMES = ['pulsar:', 'pulsar+ssl:'];

export function resolvePulsarOptions(options: PulsarTransportOptions): ResolvedPulsarOptions {
  if (typeof options !== 'object' || options === null) invalid('options are required');
  const url = checkUrl(options.url);
  const tenant = options.tenant ?? DEFAULTS.tenant;
  const namespace = options.namespace ?? DEFAULTS.namespace;
  assertNamespacePart('tenant', tenant);
  assertNamespacePart('namespace', namespace);
  const authToken = options.authToken;
  if (authToken !== undefined && (typeof authToken !== 'string' || authToken.length === 0)) invalid('authToken must be a non-empty string');
  return {
    url,
    tenant,
    namespace,
    authToken,
    operationTimeoutSeconds: integer('operationTimeoutSeconds', options.operationTimeoutSeconds ?? DEFAULTS.operationTimeoutSeconds, 1, 3600),
    batchingMaxPublishDelayMs: integer('batchingMaxPublishDelayMs', options.batchingMaxPublishDelayMs ?? DEFAULTS.batchingMaxPublishDelayMs, 0, 60_000),
    batchingMaxMessages: integer('batchingMaxMessages', options.batchingMaxMessages ?? DEFAULTS.batchingMaxMessages, 1, 100_000),
    maxPendingMessages: integer('maxPendingMessages', options.maxPendingMessages ?? DEFAULTS.maxPendingMessages, 1, 100_000),
    sendTimeoutMs: integer('sendTimeoutMs', options.sendTimeoutMs ?? DEFAULTS.sendTimeoutMs, 1, 3_600_000),
    receiverQueueSize: integer('receiverQueueSize', options.receiverQueueSize ?? DEFAULTS.receiverQueueSize, 1, 100_000),
    batchWaitMs: integer('batchWaitMs', options.batchWaitMs ?? DEFAULTS.batchWaitMs, 0, 60_000),
    // The client library raises a negative-acknowledgement delay below 100 ms to 100 ms.
    visibilityTimeoutMs: integer('visibilityTimeoutMs', options.visibilityTimeoutMs ?? DEFAULTS.visibilityTimeoutMs, 100, 3_600_000),
    consumersPerTopic: integer('consumersPerTopic', options.consumersPerTopic ?? DEFAULTS.consumersPerTopic, 1, 64),
  };
}

function checkUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) invalid('url is required (pulsar://host:6650)');
  // Several brokers are written `pulsar://h1:6650,h2:6650`: check the scheme and the first host.
  let parsed: URL;
  try {
    parsed = new URL(value.split(',')[0] ?? value);
  } catch {
    // The text may hold credentials: name the problem, not the value.
    return invalid('url is not a valid URL (expected pulsar://host:6650 or pulsar+ssl://host:6651)');
  }
  if (!SCHEMES.includes(parsed.protocol)) invalid(`url must use the pulsar: or pulsar+ssl: scheme, got ${JSON.stringify(parsed.protocol)}`);
  if (parsed.hostname.length === 0) invalid('url must name a host (pulsar://host:6650)');
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function invalid(message: string): never {
  throw new PulsarInvalidArgumentError(`invalid Pulsar transport options: ${message}`);
}
