import { KafkaInvalidArgumentError } from './kafka.errors';

/** SASL credentials, for brokers that require them. */
export interface KafkaSaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaTransportOptions {
  /** Bootstrap brokers, each `host:port` (default `127.0.0.1:9092`, a broker on this machine). */
  brokers?: readonly string[];
  /** Client id the brokers see in their logs and quotas (default `paystream`). */
  clientId?: string;
  /** Partitions of each topic (and `.dlq`) that `ensureTopics` creates (default 8); existing topics keep theirs. */
  partitions?: number;
  /** Replicas of each topic `ensureTopics` creates (default -1: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /**
   * How long the group waits for a silent member before giving its partitions to others (default 30,000 ms):
   * the visibility timeout of a crashed or aborted subscription. Brokers bound it
   * (`group.min.session.timeout.ms`, 6,000 ms by default).
   */
  sessionTimeoutMs?: number;
  /** How often members heartbeat, also while a long batch runs (default a third of the session timeout, at most 3,000 ms). */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to finish their batches and rejoin (default 60,000 ms). */
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for new records (default 500 ms, as the Java client's `fetch.max.wait.ms`). */
  maxWaitTimeMs?: number;
  /** Partitions one subscription handles side by side, each in its own order (default 4). */
  partitionsConsumedConcurrently?: number;
  /** Time allowed to open a connection (default 3,000 ms). */
  connectionTimeoutMs?: number;
  /** Time allowed for a broker to answer a request (default 30,000 ms). */
  requestTimeoutMs?: number;
  /** Connect with TLS (default false). */
  ssl?: boolean;
  sasl?: KafkaSaslOptions;
}

export interface ResolvedKafkaOptions {
  brokers: readonly string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  partitionsConsumedConcurrently: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  ssl: boolean;
  sasl: KafkaSaslOptions | null;
}

/** `host:port`, the host without spaces or colons (kafkajs splits on the colon). */
const BROKER = /^([^\s:/]+):(\d{1,5})$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,255}$/;
const SASL_MECHANISMS: readonly string[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
const HOUR_MS = 3_600_000;
const DEFAULT_BROKERS: readonly string[] = ['127.0.0.1:9092'];

/** Fills in defaults and validates; throws a {@link KafkaInvalidArgumentError} (a `RangeError`) naming the bad option. */
export function resolveKafkaOptions(options: KafkaTransportOptions): ResolvedKafkaOptions {
  if (typeof options !== 'object' || options === null) invalid('options are required');
  const brokers = checkBrokers(options.brokers ?? DEFAULT_BROKERS);
  const clientId = options.clientId ?? 'paystream';
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) invalid(`clientId must match ${String(CLIENT_ID)}, got ${JSON.stringify(clientId)}`);
  const partitions = integer('partitions', options.partitions ?? 8, 1, 10_000);
  const replicationFactor = integer('replicationFactor', options.replicationFactor ?? -1, -1, 32_767);
  if (replicationFactor === 0) invalid('replicationFactor must be -1 (the broker default) or at least 1, got 0');
  const sessionTimeoutMs = integer('sessionTimeoutMs', options.sessionTimeoutMs ?? 30_000, 100, HOUR_MS);
  const heartbeatIntervalMs = integer('heartbeatIntervalMs', options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeoutMs / 3)), 10, HOUR_MS);
  // The group must see at least two heartbeats per session, or a slow tick costs the member its partitions.
  if (heartbeatIntervalMs * 2 > sessionTimeoutMs) {
    invalid(`heartbeatIntervalMs (${heartbeatIntervalMs}) must be at most half of sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  const rebalanceTimeoutMs = integer('rebalanceTimeoutMs', options.rebalanceTimeoutMs ?? 60_000, 100, HOUR_MS);
  const requestTimeoutMs = integer('requestTimeoutMs', options.requestTimeoutMs ?? 30_000, 100, HOUR_MS);
  const maxWaitTimeMs = integer('maxWaitTimeMs', options.maxWaitTimeMs ?? 500, 1, 60_000);
  // A fetch that waits longer than a request may take would time out whenever a partition is idle.
  if (maxWaitTimeMs >= requestTimeoutMs) invalid(`maxWaitTimeMs (${maxWaitTimeMs}) must be less than requestTimeoutMs (${requestTimeoutMs})`);
  const partitionsConsumedConcurrently = integer('partitionsConsumedConcurrently', options.partitionsConsumedConcurrently ?? 4, 1, 1_024);
  const connectionTimeoutMs = integer('connectionTimeoutMs', options.connectionTimeoutMs ?? 3_000, 1, 600_000);
  const ssl = options.ssl ?? false;
  if (typeof ssl !== 'boolean') invalid('ssl must be a boolean');
  const sasl = options.sasl === undefined ? null : checkSasl(options.sasl);
  return {
    brokers,
    clientId,
    partitions,
    replicationFactor,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs,
    maxWaitTimeMs,
    partitionsConsumedConcurrently,
    connectionTimeoutMs,
    requestTimeoutMs,
    ssl,
    sasl,
  };
}

function checkBrokers(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) invalid('brokers must list at least one broker (host:port)');
  const brokers: string[] = [];
  for (const broker of value as readonly unknown[]) {
    const match = typeof broker === 'string' ? BROKER.exec(broker) : null;
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65_535) invalid(`brokers: each must be host:port with a port from 1 to 65535, got ${JSON.stringify(broker)}`);
    brokers.push(broker as string);
  }
  return brokers;
}

function checkSasl(value: unknown): KafkaSaslOptions {
  if (typeof value !== 'object' || value === null) invalid('sasl must be an object with mechanism, username and password');
  const { mechanism, username, password } = value as Record<string, unknown>;
  if (typeof mechanism !== 'string' || !SASL_MECHANISMS.includes(mechanism)) invalid(`sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
  if (typeof username !== 'string' || username.length === 0) invalid('sasl.username must be a non-empty string');
  // Never echo the password.
  if (typeof password !== 'string' || password.length === 0) invalid('sasl.password must be a non-empty string');
  return { mechanism: mechanism as KafkaSaslOptions['mechanism'], username, password };
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function invalid(message: string): never {
  throw new KafkaInvalidArgumentError(`invalid Kafka transport options: ${message}`);
}
