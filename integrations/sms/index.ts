export type { SmsMessage, SmsReceipt, SmsSender } from './types';
export type { TwilioSmsOptions } from './options';
export { SmsError, isSmsError, type SmsErrorCode, type SmsErrorDetails } from './sms.errors';
export { createTwilioSmsSender } from './twilio.sms';
export { createFailoverSmsSender } from './failover.sms';
