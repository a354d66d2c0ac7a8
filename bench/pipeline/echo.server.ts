/**
 * The gRPC ceiling: a server of the same proto whose SubmitOrder answers a COMPLETED order at once
 * (total computed from the items, no fee, no storage, no transport). The load generator drives it
 * exactly as it drives the gateway, so the ratio between the two is what the pipeline costs on top
 * of gRPC itself. A child process of the benchmark; reports its port over IPC.
 */
import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadGatewayProtos, ORDER_SERVICE_NAME } from '../../gateway';
import { echoOrder } from './echo.order';
import type { FromEchoServer } from './ipc.messages';

function main(): void {
  const send = (message: FromEchoServer): void => {
    process.send?.(message);
  };
  const definition = loadGatewayProtos()[ORDER_SERVICE_NAME];
  if (definition === undefined || 'format' in definition) throw new Error(`the protos define no ${ORDER_SERVICE_NAME}`);
  const implementation: UntypedServiceImplementation = {
    SubmitOrder: (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      callback(null, { order: echoOrder(call.request, randomUUID(), Date.now()), replayed: false });
    },
  };
  const server = new Server();
  // The other methods answer UNIMPLEMENTED (grpc-js's default handler).
  server.addService(definition, implementation);
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err !== null) send({ type: 'failed', message: err.message });
    else send({ type: 'listening', port });
  });
  const stop = (): void => {
    server.tryShutdown(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

main();
