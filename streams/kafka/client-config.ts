import type { ISocketFactory, KafkaConfig, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log';
import type { KafkaSaslOptions, ResolvedKafkaOptions } from './options';

export interface ClientConfigExtras {
  /** The client's own sockets (a subscription's, so that abort can cut them). */
  socketFactory?: ISocketFactory;
  /** While true, kafkajs's logs go to debug. */
  quiet?: () => boolean;
}

/** kafkajs client settings for the resolved options; each subscription gets its own client on these. */
export function clientConfig(options: ResolvedKafkaOptions, logger: Logger, extras: ClientConfigExtras = {}): KafkaConfig {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    ssl: options.ssl,
    logLevel: kafkaLogLevel(logger),
    logCreator: kafkaLogCreator(logger, extras.quiet),
  };
  if (options.sasl !== null) config.sasl = saslOptions(options.sasl);
  if (extras.socketFactory !== undefined) config.socketFactory = extras.socketFactory;
  return config;
}

function saslOptions(sasl: KafkaSaslOptions): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
