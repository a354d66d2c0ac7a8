import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { CarryOverReceive } from './carry-over-receive';
import { PulsarClientMissingError, PulsarTransportError, toError } from './pulsar.errors';
import type {
  PulsarClient,
  PulsarClientFactory,
  PulsarConsumer,
  PulsarConsumerConfig,
  PulsarMessage,
  PulsarOutgoingMessage,
  PulsarProducer,
  PulsarProducerConfig,
} from './types';

/*
 * The real implementation of our Pulsar port, over `pulsar-client` (an optional dependency: its install
 * downloads a native library). The package is loaded when a client is created, never at import, so every
 * other transport works where it is not installed. Its type definitions are not installed either, so the
 * narrow subset used here is declared below, after the package's `index.d.ts` (1.x).
 */

/** `pulsar-client`'s log levels (its `LogLevel` enum). */
const LOG_LEVEL = { debug: 0, info: 1, warn: 2, error: 3 } as const;

interface NativeClientConfig {
  serviceUrl: string;
  operationTimeoutSeconds: number;
  authentication?: object;
  log: (level: number, file: string, line: number, message: string) => void;
}

interface NativeMessage {
  getTopicName(): string;
  getPartitionKey(): string;
  getData(): Buffer;
  getProperties(): Record<string, string>;
  getMessageId(): { toString(): string };
  getRedeliveryCount(): number;
}

interface NativeProducer {
  send(message: PulsarOutgoingMessage): Promise<unknown>;
  flush(): Promise<unknown>;
  close(): Promise<unknown>;
}

interface NativeConsumer {
  /** Without a timeout: waits on the client's own thread, not on a libuv worker. */
  receive(): Promise<NativeMessage>;
  acknowledge(message: NativeMessage): Promise<unknown>;
  negativeAcknowledge(message: NativeMessage): void;
  close(): Promise<unknown>;
}

interface NativeClient {
  createProducer(config: PulsarProducerConfig): Promise<NativeProducer>;
  subscribe(config: PulsarConsumerConfig): Promise<NativeConsumer>;
  close(): Promise<unknown>;
}

export interface NativePulsarModule {
  Client: new (config: NativeClientConfig) => NativeClient;
  AuthenticationToken: new (params: { token: string }) => object;
}

/**
 * Loads `pulsar-client`. Throws a {@link PulsarClientMissingError} (code `PULSAR_CLIENT_MISSING`, not
 * retryable) when the package is not installed, and a `PULSAR_CLIENT_LOAD_FAILED` error when it is
 * installed but cannot be loaded (typically: its native library is missing or built for another platform).
 */
export function loadPulsarClientModule(): NativePulsarModule {
  const requireHere = createRequire(__filename);
  let path: string;
  try {
    path = requireHere.resolve('pulsar-client');
  } catch (err) {
    if (nodeErrorCode(err) === 'MODULE_NOT_FOUND') throw new PulsarClientMissingError({ cause: err });
    throw loadFailed(err);
  }
  let loaded: unknown;
  try {
    loaded = requireHere(path);
  } catch (err) {
    throw loadFailed(err);
  }
  if (!isNativeModule(loaded)) {
    throw new PulsarTransportError('PULSAR_CLIENT_LOAD_FAILED', 'pulsar-client was loaded but does not export the Client and AuthenticationToken classes this transport uses (expected pulsar-client 1.x)');
  }
  return loaded;
}

/** The real {@link PulsarClientFactory}: loads `pulsar-client` (see {@link loadPulsarClientModule}) and creates a client. */
export const createNativePulsarClient: PulsarClientFactory = (settings) => {
  const pulsar = loadPulsarClientModule();
  const logger = settings.logger.child({ component: 'pulsar-client' });
  const client = new pulsar.Client({
    serviceUrl: settings.serviceUrl,
    operationTimeoutSeconds: settings.operationTimeoutSeconds,
    ...(settings.authToken === undefined ? {} : { authentication: new pulsar.AuthenticationToken({ token: settings.authToken }) }),
    log: (level, file, line, message) => logLine(logger, level, { file, line }, message),
  });
  return new NativeClientAdapter(client);
};

class NativeClientAdapter implements PulsarClient {
  constructor(private readonly client: NativeClient) {}

  async createProducer(config: PulsarProducerConfig): Promise<PulsarProducer> {
    const producer = await this.client.createProducer(config);
    return {
      send: async (message) => {
        await producer.send(message);
      },
      flush: async () => {
        await producer.flush();
      },
      close: async () => {
        await producer.close();
      },
    };
  }

  async subscribe(config: PulsarConsumerConfig): Promise<PulsarConsumer> {
    return new NativeConsumerAdapter(await this.client.subscribe(config));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

class NativeConsumerAdapter implements PulsarConsumer {
  private readonly receiver: CarryOverReceive<NativeMessage>;
  /** Our plain message → the client's message object, which acknowledging needs. */
  private readonly natives = new WeakMap<PulsarMessage, NativeMessage>();

  constructor(private readonly consumer: NativeConsumer) {
    this.receiver = new CarryOverReceive(() => consumer.receive());
  }

  async receive(timeoutMs: number): Promise<PulsarMessage | null> {
    const native = await this.receiver.next(timeoutMs);
    if (native === null) return null;
    const message: PulsarMessage = {
      topicName: native.getTopicName(),
      partitionKey: native.getPartitionKey(),
      data: native.getData(),
      properties: native.getProperties(),
      messageId: native.getMessageId().toString(),
      redeliveryCount: native.getRedeliveryCount(),
    };
    this.natives.set(message, native);
    return message;
  }

  async acknowledge(message: PulsarMessage): Promise<void> {
    await this.consumer.acknowledge(this.native(message));
  }

  negativeAcknowledge(message: PulsarMessage): void {
    this.consumer.negativeAcknowledge(this.native(message));
  }

  async close(): Promise<void> {
    // A receive still pending fails with AlreadyClosed; CarryOverReceive keeps that, nobody reads it.
    await this.consumer.close();
  }

  private native(message: PulsarMessage): NativeMessage {
    const native = this.natives.get(message);
    if (native === undefined) throw new Error(`message ${message.messageId} was not received by this consumer`);
    return native;
  }
}

function logLine(logger: Logger, level: number, context: { file: string; line: number }, message: string): void {
  // The client logs every producer and consumer it opens at INFO: that is debug detail for this service.
  if (level >= LOG_LEVEL.error) logger.error(context, message);
  else if (level === LOG_LEVEL.warn) logger.warn(context, message);
  else logger.debug(context, message);
}

function isNativeModule(value: unknown): value is NativePulsarModule {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const candidate = value as { Client?: unknown; AuthenticationToken?: unknown };
  return typeof candidate.Client === 'function' && typeof candidate.AuthenticationToken === 'function';
}

/** Node's own error code (`MODULE_NOT_FOUND`, …), a code rather than the message text. */
function nodeErrorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function loadFailed(err: unknown): PulsarTransportError {
  return new PulsarTransportError(
    'PULSAR_CLIENT_LOAD_FAILED',
    `pulsar-client is installed but could not be loaded (is its native library present for this platform?): ${toError(err).message}`,
    { cause: err },
  );
}
