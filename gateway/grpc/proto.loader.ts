import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MethodDefinition, PackageDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/**
 * The `.proto` files stay in the source tree (`gateway/proto`); compiled code under
 * `dist/gateway/grpc` finds them there too.
 */
export const PROTO_DIR =
  [path.resolve(__dirname, '..', 'proto'), path.resolve(__dirname, '..', '..', '..', 'gateway', 'proto')].find((dir) =>
    existsSync(path.join(dir, 'paystream', 'v1', 'order_service.proto')),
  ) ?? path.resolve(__dirname, '..', 'proto');

export const ORDER_SERVICE_NAME = 'paystream.v1.OrderService';
export const WALLET_SERVICE_NAME = 'paystream.v1.WalletService';
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

let loaded: PackageDefinition | undefined;

/**
 * One package definition for every service the gateway serves (reflection lists what it holds).
 * `longs: String`: int64 arrives as a decimal string and is parsed exactly (BigInt), never
 * through a float; `enums: String`: enum values by name; `defaults: true`: absent scalars read as
 * their zero value (but an absent proto3 `optional` field stays absent); `oneofs: true`: the set
 * member of a oneof is named.
 */
export function loadGatewayProtos(): PackageDefinition {
  // Parsed once per process: a process with many clients (the benchmark's load generator has one per
  // merchant) would otherwise parse the same files and keep a copy of the definitions per client.
  loaded ??= loadSync(
    ['order_service.proto', 'wallet_service.proto'].map((file) => path.join(PROTO_DIR, 'paystream', 'v1', file)).concat(healthProtoPath),
    {
      includeDirs: [PROTO_DIR],
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    },
  );
  return loaded;
}

/** The service `name` of `definition`; throws when the protos do not define it (a build error). */
export function serviceOf(definition: PackageDefinition, name: string): ServiceDefinition {
  const found = definition[name];
  if (found === undefined || 'format' in found) throw new Error(`the gateway protos define no service ${name}`);
  return found;
}

/** One method of a service, by its proto name (`SubmitOrder`). */
export function methodOf(service: ServiceDefinition, name: string): MethodDefinition<object, object> {
  const method = service[name];
  if (method === undefined) throw new Error(`the service defines no method ${name}`);
  return method;
}
