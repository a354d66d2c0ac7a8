export type { EmailMessage, EmailReceipt, EmailSender, ClosableEmailSender } from './types';
export type { SmtpEmailOptions } from './options';
export { EmailError, isEmailError, type EmailErrorCode, type EmailErrorDetails } from './email.errors';
export { createSmtpEmailSender } from './smtp.email';
export { createFailoverEmailSender } from './failover.email';
