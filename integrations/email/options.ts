export interface SmtpEmailOptions {
  /** `smtp://user:pass@host:port` (or `smtps://` for implicit TLS); credentials are optional. */
  url: string;
  /** Sender address, e.g. `Paystream <no-reply@paystream.example>`. */
  from: string;
  /** Keep a pool of open connections for all sends (default true); false opens one connection per message. */
  pool?: boolean;
  /** Most pooled connections at once (default 5). */
  maxConnections?: number;
  /** Deadline for connecting, for the greeting and for each reply, in ms (default 15,000). */
  timeoutMs?: number;
  /** Name reported in receipts (default `smtp`); give two SMTP senders of one failover pair different names. */
  provider?: string;
}

export const SMTP_DEFAULTS = { pool: true, maxConnections: 5, timeoutMs: 15_000, provider: 'smtp' } as const;
