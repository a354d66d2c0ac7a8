import type { EventCodec, NotificationChannel, NotificationDelivered, WalletUpdated } from '../../schemas';
import { deriveId, toMessage, TOPICS } from '../../schemas';
import type { OutboxMessage } from '../../storage/outbox';
import type { DecodedMessage } from '../runtime';
import type { NewNotification, NotificationRow } from './notifications.store';
import { amountOf, renderNotification, renderThresholdNotification, templateFor } from './notification.templates';
import type { BalanceThreshold, MerchantContact, RenderedNotification, ThresholdTemplate, WalletChange, WalletChangeTemplate } from './types';
import { NOTIFICATION_CHANNELS } from './types';

/** What a notification is about, and so how it is rendered. */
export type NotificationSubject =
  | { kind: 'wallet-change'; template: WalletChangeTemplate }
  | { kind: 'balance-threshold'; template: ThresholdTemplate; threshold: BalanceThreshold };

/** Something the merchant hears about, by email and SMS. */
export interface NotificationSource {
  /**
   * `notifications.source_event_id` (and NotificationDelivered's `sourceEventId`): the WalletUpdated's
   * event id for a wallet change; {@link thresholdSourceId} for a balance monitor's alert, so that a
   * change that is also a crossing gets both, each at most once per channel.
   */
  sourceId: string;
  /** The WalletUpdated it comes from: the causation of NotificationDelivered. */
  eventId: string;
  correlationId: string;
  event: WalletUpdated;
  /** Who is told: the wallet's merchant (`event.merchantId`), or the merchant who set the threshold. */
  merchantId: string;
  subject: NotificationSubject;
  /** The amount to quote (see {@link quotedAmount}); null while unknown. */
  amountMinor: number | null;
}

/** One (source, channel) delivery: the row to record and what to send. */
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

/** The batch's WalletUpdated events, each once, in batch order (a wallet's events arrive in order). */
export function walletChanges(batch: readonly DecodedMessage[]): WalletChange[] {
  const seen = new Set<string>();
  const changes: WalletChange[] = [];
  for (const m of batch) {
    if (m.type !== 'WalletUpdated' || seen.has(m.headers.eventId)) continue;
    seen.add(m.headers.eventId);
    changes.push({ eventId: m.headers.eventId, correlationId: m.headers.correlationId, event: m.event });
  }
  return changes;
}

/**
 * The changes that call for a notification of their own (see `templateFor`). The recipient is the
 * event's merchant, the owner of its wallet: a transfer's two WalletUpdated events (TRANSFER_OUT,
 * TRANSFER_IN) notify each wallet's owner separately, twice the same merchant when they own both.
 */
export function changeSources(changes: readonly WalletChange[]): NotificationSource[] {
  const sources: NotificationSource[] = [];
  for (const c of changes) {
    const template = templateFor(c.event);
    if (template !== undefined) {
      sources.push({ ...c, sourceId: c.eventId, merchantId: c.event.merchantId, subject: { kind: 'wallet-change', template }, amountMinor: quotedAmount(c.event) });
    }
  }
  return sources;
}

/** The source id of the alert of `thresholdId` raised by the WalletUpdated `eventId`. */
export function thresholdSourceId(eventId: string, thresholdId: string): string {
  return deriveId(eventId, 'BalanceThresholdCrossed', thresholdId);
}

/** A balance monitor's alert: `change` moved the wallet's balance into `threshold`'s alerting state. */
export function thresholdSource(change: WalletChange, threshold: BalanceThreshold): NotificationSource {
  return {
    ...change,
    sourceId: thresholdSourceId(change.eventId, threshold.id),
    merchantId: threshold.merchantId,
    subject: { kind: 'balance-threshold', template: threshold.direction === 'BELOW' ? 'balance-below' : 'balance-above', threshold },
    amountMinor: quotedAmount(change.event),
  };
}

/**
 * The amount a notification quotes: what the change moved on the wallet (`amountOf`). An action
 * rejected at request moved nothing and its event carries no amount (0, no lines): null, to be
 * filled with the amount the action asked for (`wallet_actions`) when it can be found.
 */
export function quotedAmount(event: WalletUpdated): number | null {
  const amount = amountOf(event);
  return amount === 0 && event.actionId !== null ? null : amount;
}

/** `sources` with the unknown amounts filled from `requested` (by action id) where it has them. */
export function withRequestedAmounts(sources: readonly NotificationSource[], requested: ReadonlyMap<string, number>): NotificationSource[] {
  return sources.map((s) => {
    const amount = s.amountMinor === null && s.event.actionId !== null ? requested.get(s.event.actionId) : undefined;
    return amount === undefined ? s : { ...s, amountMinor: amount };
  });
}

export function notificationId(sourceId: string, channel: NotificationChannel): string {
  return deriveId(sourceId, 'Notification', channel);
}

/**
 * One delivery per channel. Its first status says what can be known before any send: the merchant
 * is unknown or has no address for the channel (FAILED), opted out (OPTED_OUT), the channel has no
 * provider here (NOT_CONFIGURED); otherwise PENDING.
 */
export function planDeliveries(source: NotificationSource, merchant: MerchantContact | undefined, channels: ChannelSetup): PlannedDelivery[] {
  const rendered = merchant === undefined ? undefined : render(source, merchant);
  return NOTIFICATION_CHANNELS.map((channel) => {
    const recipient = merchant === undefined ? '' : channel === 'EMAIL' ? merchant.email : merchant.phone;
    const { status, lastError } = firstStatus(channel, merchant, recipient, channels, source.merchantId);
    return {
      source,
      rendered,
      record: {
        id: notificationId(source.sourceId, channel),
        sourceEventId: source.sourceId,
        channel,
        merchantId: source.merchantId,
        template: source.subject.template,
        recipient,
        status,
        lastError,
      },
    };
  });
}

function render(source: NotificationSource, merchant: MerchantContact): RenderedNotification {
  const { subject } = source;
  return subject.kind === 'wallet-change'
    ? renderNotification(subject.template, source.event, merchant, source.amountMinor)
    : renderThresholdNotification(subject.threshold, source.event, merchant, source.amountMinor);
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
 * NotificationDelivered for a row in a final state, keyed by the recipient merchant; its event id is
 * derived from the row's source id and channel, its causation is the WalletUpdated (`source`; the row's
 * source id when unknown). The event's status enum has no OPTED_OUT: an opted-out channel is reported
 * NOT_CONFIGURED with provider `opted-out` (the row keeps OPTED_OUT).
 */
export function deliveredMessage(codec: EventCodec, row: NotificationRow, source: Pick<NotificationSource, 'eventId' | 'correlationId'> | undefined): OutboxMessage {
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
    correlationId: source?.correlationId ?? row.sourceEventId,
    causationId: source?.eventId ?? row.sourceEventId,
    producedAt: row.updatedAt,
  });
  return { ...message, topic: TOPICS.notificationsSent };
}
