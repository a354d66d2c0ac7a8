import type { Logger } from 'pino';
import type { EmailSender } from '../../integrations/email';
import type { SmsSender } from '../../integrations/sms';
import type { EventCodec } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import type { PublishOutputs } from '../runtime';

export interface NotificationOptions {
  /** Most provider calls in flight at once for one batch (an integer ≥ 1). */
  maxConcurrentSends: number;
  /** How long a merchant's contact details and preferences are reused before being read again (default 30 s). */
  merchantCacheMs?: number;
  /**
   * How long a wallet found without balance thresholds is not looked up again (default 5 s): a
   * threshold set on it meanwhile takes effect within that time. Thresholds of watched wallets are
   * read, locked, in every batch.
   */
  thresholdCacheMs?: number;
}

export interface NotificationProcessorDeps {
  pool: Pool;
  /** Publishes committed outputs (`createOutputPublisher`); a rejection fails the batch. */
  publish: PublishOutputs;
  codec: EventCodec;
  logger: Logger;
  /** Absent: the channel is not configured and every email is recorded as NOT_CONFIGURED. */
  email?: EmailSender;
  /** Absent: the channel is not configured and every SMS is recorded as NOT_CONFIGURED. */
  sms?: SmsSender;
  options: NotificationOptions;
  /** Current time (tests); default `Date.now`. */
  now?: () => number;
}

export const NOTIFICATION_DEFAULTS = { merchantCacheMs: 30_000, thresholdCacheMs: 5_000, name: 'notification' } as const;
