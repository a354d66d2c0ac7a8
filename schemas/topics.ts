import type { EventType } from './events';

/** The topic table of design.md §3: logical names; each transport maps them. */
export const TOPICS = {
  ordersSubmitted: 'orders.submitted',
  paymentsCompleted: 'payments.completed',
  balanceActions: 'balance.actions',
  walletUpdates: 'wallet.updates',
  erpConfirmations: 'erp.confirmations',
  ordersCompleted: 'orders.completed',
  notificationsSent: 'notifications.sent',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

/** Which events each topic carries. */
export const TOPIC_EVENTS: Readonly<Record<Topic, readonly EventType[]>> = {
  'orders.submitted': ['OrderSubmitted'],
  'payments.completed': ['PaymentCompleted', 'PaymentFailed'],
  'balance.actions': ['BalanceActionRequested'],
  'wallet.updates': ['WalletUpdated'],
  'erp.confirmations': ['ErpConfirmation'],
  'orders.completed': ['OrderCompleted'],
  'notifications.sent': ['NotificationDelivered'],
};
