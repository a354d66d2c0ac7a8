/**
 * The email port: what the notification processor sees of an email provider.
 * No nodemailer type crosses this file.
 */

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * What a successful send returns. `provider` names the sender that delivered: a plain sender returns its
 * own name; a failover sender returns the name of whichever of its two senders took the message.
 */
export interface EmailReceipt {
  /** The provider's id of the message (for SMTP the Message-ID header, e.g. `<…@host>`). */
  messageId: string;
  provider: string;
}

export interface EmailSender {
  /** Name for logs, metrics and delivery records, e.g. `smtp`. */
  readonly provider: string;
  /**
   * Hands one message to the provider.
   * @throws {EmailError} when the provider did not accept it; `retryable` says whether trying again can help.
   */
  send(msg: EmailMessage): Promise<EmailReceipt>;
}

/** A sender that owns connections: `close()` waits for sends in flight, then closes them. */
export interface ClosableEmailSender extends EmailSender {
  close(): Promise<void>;
}
