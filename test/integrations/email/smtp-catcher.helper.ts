import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { portOf } from '../servers.helper';

export interface CaughtMail {
  from: string | undefined;
  to: string[];
  /** The raw DATA stream: headers and body as the client sent them. */
  raw: string;
  /** `raw` with quoted-printable soft line breaks (`=` at a line end) removed, so long body lines read whole. */
  unfolded: string;
}

export interface SmtpCatcher {
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:<port>` */
  url(credentials?: { user: string; pass: string }): string;
  mails: CaughtMail[];
  logins: Array<{ username: string | undefined; password: string | undefined }>;
  /** SMTP sessions opened so far (to observe pooling). */
  connections(): number;
  close(): Promise<void>;
}

/** Replies a test wants for some recipients: `{ 'busy@x': 451 }` rejects RCPT TO busy@x with 451. */
export interface CatcherBehaviour {
  rcptReplies?: Record<string, number>;
  dataReplies?: Record<string, number>;
}

function smtpReply(code: number): Error {
  return Object.assign(new Error(`test server says ${code}`), { responseCode: code });
}

/** A real SMTP server (smtp-server) on 127.0.0.1 and a free port, plain text, auth optional. */
export async function startSmtpCatcher(behaviour: CatcherBehaviour = {}): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const logins: SmtpCatcher['logins'] = [];
  let connections = 0;
  const options: SMTPServerOptions = {
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username, password: auth.password ?? undefined });
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const code = behaviour.rcptReplies?.[address.address];
      callback(code === undefined ? null : smtpReply(code));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const code = to.map((address) => behaviour.dataReplies?.[address]).find((c) => c !== undefined);
        if (code !== undefined) {
          callback(smtpReply(code));
          return;
        }
        const from = session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address;
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ from, to, raw, unfolded: raw.replace(/=\r?\n/g, '') });
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => {
    // Clients that drop their connection (a closed pool) surface here; the tests observe the clients.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server.server.address());
  return {
    port,
    url: (credentials) =>
      credentials === undefined
        ? `smtp://127.0.0.1:${port}`
        : `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    mails,
    logins,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
