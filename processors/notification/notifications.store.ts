import type { NotificationChannel } from '../../schemas';
import type { PoolConnection, SqlWriter } from '../../storage/mysql';
import { date, num, rowsOf, str, strOrNull } from '../../storage/mysql';
import type { NotificationRowStatus, TemplateName } from './types';

/** A delivery to record: PENDING to send, or already final (not configured, opted out, impossible). */
export interface NewNotification {
  id: string;
  sourceEventId: string;
  channel: NotificationChannel;
  merchantId: string;
  template: TemplateName;
  recipient: string;
  status: 'PENDING' | 'NOT_CONFIGURED' | 'OPTED_OUT' | 'FAILED';
  lastError: string | null;
}

/** A `notifications` row. */
export interface NotificationRow {
  id: string;
  sourceEventId: string;
  channel: NotificationChannel;
  merchantId: string;
  template: string;
  recipient: string;
  status: NotificationRowStatus;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The result of an attempt (or of finding one interrupted) for a row left SENDING. */
export interface Outcome {
  row: NotificationRow;
  /** PENDING: a transient failure, to be sent again. */
  status: 'SENT' | 'FAILED' | 'NOT_CONFIGURED' | 'PENDING';
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
}

const COLUMNS =
  'id, source_event_id, channel, merchant_id, template, recipient, status, attempts, provider, provider_message_id, last_error, created_at, updated_at';

/** Ids among `ids` that already have a row (a plain read: no gap locks against other partitions' batches). */
export async function existingNotificationIds(connection: PoolConnection, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const [result] = await connection.query('SELECT id FROM notifications WHERE id IN (?)', [ids]);
  return new Set(rowsOf(result).map((r) => str(r, 'id')));
}

/**
 * One multi-row insert that ignores a (source event, channel) already recorded. Written as
 * `ON DUPLICATE KEY UPDATE id = id` rather than `INSERT IGNORE`: a duplicate then takes an exclusive
 * row lock, not a shared one, so two transactions handling the same event (a redelivery racing a
 * slow consumer) queue on the row instead of deadlocking when both upgrade to lock it for update.
 * Rows go in id order, so those transactions take their locks in the same order.
 */
export async function insertNotifications(connection: PoolConnection, rows: readonly NewNotification[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await connection.query(
    `INSERT INTO notifications
       (id, source_event_id, channel, merchant_id, template, recipient, status, attempts, last_error, created_at, updated_at)
     VALUES ?
     ON DUPLICATE KEY UPDATE id = id`,
    [sorted.map((r) => [r.id, r.sourceEventId, r.channel, r.merchantId, r.template, cut(r.recipient, 254), r.status, 0, cutOrNull(r.lastError), now, now])],
  );
}

/** The rows of `ids`, locked until the transaction ends. */
export async function lockNotifications(connection: PoolConnection, ids: readonly string[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  const [result] = await connection.query(`SELECT ${COLUMNS} FROM notifications WHERE id IN (?) ORDER BY id FOR UPDATE`, [ids]);
  return rowsOf(result).map((r) => ({
    id: str(r, 'id'),
    sourceEventId: str(r, 'source_event_id'),
    channel: channelOf(str(r, 'channel')),
    merchantId: str(r, 'merchant_id'),
    template: str(r, 'template'),
    recipient: str(r, 'recipient'),
    status: statusOf(str(r, 'status')),
    attempts: num(r, 'attempts'),
    provider: strOrNull(r, 'provider'),
    providerMessageId: strOrNull(r, 'provider_message_id'),
    lastError: strOrNull(r, 'last_error'),
    createdAt: date(r, 'created_at'),
    updatedAt: date(r, 'updated_at'),
  }));
}

/** PENDING → SENDING with one more attempt, before any provider is called. */
export async function markSending(connection: SqlWriter, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await connection.query("UPDATE notifications SET status = 'SENDING', attempts = attempts + 1, updated_at = ? WHERE id IN (?) AND status = 'PENDING'", [
    now,
    ids,
  ]);
}

/**
 * Records outcomes of rows left SENDING, in one multi-row upsert of existing rows. Only a row still
 * SENDING takes its outcome (`status` is assigned last: MySQL applies the assignments in order). A success
 * keeps the error of an earlier failed attempt, so the record says why it took more than one.
 */
export async function recordOutcomes(connection: SqlWriter, outcomes: readonly Outcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const sending = "status = 'SENDING'";
  await connection.query(
    `INSERT INTO notifications (${COLUMNS})
     VALUES ?
     ON DUPLICATE KEY UPDATE
       provider = IF(${sending}, VALUES(provider), provider),
       provider_message_id = IF(${sending}, VALUES(provider_message_id), provider_message_id),
       last_error = IF(${sending}, COALESCE(VALUES(last_error), last_error), last_error),
       updated_at = IF(${sending}, VALUES(updated_at), updated_at),
       status = IF(${sending}, VALUES(status), status)`,
    [
      outcomes.map((o) => [
        o.row.id,
        o.row.sourceEventId,
        o.row.channel,
        o.row.merchantId,
        o.row.template,
        o.row.recipient,
        o.status,
        o.row.attempts,
        o.provider === null ? null : cut(o.provider, 64),
        o.providerMessageId === null ? null : cut(o.providerMessageId, 255),
        cutOrNull(o.lastError),
        o.row.createdAt,
        now,
      ]),
    ],
  );
}

const STATUSES: readonly NotificationRowStatus[] = ['PENDING', 'SENDING', 'SENT', 'FAILED', 'NOT_CONFIGURED', 'OPTED_OUT'];

function statusOf(value: string): NotificationRowStatus {
  const status = STATUSES.find((s) => s === value);
  if (status === undefined) throw new TypeError(`unknown notification status ${value}`);
  return status;
}

function channelOf(value: string): NotificationChannel {
  if (value === 'EMAIL' || value === 'SMS') return value;
  throw new TypeError(`unknown notification channel ${value}`);
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max);
}

function cutOrNull(value: string | null): string | null {
  return value === null ? null : cut(value, 1000);
}
