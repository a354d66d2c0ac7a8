import path from 'node:path';
import { Client, credentials } from '@grpc/grpc-js';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { MethodDefinition, PackageDefinition } from '@grpc/proto-loader';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** Plain clients of the standard services a gRPC tool (grpcurl, a load balancer) would call. */

const LOAD_OPTIONS = { longs: String, enums: String, defaults: true, oneofs: true } as const;

function method(definition: PackageDefinition, service: string, name: string): MethodDefinition<object, object> {
  const found = definition[service];
  if (found === undefined || 'format' in found) throw new Error(`no service ${service}`);
  const m = found[name];
  if (m === undefined) throw new Error(`no method ${service}.${name}`);
  return m;
}

export function field(message: unknown, name: string): unknown {
  return typeof message === 'object' && message !== null ? (message as Record<string, unknown>)[name] : undefined;
}

export class HealthClient {
  private readonly client: Client;
  private readonly check: MethodDefinition<object, object>;
  private readonly watchMethod: MethodDefinition<object, object>;

  constructor(address: string) {
    const definition = loadSync(healthProtoPath, LOAD_OPTIONS);
    this.check = method(definition, 'grpc.health.v1.Health', 'Check');
    this.watchMethod = method(definition, 'grpc.health.v1.Health', 'Watch');
    this.client = new Client(address, credentials.createInsecure());
  }

  status(service: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(this.check.path, this.check.requestSerialize, this.check.responseDeserialize, { service }, (err: ServiceError | null, response?: object) =>
        err === null ? resolve(field(response, 'status')) : reject(err),
      );
    });
  }

  watch(service: string): ClientReadableStream<object> {
    return this.client.makeServerStreamRequest(this.watchMethod.path, this.watchMethod.requestSerialize, this.watchMethod.responseDeserialize, { service });
  }

  close(): void {
    this.client.close();
  }
}

const REFLECTION_PROTO = path.resolve(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');

/** One ServerReflectionInfo exchange: sends `request`, resolves with the first response. */
export function reflect(address: string, request: object): Promise<unknown> {
  const definition = loadSync(REFLECTION_PROTO, LOAD_OPTIONS);
  const info = method(definition, 'grpc.reflection.v1.ServerReflection', 'ServerReflectionInfo');
  const client = new Client(address, credentials.createInsecure());
  return new Promise<unknown>((resolve, reject) => {
    const call = client.makeBidiStreamRequest(info.path, info.requestSerialize, info.responseDeserialize);
    call.on('data', (response: unknown) => {
      resolve(response);
      call.end();
    });
    call.on('error', reject);
    call.write(request);
  }).finally(() => client.close());
}
