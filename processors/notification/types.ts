import type { NotificationChannel } from '../../schemas';

/** What notifications need of a merchant (`merchants` row). */
export interface MerchantContact {
  id: string;
  name: string;
  email: string;
  phone: string;
  notifyEmail: boolean;
  notifySms: boolean;
}

/** The templates, one per kind of wallet change a merchant hears about. */
export type TemplateName = 'sale-credited' | 'action-posted' | 'action-rejected';

/** A rendered notification: the email and the SMS of one event (recipients are added per channel). */
export interface RenderedNotification {
  template: TemplateName;
  email: { subject: string; text: string; html: string };
  sms: { body: string };
}

/** `notifications.status`: PENDING and SENDING are transient, the others final. */
export type NotificationRowStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'NOT_CONFIGURED' | 'OPTED_OUT';

export const NOTIFICATION_CHANNELS: readonly NotificationChannel[] = ['EMAIL', 'SMS'];
