import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { SeverableSockets } from '../../../streams/kafka/severable-sockets';

/** What an aborted subscription relies on: its sockets can be cut at once, with an error kafkajs acts on. */
describe('kafka severable sockets', () => {
  let server: Server;
  let port: number;
  const accepted: Socket[] = [];
  // kafkajs hands its `ssl` setting through: null when TLS is off.
  const NO_TLS = null as unknown as ConnectionOptions;

  beforeEach(async () => {
    accepted.length = 0;
    server = createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Resolves when the socket closes, with the error it emitted first (kafkajs fails its requests on 'error'). */
  function closing(socket: Socket): Promise<Error | null> {
    return new Promise((resolve) => {
      let error: Error | null = null;
      socket.on('error', (err) => {
        error = err;
      });
      socket.on('close', () => resolve(error));
    });
  }

  function open(sockets: SeverableSockets): Promise<Socket> {
    return new Promise((resolve) => {
      const socket: Socket = sockets.factory({ host: '127.0.0.1', port, ssl: NO_TLS, onConnect: () => resolve(socket) });
    });
  }

  it('connects over plain TCP and cuts every open connection with an error', async () => {
    const sockets = new SeverableSockets();
    const first = await open(sockets);
    const second = await open(sockets);
    expect(sockets.openCount).toBe(2);
    expect(accepted).toHaveLength(2);
    const closed = [closing(first), closing(second)];

    sockets.sever();

    const errors = await Promise.all(closed);
    expect(errors.map((err) => err?.message)).toEqual(['connection cut: the subscription was aborted', 'connection cut: the subscription was aborted']);
    expect(sockets.openCount).toBe(0);
  });

  it('refuses new connections once cut, failing them after the caller attached its listeners', async () => {
    const sockets = new SeverableSockets();
    sockets.sever();
    let connected = false;
    const socket = sockets.factory({ host: '127.0.0.1', port, ssl: NO_TLS, onConnect: () => (connected = true) });
    const error = await closing(socket);
    expect(error?.message).toBe('connection cut: the subscription was aborted');
    expect(connected).toBe(false);
    expect(accepted).toHaveLength(0);
  });

  it('forgets a connection the server closed', async () => {
    const sockets = new SeverableSockets();
    const socket = await open(sockets);
    const closed = closing(socket);
    for (const peer of accepted) peer.destroy();
    await closed;
    expect(sockets.openCount).toBe(0);
  });
});
