import type { NotificationChannel, WalletUpdated } from '../../schemas';

/** What notifications need of a merchant (`merchants` row). */
export interface MerchantContact {
  id: string;
  name: string;
  email: string;
  phone: string;
  notifyEmail: boolean;
  notifySms: boolean;
}

/** The templates of wallet changes a merchant hears about, one per kind of change. */
export type WalletChangeTemplate = 'sale-credited' | 'action-posted' | 'action-rejected';

/** The templates of balance monitors: the balance went below / reached or rose above a threshold. */
export type ThresholdTemplate = 'balance-below' | 'balance-above';

/** Every template (`notifications.template`). */
export type TemplateName = WalletChangeTemplate | ThresholdTemplate;

/**
 * Which side of a threshold a balance is on: `ABOVE` when balance ≥ threshold, else `BELOW`.
 * A threshold's direction is the state it alerts on.
 */
export type ThresholdState = 'ABOVE' | 'BELOW';

/** A balance monitor a merchant set on a wallet (`balance_thresholds` row). */
export interface BalanceThreshold {
  id: string;
  walletId: string;
  merchantId: string;
  /** Compared with the wallet's shadow balance, in the wallet's currency's minor units. */
  thresholdMinor: number;
  direction: ThresholdState;
  /** The state last observed; null until the first wallet change after the threshold was set. */
  lastState: ThresholdState | null;
}

/** A rendered notification: the email and the SMS of one event (recipients are added per channel). */
export interface RenderedNotification {
  template: TemplateName;
  email: { subject: string; text: string; html: string };
  sms: { body: string };
}

/** `notifications.status`: PENDING and SENDING are transient, the others final. */
export type NotificationRowStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'NOT_CONFIGURED' | 'OPTED_OUT';

export const NOTIFICATION_CHANNELS: readonly NotificationChannel[] = ['EMAIL', 'SMS'];

/** A WalletUpdated of the batch with the envelope fields notifications need. */
export interface WalletChange {
  eventId: string;
  correlationId: string;
  event: WalletUpdated;
}
