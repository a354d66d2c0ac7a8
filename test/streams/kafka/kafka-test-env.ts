import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { createTransport } from '../../../streams';
import type { Transport } from '../../../streams/types';
import type { TransportFactory } from '../helpers';

/**
 * Kafka for the tests: only where `KAFKA_BROKERS` names brokers (`host:port,host:port`); without it the
 * broker-bound suites are skipped and say so. Timings are short so takeovers fit in a test: a broker's
 * `group.min.session.timeout.ms` (6,000 ms by default) bounds the session timeout, which
 * `KAFKA_SESSION_TIMEOUT_MS` may lower for brokers configured for it.
 */
export const KAFKA_BROKERS: readonly string[] | null = parseBrokers(process.env.KAFKA_BROKERS);
export const KAFKA_SKIP_REASON = 'KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:9092)';
const SESSION_TIMEOUT_MS = Number(process.env.KAFKA_SESSION_TIMEOUT_MS ?? 6_000);

export const FAST_KAFKA = {
  partitions: 4,
  replicationFactor: 1,
  sessionTimeoutMs: SESSION_TIMEOUT_MS,
  heartbeatIntervalMs: Math.max(10, Math.min(500, Math.floor(SESSION_TIMEOUT_MS / 4))),
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 100,
} as const;

function parseBrokers(value: string | undefined): readonly string[] | null {
  if (value === undefined || value.trim() === '') return null;
  return value.split(',').map((broker) => broker.trim());
}

/** The conformance suite's entry: available only with `KAFKA_BROKERS`. */
export function kafkaConformanceFactory(): TransportFactory {
  const brokers = KAFKA_BROKERS;
  if (brokers === null) {
    return { name: 'kafka', available: false, skipReason: KAFKA_SKIP_REASON, visibilityTimeoutMs: FAST_KAFKA.sessionTimeoutMs, create: () => Promise.reject(new Error(KAFKA_SKIP_REASON)) };
  }
  return { name: 'kafka', available: true, visibilityTimeoutMs: FAST_KAFKA.sessionTimeoutMs, create: () => createConformanceKafkaTransport(brokers) };
}

/**
 * A Kafka transport built through `createTransport`, which deletes the topics it was asked to ensure
 * (and their `.dlq`) when it closes, so test runs leave nothing behind on the broker.
 */
async function createConformanceKafkaTransport(brokers: readonly string[]): Promise<Transport> {
  const transport = await createTransport({ name: 'kafka', brokers, ...FAST_KAFKA }, { logger: pino({ level: 'silent' }) });
  const topics = new Set<string>();
  return {
    name: transport.name,
    async ensureTopics(names) {
      await transport.ensureTopics(names);
      for (const name of names) topics.add(name).add(name.endsWith('.dlq') ? name : `${name}.dlq`);
    },
    publish: (topic, messages) => transport.publish(topic, messages),
    subscribe: (options) => transport.subscribe(options),
    async close() {
      await transport.close();
      await deleteTopics(brokers, [...topics]);
    },
  };
}

export async function deleteTopics(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({ clientId: 'paystream-tests', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.disconnect();
  }
}
