import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { EmailError, isEmailError, type EmailErrorCode } from './email.errors';
import { SMTP_DEFAULTS, type SmtpEmailOptions } from './options';
import type { ClosableEmailSender, EmailMessage, EmailReceipt } from './types';

/** The two nodemailer transporters (pooled or not) seen through what this adapter uses. */
interface MailTransport {
  sendMail(mail: Mail.Options): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * An SMTP email sender on one nodemailer transporter, made once and reused for every send (pooled by default).
 * SMTP 4xx replies, refused or dropped connections and timeouts throw retryable {@link EmailError}s;
 * 5xx replies and rejected credentials throw non-retryable ones.
 */
export function createSmtpEmailSender(options: SmtpEmailOptions): ClosableEmailSender {
  const provider = options.provider ?? SMTP_DEFAULTS.provider;
  const transport = createMailTransport(options);
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function deliver(msg: EmailMessage): Promise<EmailReceipt> {
    const mail: Mail.Options = { from: options.from, to: msg.to, subject: msg.subject, text: msg.text };
    if (msg.html !== undefined) mail.html = msg.html;
    try {
      const info = await transport.sendMail(mail);
      return { messageId: info.messageId, provider };
    } catch (err) {
      throw toEmailError(err);
    }
  }

  return {
    provider,
    async send(msg) {
      if (closed) throw new EmailError('EMAIL_SENDER_CLOSED', `email sender ${provider} is closed`);
      validateMessage(msg);
      const sending = deliver(msg);
      inFlight.add(sending);
      try {
        return await sending;
      } finally {
        inFlight.delete(sending);
      }
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inFlight]);
      transport.close();
    },
  };
}

function createMailTransport(options: SmtpEmailOptions): MailTransport {
  validateOptions(options);
  const timeoutMs = options.timeoutMs ?? SMTP_DEFAULTS.timeoutMs;
  // The URL is parsed here rather than passed as nodemailer's `url` option: given `url`, nodemailer's
  // createTransport ignores every other option (pool, timeouts) and uses only what the URL says.
  const common: SMTPTransport.Options = {
    ...connectionOf(options),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
  if (!(options.pool ?? SMTP_DEFAULTS.pool)) return createTransport(common);
  // One re-queue covers a pooled connection the server closed while it idled; further retries are the runner's.
  const pooled: SMTPPool.Options & { maxRequeues: number } = {
    ...common,
    pool: true,
    maxConnections: options.maxConnections ?? SMTP_DEFAULTS.maxConnections,
    maxRequeues: 1,
  };
  return createTransport(pooled);
}

function validateOptions(options: SmtpEmailOptions): void {
  if (options.from.trim() === '') invalidOption('from must not be empty');
  const { timeoutMs, maxConnections } = options;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) invalidOption(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (maxConnections !== undefined && !(Number.isSafeInteger(maxConnections) && maxConnections > 0)) {
    invalidOption(`maxConnections must be a positive integer, got ${maxConnections}`);
  }
}

/** Host, port, TLS mode and credentials from `smtp[s]://[user:pass@]host[:port]` (other URL parts are ignored). */
function connectionOf(options: SmtpEmailOptions): SMTPTransport.Options {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (err) {
    throw new EmailError('EMAIL_INVALID_OPTIONS', 'SMTP sender: url is not a URL', { cause: err });
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') invalidOption('url must start with smtp:// or smtps://');
  if (url.hostname === '') invalidOption('url must name a host');
  // WHATWG URL keeps IPv6 literals bracketed; sockets want them bare.
  const connection: SMTPTransport.Options = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), secure: url.protocol === 'smtps:' };
  if (url.port !== '') connection.port = Number(url.port);
  if (url.username !== '') {
    connection.auth = { user: decodeUserinfo(url.username), pass: decodeUserinfo(url.password) };
  }
  return connection;
}

function decodeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new EmailError('EMAIL_INVALID_OPTIONS', 'SMTP sender: url credentials are not validly percent-encoded', { cause: err });
  }
}

function invalidOption(message: string): never {
  throw new EmailError('EMAIL_INVALID_OPTIONS', `SMTP sender: ${message}`);
}

function validateMessage(msg: EmailMessage): void {
  if (msg.to.trim() === '') throw new EmailError('EMAIL_INVALID_MESSAGE', 'email recipient must not be empty');
  if (/[\r\n]/.test(msg.to) || /[\r\n]/.test(msg.subject)) {
    throw new EmailError('EMAIL_INVALID_MESSAGE', 'email recipient and subject must be single lines');
  }
}

/** nodemailer error codes of a connection that failed or broke. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET']);

/** Classifies a nodemailer error by its `responseCode` (the SMTP reply) and `code`, never by its text. */
function toEmailError(err: unknown): EmailError {
  if (isEmailError(err)) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const reply =
    typeof err === 'object' && err !== null && 'responseCode' in err && typeof err.responseCode === 'number'
      ? err.responseCode
      : undefined;
  const text = err instanceof Error ? err.message : String(err);
  const make = (errorCode: EmailErrorCode): EmailError =>
    new EmailError(errorCode, `SMTP send failed: ${text}`, reply === undefined ? { cause: err } : { cause: err, responseCode: reply });

  if (reply !== undefined && reply >= 400 && reply < 500) return make('EMAIL_TRANSIENT_FAILURE');
  if (code === 'EAUTH') return make('EMAIL_AUTH_FAILED');
  if (reply !== undefined && reply >= 500 && reply < 600) return make('EMAIL_PERMANENT_FAILURE');
  if (code === 'ETIMEDOUT') return make('EMAIL_TIMEOUT');
  if (code !== undefined && NETWORK_CODES.has(code)) return make('EMAIL_UNAVAILABLE');
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return make('EMAIL_INVALID_MESSAGE');
  return make('EMAIL_PROVIDER_ERROR');
}
