/**
 * The public surface of `streams/`: the transport port, the shared delivery semantics, the
 * partitioner, and {@link createTransport}, which builds an adapter by name.
 */
import type { Logger } from 'pino';
import type { KafkaTransportOptions } from './kafka';
import { createKafkaTransport } from './kafka';
import type { MemoryTransportOptions } from './memory';
import { createMemoryTransport } from './memory';
import type { RedisTransportOptions } from './redis';
import { createRedisTransport } from './redis';
import type { PulsarTransportOptions } from './pulsar';
import { createPulsarTransport } from './pulsar';
import type { Transport } from './types';

export type {
  BatchHandler,
  IncomingMessage,
  MessageHeaders,
  OutgoingMessage,
  RetryPolicy,
  SubscribeOptions,
  Subscription,
  Transport,
} from './types';
export { DLQ_HEADERS, dlqTopic } from './types';
export { DEFAULT_RETRY_POLICY, DeliveryStoppedError, isRetryable } from './delivery';
export { partitionFor } from './partitioner';
export { createMemoryTransport, InvalidArgumentError, TransportClosedError } from './memory';
export type { MemoryTopicStats, MemoryTransport, MemoryTransportOptions } from './memory';
export { createRedisTransport, RedisInvalidArgumentError, RedisTransportError } from './redis';
export type { RedisTransportErrorCode, RedisTransportOptions } from './redis';
export { createKafkaTransport, KafkaInvalidArgumentError, KafkaTransportError } from './kafka';
export type { KafkaTransportErrorCode, KafkaTransportOptions } from './kafka';
export { createPulsarTransport, PulsarClientMissingError, PulsarInvalidArgumentError, PulsarTransportError } from './pulsar';
export type { PulsarTransportErrorCode, PulsarTransportOptions } from './pulsar';

/** Options of each adapter, told apart by `name` (the adapter's {@link Transport.name}). */
export type TransportOptions = ({ name: 'memory' } & MemoryTransportOptions) | ({ name: 'redis' } & RedisTransportOptions) | ({ name: 'pulsar' } & PulsarTransportOptions) | ({ name: 'kafka' } & KafkaTransportOptions);

export type TransportName = TransportOptions['name'];

/** What adapters receive from the entry point besides their options. */
export interface TransportDeps {
  logger: Logger;
}

/** Builds the adapter `options.name` names; rejects with a `RangeError` for an unknown name or bad options. */
export function createTransport(options: TransportOptions, deps: TransportDeps): Promise<Transport> {
  // Through a promise, so adapters built synchronously and asynchronously fail the same way.
  return Promise.resolve().then(() => buildTransport(options, deps));
}

/** One case per adapter; each adapter ignores the `name` field of its options. */
function buildTransport(options: TransportOptions, deps: TransportDeps): Transport | Promise<Transport> {
  switch (options.name) {
    case 'memory':
      return createMemoryTransport(options, deps);
    case 'redis': {
      const log = deps.logger.child({ transport: 'redis' });
      return createRedisTransport({ onError: (err) => log.warn({ err }, 'background error; retrying'), ...options });
    }
    case 'pulsar':
      // Loads the optional package pulsar-client only now; throws PulsarClientMissingError when it is not installed.
      return createPulsarTransport(options, deps);
    case 'kafka':
      return createKafkaTransport(options, deps);
    default:
      return unknownTransport(options);
  }
}

function unknownTransport(options: never): never {
  // Reached only when a caller bypasses the types; read the name it gave.
  const name: unknown = (options as { name?: unknown }).name;
  throw new RangeError(`unknown transport ${JSON.stringify(name)}: expected one of memory, redis, pulsar, kafka`);
}
