/** Builders of the ledger's input events, shaped as the upstream stages publish them. */
import { randomUUID } from 'node:crypto';
import { deriveId, type EventEnvelope } from '../../../schemas';

export function paymentCompleted(merchantId: string, amountMinor: number, currency = 'EUR', orderId: string = randomUUID()): EventEnvelope<'PaymentCompleted'> {
  const submittedId = deriveId(orderId, 'OrderSubmitted');
  return {
    type: 'PaymentCompleted',
    eventId: deriveId(submittedId, 'PaymentCompleted'),
    key: merchantId,
    correlationId: orderId,
    causationId: submittedId,
    event: {
      orderId,
      merchantId,
      paymentId: `pay_${orderId.slice(0, 8)}`,
      pspReference: `sim_${orderId.slice(0, 8)}`,
      amountMinor,
      currency,
      capturedAt: 1_732_230_000_000,
    },
  };
}

export function paymentFailed(merchantId: string, amountMinor: number, reason = 'Insufficient funds', currency = 'EUR'): EventEnvelope<'PaymentFailed'> {
  const orderId = randomUUID();
  const submittedId = deriveId(orderId, 'OrderSubmitted');
  return {
    type: 'PaymentFailed',
    eventId: deriveId(submittedId, 'PaymentFailed'),
    key: merchantId,
    correlationId: orderId,
    causationId: submittedId,
    event: { orderId, merchantId, amountMinor, currency, reasonCode: 'INSUFFICIENT_FUNDS', reason, failedAt: 1_732_230_000_000 },
  };
}

export function erpConfirmation(
  ledgerTransactionId: string,
  walletId: string,
  outcome: 'CONFIRMED' | 'REJECTED',
  reason: string | null = null,
): EventEnvelope<'ErpConfirmation'> {
  const eventId = randomUUID();
  return {
    type: 'ErpConfirmation',
    eventId,
    key: walletId,
    correlationId: ledgerTransactionId,
    causationId: eventId,
    event: {
      ledgerTransactionId,
      walletId,
      erpRecordId: `erp_${ledgerTransactionId.slice(0, 8)}`,
      outcome,
      reason,
      source: 'WEBHOOK',
      confirmedAt: 1_732_230_005_000,
    },
  };
}
