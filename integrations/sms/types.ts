/**
 * The SMS port: what the notification processor sees of an SMS provider. No HTTP type crosses this file.
 */

export interface SmsMessage {
  /** E.164 phone number, e.g. `+14155550100`. */
  to: string;
  body: string;
}

/**
 * What a successful send returns. `provider` names the sender that took the message: a plain sender
 * returns its own name; a failover sender returns the name of whichever of its two senders delivered.
 */
export interface SmsReceipt {
  /** The provider's id of the message (Twilio: the `SM…` sid). */
  messageId: string;
  provider: string;
}

export interface SmsSender {
  /** Name for logs, metrics and delivery records, e.g. `twilio`. */
  readonly provider: string;
  /**
   * Hands one message to the provider.
   * @throws {SmsError} when the provider did not accept it; `retryable` says whether trying again can help.
   */
  send(msg: SmsMessage): Promise<SmsReceipt>;
}
