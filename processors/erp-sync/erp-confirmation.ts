import { deriveId, TOPICS, toMessage, type EventCodec } from '../../schemas';
import type { OutboxMessage } from '../../storage/outbox';
import type { ErpAnswer, ErpRecordState } from './types';

/**
 * The id of the ErpConfirmation of a ledger transaction, whichever path learned the answer (webhook,
 * poll, reconciliation): one id per transaction, so a second answer is a duplicate the ledger's inbox
 * drops. The ledger settles a transaction once; nothing needs a second confirmation of it.
 */
export function erpConfirmationId(ledgerTransactionId: string): string {
  return deriveId(ledgerTransactionId, 'ErpConfirmation');
}

/**
 * The ErpConfirmation of `record` as an outbox message on `erp.confirmations`, keyed by the record's
 * wallet (for a transfer: the wallet of the first HELD update erp-sync saw; the ledger settles the whole
 * transaction on one confirmation, so either wallet's key is right).
 */
export function erpConfirmationMessage(codec: EventCodec, record: ErpRecordState, answer: ErpAnswer, producedAt: number): OutboxMessage {
  const eventId = erpConfirmationId(record.ledgerTransactionId);
  return {
    ...toMessage(codec, {
      type: 'ErpConfirmation',
      eventId,
      key: record.walletId,
      correlationId: record.correlationId,
      causationId: record.causationId,
      producedAt: new Date(producedAt),
      event: {
        ledgerTransactionId: record.ledgerTransactionId,
        walletId: record.walletId,
        erpRecordId: answer.erpId ?? record.erpId,
        outcome: answer.outcome,
        reason: answer.reason,
        source: answer.source,
        confirmedAt: answer.at,
      },
    }),
    topic: TOPICS.erpConfirmations,
  };
}
