/** Email and SMS notifications to merchants about their wallet changes, each delivery recorded. */
export { createNotificationProcessor } from './notification.processor';
export type { NotificationOptions, NotificationProcessorDeps } from './options';
export { NOTIFICATION_DEFAULTS } from './options';
export { NotificationError, isNotificationError, type NotificationErrorCode } from './notification.errors';
export { amountOf, formatMoney, renderNotification, templateFor } from './notification.templates';
export { notificationId } from './delivery-plan';
export type { MerchantContact, NotificationRowStatus, RenderedNotification, TemplateName } from './types';
