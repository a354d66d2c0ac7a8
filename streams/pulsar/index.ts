import type { Logger } from 'pino';
import type { PulsarTransportOptions } from './options';
import { resolvePulsarOptions } from './options';
import { createNativePulsarClient } from './pulsar-native.client';
import { PulsarTransport } from './pulsar.transport';
import type { Transport } from '../types';
import type { PulsarTransportDeps } from './types';

export type { PulsarTransportOptions } from './options';
export type { PulsarTransportErrorCode } from './pulsar.errors';
export { PulsarClientMissingError, PulsarInvalidArgumentError, PulsarTransportError } from './pulsar.errors';
export { loadPulsarClientModule } from './pulsar-native.client';
export { PulsarTopicNames } from './topic-names';
export type {
  PulsarClient,
  PulsarClientFactory,
  PulsarClientSettings,
  PulsarConsumer,
  PulsarConsumerConfig,
  PulsarMessage,
  PulsarOutgoingMessage,
  PulsarProducer,
  PulsarProducerConfig,
  PulsarTransportDeps,
} from './types';

/**
 * The Pulsar transport. Validates the options (throwing a {@link PulsarInvalidArgumentError}, a
 * `RangeError`), then creates the client: by default the real one, which loads the optional package
 * `pulsar-client` now and throws a {@link PulsarClientMissingError} when it is not installed. The client
 * connects in the background, so an unreachable broker surfaces on the first publish or subscribe.
 */
export function createPulsarTransport(options: PulsarTransportOptions, deps: PulsarTransportDeps): Transport {
  const resolved = resolvePulsarOptions(options);
  const logger: Logger = deps.logger.child({ transport: 'pulsar' });
  const factory = deps.clientFactory ?? createNativePulsarClient;
  const client = factory({
    serviceUrl: resolved.url,
    operationTimeoutSeconds: resolved.operationTimeoutSeconds,
    ...(resolved.authToken === undefined ? {} : { authToken: resolved.authToken }),
    logger,
  });
  return new PulsarTransport(client, resolved, logger);
}
