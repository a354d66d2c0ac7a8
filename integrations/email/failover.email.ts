import { createFailoverSender } from '../failover';
import type { EmailSender } from './types';

/** An email sender that hands a message to `secondary` when `primary` fails retryably (see `createFailoverSender`). */
export function createFailoverEmailSender(primary: EmailSender, secondary: EmailSender): EmailSender {
  return createFailoverSender(primary, secondary);
}
