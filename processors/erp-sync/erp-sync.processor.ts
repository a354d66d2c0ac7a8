import type { Logger } from 'pino';
import { TOPICS, type WalletUpdated } from '../../schemas';
import { withTransaction, type Pool } from '../../storage/mysql';
import type { DecodedMessage, Processor } from '../runtime';
import { afterVoid } from './erp-record.transitions';
import { insertRecords, lockRecords, saveRecords, systemAccountNames } from './erp-records.store';
import { classifyStorageError, ErpSyncError } from './erp-sync.errors';
import { entryAmount, journalEntryOf, transactionKindOf } from './journal-payload';
import { ERP_SYNC_NAME } from './options';
import type { ErpRecord, ErpRecordState } from './types';

export interface ErpSyncProcessorDeps {
  pool: Pool;
  logger: Logger;
  /** Called after a batch recorded something to send or cancel (wakes the sender of this process). */
  onWork?: () => void;
  /** Current time, epoch ms (default `Date.now`). */
  now?: () => number;
}

interface Update {
  eventId: string;
  correlationId: string;
  event: WalletUpdated;
}

/**
 * erp-sync's consumer of `wallet.updates`. Per batch, ONE MySQL transaction over the HELD and VOIDED
 * updates (others change nothing here): insert an `erp_records` row PENDING for the first HELD update
 * of each ledger transaction (`INSERT IGNORE`: the other wallet of a transfer, or a redelivery, finds
 * it there); for VOIDED, lock the records and move them to CANCELLED (never tried) or CANCEL_PENDING
 * (the ERP may hold the entry). The sender loop does the ERP calls. No inbox: each effect is keyed by
 * the ledger transaction, and a redelivered update finds it done (the record is there; a record
 * already cancelling or cancelled is left as it is).
 */
export function createErpSyncProcessor(deps: ErpSyncProcessorDeps): Processor {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: ERP_SYNC_NAME });

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const updates = relevantUpdates(batch);
    if (updates.length === 0) return;
    let result: { inserted: number; cancelling: number; changed: number };
    try {
      const names = await systemAccountNames(deps.pool, updates.flatMap((u) => u.event.lines.map((l) => l.account)));
      result = await withTransaction(deps.pool, async (connection) => {
        const at = now();
        const newRecords = new Map<string, ErpRecord>();
        for (const update of updates) {
          const id = update.event.ledgerTransactionId;
          if (!newRecords.has(id)) newRecords.set(id, recordOf(update, names, at, update.event.status === 'HELD' ? 'PENDING' : 'CANCELLED'));
        }
        // HELD first: a batch holding both the HELD and the VOIDED update of a transaction inserts, then voids.
        const held = [...newRecords.values()].filter((r) => r.status === 'PENDING');
        const inserted = await insertRecords(connection, held);
        const voidedIds = [...new Set(updates.filter((u) => u.event.status === 'VOIDED').map((u) => u.event.ledgerTransactionId))];
        const locked = await lockRecords(connection, voidedIds);
        const changed: ErpRecordState[] = [];
        const unseen: ErpRecord[] = [];
        for (const id of voidedIds) {
          const current = locked.get(id);
          if (current === undefined) {
            // Voided before erp-sync saw it held: recorded as never to be sent. A void of an action that was
            // never decided has no ledger transaction (no lines): nothing to record.
            const record = newRecords.get(id);
            if (record !== undefined && record.request.lines.length > 0) unseen.push(record);
            continue;
          }
          const next = afterVoid(current, at);
          if (next !== null) changed.push(next);
        }
        const insertedCancelled = await insertRecords(connection, unseen);
        await saveRecords(connection, changed);
        return { inserted: inserted + insertedCancelled, cancelling: changed.filter((r) => r.status === 'CANCEL_PENDING').length, changed: changed.length };
      });
    } catch (err) {
      throw classifyStorageError(err);
    }
    if (result.inserted === 0 && result.changed === 0) {
      log.debug({ events: updates.length }, 'batch changed nothing (handled already)');
      return;
    }
    log.info({ events: updates.length, recorded: result.inserted, cancelling: result.cancelling }, 'erp-sync batch committed');
    if (result.inserted > 0 || result.cancelling > 0) deps.onWork?.();
  }

  return { name: ERP_SYNC_NAME, topics: [TOPICS.walletUpdates], handle };
}

/** HELD and VOIDED updates, each event once, in batch order; throws on an event that is not a WalletUpdated. */
function relevantUpdates(batch: readonly DecodedMessage[]): Update[] {
  const seen = new Set<string>();
  const updates: Update[] = [];
  for (const message of batch) {
    if (message.type !== 'WalletUpdated') throw new ErpSyncError('ERP_SYNC_UNEXPECTED_EVENT', `unexpected ${message.type} on ${message.topic}`);
    const eventId = message.headers.eventId;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    if (message.event.status !== 'HELD' && message.event.status !== 'VOIDED') continue;
    updates.push({ eventId, correlationId: message.headers.correlationId || message.event.ledgerTransactionId, event: message.event });
  }
  return updates;
}

function recordOf(update: Update, systemAccounts: ReadonlyMap<string, string>, at: number, status: 'PENDING' | 'CANCELLED'): ErpRecord {
  const { event } = update;
  const request = journalEntryOf(
    {
      ledgerTransactionId: event.ledgerTransactionId,
      kind: transactionKindOf(event.cause),
      orderId: event.orderId,
      actionId: event.actionId,
      currency: event.currency,
      lines: event.lines,
      occurredAt: event.occurredAt,
    },
    systemAccounts,
  );
  return {
    ledgerTransactionId: event.ledgerTransactionId,
    walletId: event.walletId,
    merchantId: event.merchantId,
    currency: event.currency,
    amountMinor: entryAmount(request),
    request,
    status,
    attempts: 0,
    nextAttemptAt: at,
    erpId: null,
    reason: null,
    lastError: null,
    answeredVia: null,
    correlationId: update.correlationId,
    causationId: update.eventId,
    createdAt: at,
    updatedAt: at,
    sentAt: null,
    answeredAt: null,
  };
}
