export interface TwilioSmsOptions {
  /**
   * Base URL of a Twilio-style API with the credentials in the userinfo:
   * `https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com` (percent-encode reserved characters).
   */
  url: string;
  /** Sender number (E.164) or alphanumeric sender id. */
  from: string;
  /** Deadline of one call, response body included, in ms (default 10,000). */
  timeoutMs?: number;
  /** Name reported in receipts (default `twilio`); give two senders of one failover pair different names. */
  provider?: string;
}

export const TWILIO_DEFAULTS = { timeoutMs: 10_000, provider: 'twilio' } as const;

/** Twilio's limit on a message body, in characters. */
export const MAX_SMS_BODY_LENGTH = 1600;
