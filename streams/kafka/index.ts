import type { Transport } from '../types';
import { KafkaTransport } from './kafka.transport';
import type { KafkaTransportOptions } from './options';
import { resolveKafkaOptions } from './options';
import type { KafkaTransportDeps } from './types';

export type { KafkaSaslOptions, KafkaTransportOptions, ResolvedKafkaOptions } from './options';
export { resolveKafkaOptions } from './options';
export type { KafkaTransportErrorCode } from './kafka.errors';
export { KafkaInvalidArgumentError, KafkaTransportError } from './kafka.errors';
export type { KafkaTransportDeps } from './types';

/**
 * The Kafka transport (kafkajs). Validates the options at once (throwing a {@link KafkaInvalidArgumentError},
 * a `RangeError`); connects on first use, so unreachable brokers surface on the first call that needs them.
 *
 * Delivery: at least once. A subscription commits each chunk's offsets only after the shared delivery
 * runner has handled it; a rebalance or crash hands what was not committed to the next owner.
 * `IncomingMessage.attempt` counts deliveries seen by this process (Kafka keeps no count), so it restarts
 * at 1 in a new process.
 */
export function createKafkaTransport(options: KafkaTransportOptions, deps: KafkaTransportDeps): Transport {
  return new KafkaTransport(resolveKafkaOptions(options), deps.logger.child({ transport: 'kafka' }));
}
