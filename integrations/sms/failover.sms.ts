import { createFailoverSender } from '../failover';
import type { SmsSender } from './types';

/** An SMS sender that hands a message to `secondary` when `primary` fails retryably (see `createFailoverSender`). */
export function createFailoverSmsSender(primary: SmsSender, secondary: SmsSender): SmsSender {
  return createFailoverSender(primary, secondary);
}
