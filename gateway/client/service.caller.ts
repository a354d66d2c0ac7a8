import type { CallOptions, ChannelCredentials, ServiceError } from '@grpc/grpc-js';
import { Client, credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import { parseInt64, toSafeMinor } from '../../money';
import { loadGatewayProtos, methodOf, serviceOf } from '../grpc/proto.loader';

export interface CallSettings {
  /** Deadline of the call, from now. */
  timeoutMs?: number;
}

export interface ClientOptions {
  /** Default: insecure (plaintext), for loopback and private networks. */
  credentials?: ChannelCredentials;
}

/**
 * Calls the methods of one gateway service by their proto names, with the merchant's API key in
 * `authorization` (none when `apiKey` is null). Errors reject as grpc-js `ServiceError`s.
 */
export interface ServiceCaller {
  unary(method: string, request: object, settings: CallSettings | undefined): Promise<unknown>;
  /** The messages of a server stream; leaving the loop early cancels the call. */
  stream(method: string, request: object, settings: CallSettings | undefined): AsyncIterable<unknown>;
  close(): void;
}

export function createServiceCaller(address: string, apiKey: string | null, serviceName: string, options: ClientOptions = {}): ServiceCaller {
  const service = serviceOf(loadGatewayProtos(), serviceName);
  const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure());
  const metadata = (): Metadata => {
    const md = new Metadata();
    if (apiKey !== null) md.set('authorization', `Bearer ${apiKey}`);
    return md;
  };
  const callOptions = (settings: CallSettings | undefined): CallOptions =>
    settings?.timeoutMs === undefined ? {} : { deadline: Date.now() + settings.timeoutMs };

  return {
    unary: (name, request, settings) =>
      new Promise((resolve, reject) => {
        const method = methodOf(service, name);
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata(),
          callOptions(settings),
          (err: ServiceError | null, response?: object) => (err === null ? resolve(response) : reject(err)),
        );
      }),
    stream: (name, request, settings) => ({
      async *[Symbol.asyncIterator]() {
        const method = methodOf(service, name);
        const call = client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata(), callOptions(settings));
        try {
          for await (const message of call as AsyncIterable<unknown>) yield message;
        } finally {
          call.cancel();
        }
      },
    }),
    close: () => client.close(),
  };
}

/** A field of a decoded message. */
export function fieldOf(message: unknown, name: string): unknown {
  return typeof message === 'object' && message !== null ? (message as Readonly<Record<string, unknown>>)[name] : undefined;
}

/** An int64 the server sent (a decimal string), as an exact safe integer. */
export function int64Of(value: unknown, field: string): number {
  const parsed = parseInt64(value);
  const safe = parsed === undefined ? undefined : toSafeMinor(parsed);
  if (safe === undefined) throw new TypeError(`the server sent ${field} that is not a safe integer`);
  return safe;
}

export function textOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`the server sent ${field} that is not a string`);
  return value;
}

/** Text where "" means absent. */
export function textOrNull(value: unknown, field: string): string | null {
  const text = textOf(value, field);
  return text === '' ? null : text;
}
