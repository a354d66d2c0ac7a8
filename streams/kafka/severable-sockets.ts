import { isIP, Socket, connect as connectTcp } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { connect as connectTls } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * The sockets of one kafkajs client, so that an aborted subscription can drop them all at once, as a
 * crashed process would: no LeaveGroup, no commit. The group then keeps the member's partitions until
 * its session times out, and hands them, with whatever was not committed, to the other members.
 */
export class SeverableSockets {
  private readonly open = new Set<Socket>();
  private severed = false;

  /** For kafkajs's `socketFactory`: a plain TCP or TLS connection, refused once {@link sever} ran. */
  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    if (this.severed) {
      const refused = new Socket();
      // After the caller attached its listeners.
      process.nextTick(() => refused.destroy(abortedError()));
      return refused;
    }
    const socket = isTls(ssl)
      ? connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...ssl }, onConnect)
      : connectTcp({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  get openCount(): number {
    return this.open.size;
  }

  /** Destroys every open connection and refuses new ones. */
  sever(): void {
    this.severed = true;
    // With an error: kafkajs fails its pending requests on 'error' ('close' alone leaves them to time out).
    for (const socket of this.open) socket.destroy(abortedError());
    this.open.clear();
  }
}

function abortedError(): Error {
  return new Error('connection cut: the subscription was aborted');
}

/** kafkajs passes its `ssl` option through: `null`/`undefined` without TLS, `true` or TLS options with it. */
function isTls(ssl: ConnectionOptions | boolean | null | undefined): ssl is ConnectionOptions {
  return ssl !== null && ssl !== undefined && ssl !== false;
}
