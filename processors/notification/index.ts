/** Email and SMS notifications to merchants about their wallet changes and balance monitors, each delivery recorded. */
export { createNotificationProcessor } from './notification.processor';
export type { NotificationOptions, NotificationProcessorDeps } from './options';
export { NOTIFICATION_DEFAULTS } from './options';
export { NotificationError, isNotificationError, type NotificationErrorCode } from './notification.errors';
export { amountOf, formatMoney, renderNotification, renderThresholdNotification, templateFor } from './notification.templates';
export { notificationId, thresholdSourceId } from './delivery-plan';
export { BALANCE_MONITOR_INBOX, detectCrossings, thresholdStateOf, type Crossing } from './balance-monitor';
export type {
  BalanceThreshold,
  MerchantContact,
  NotificationRowStatus,
  RenderedNotification,
  TemplateName,
  ThresholdState,
  ThresholdTemplate,
  WalletChange,
  WalletChangeTemplate,
} from './types';
