import type { EventCodec, NotificationChannel, NotificationDelivered, WalletUpdated } from '../../schemas';
import { deriveId, toMessage, TOPICS } from '../../schemas';
import type { OutboxMessage } from '../../storage/outbox';
import type { DecodedMessage } from '../runtime';
import type { NewNotification, NotificationRow } from './notifications.store';
import { renderNotification, templateFor } from './notification.templates';
import type { MerchantContact, RenderedNotification, TemplateName } from './types';
import { NOTIFICATION_CHANNELS } from './types';

/** A wallet change the merchant hears about. */
export interface NotificationSource {
  eventId: string;
  correlationId: string;
  event: WalletUpdated;
  template: TemplateName;
}

/** One (event, channel) delivery: the row to record and what to send. */
export interface PlannedDelivery {
  record: NewNotification;
  source: NotificationSource;
  rendered: RenderedNotification | undefined;
}

/** What the processor knows about its channels. */
export interface ChannelSetup {
  email: boolean;
  sms: boolean;
}

/** The batch's WalletUpdated events that call for a notification, each once. */
export function notificationSources(batch: readonly DecodedMessage[]): NotificationSource[] {
  const seen = new Set<string>();
  const sources: NotificationSource[] = [];
  for (const m of batch) {
    if (m.type !== 'WalletUpdated' || seen.has(m.headers.eventId)) continue;
    seen.add(m.headers.eventId);
    const template = templateFor(m.event);
    if (template !== undefined) sources.push({ eventId: m.headers.eventId, correlationId: m.headers.correlationId, event: m.event, template });
  }
  return sources;
}

export function notificationId(sourceEventId: string, channel: NotificationChannel): string {
  return deriveId(sourceEventId, 'Notification', channel);
}

/**
 * One delivery per channel. Its first status says what can be known before any send: the merchant
 * is unknown or has no address for the channel (FAILED), opted out (OPTED_OUT), the channel has no
 * provider here (NOT_CONFIGURED); otherwise PENDING.
 */
export function planDeliveries(source: NotificationSource, merchant: MerchantContact | undefined, channels: ChannelSetup): PlannedDelivery[] {
  const rendered = merchant === undefined ? undefined : renderNotification(source.template, source.event, merchant);
  return NOTIFICATION_CHANNELS.map((channel) => {
    const recipient = merchant === undefined ? '' : channel === 'EMAIL' ? merchant.email : merchant.phone;
    const { status, lastError } = firstStatus(channel, merchant, recipient, channels, source.event.merchantId);
    return {
      source,
      rendered,
      record: {
        id: notificationId(source.eventId, channel),
        sourceEventId: source.eventId,
        channel,
        merchantId: source.event.merchantId,
        template: source.template,
        recipient,
        status,
        lastError,
      },
    };
  });
}

function firstStatus(
  channel: NotificationChannel,
  merchant: MerchantContact | undefined,
  recipient: string,
  channels: ChannelSetup,
  merchantId: string,
): Pick<NewNotification, 'status' | 'lastError'> {
  if (merchant === undefined) return { status: 'FAILED', lastError: `merchant ${merchantId} not found` };
  const wanted = channel === 'EMAIL' ? merchant.notifyEmail : merchant.notifySms;
  if (!wanted) return { status: 'OPTED_OUT', lastError: null };
  const configured = channel === 'EMAIL' ? channels.email : channels.sms;
  if (!configured) return { status: 'NOT_CONFIGURED', lastError: null };
  if (recipient.trim() === '') return { status: 'FAILED', lastError: `merchant has no ${channel === 'EMAIL' ? 'email address' : 'phone number'}` };
  return { status: 'PENDING', lastError: null };
}

/**
 * NotificationDelivered for a row in a final state. The event's status enum has no OPTED_OUT:
 * an opted-out channel is reported NOT_CONFIGURED with provider `opted-out` (the row keeps OPTED_OUT).
 */
export function deliveredMessage(codec: EventCodec, row: NotificationRow, correlationId: string): OutboxMessage {
  const event: NotificationDelivered = {
    notificationId: row.id,
    merchantId: row.merchantId,
    sourceEventId: row.sourceEventId,
    channel: row.channel,
    status: row.status === 'SENT' ? 'SENT' : row.status === 'FAILED' ? 'FAILED' : 'NOT_CONFIGURED',
    provider: row.provider ?? (row.status === 'OPTED_OUT' ? 'opted-out' : 'none'),
    providerMessageId: row.providerMessageId,
    attempts: row.attempts,
    deliveredAt: row.updatedAt.getTime(),
  };
  const message = toMessage(codec, {
    type: 'NotificationDelivered',
    event,
    eventId: deriveId(row.sourceEventId, 'NotificationDelivered', row.channel),
    key: row.merchantId,
    correlationId,
    causationId: row.sourceEventId,
    producedAt: row.updatedAt,
  });
  return { ...message, topic: TOPICS.notificationsSent };
}
