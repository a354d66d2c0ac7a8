import type { ErpRecord } from '../../../processors/erp-sync';

/** The time the fixture's records are stamped around (epoch ms). */
export const RECORD_TIME = 1_732_230_000_000;

/** A PENDING record never sent, created 10 s before {@link RECORD_TIME}; `overrides` replace fields. */
export function erpRecord(overrides: Partial<ErpRecord> = {}): ErpRecord {
  const T = RECORD_TIME;
  return {
    ledgerTransactionId: 'tx-1',
    walletId: 'w-1',
    merchantId: 'm-1',
    currency: 'EUR',
    amountMinor: 1_000,
    request: { externalId: 'tx-1', memo: 'm', currency: 'EUR', lines: [], occurredAt: T - 10_000 },
    status: 'PENDING',
    attempts: 0,
    nextAttemptAt: T - 1,
    erpId: null,
    reason: null,
    lastError: null,
    answeredVia: null,
    correlationId: 'order-1',
    causationId: 'ev-1',
    createdAt: T - 10_000,
    updatedAt: T - 10_000,
    sentAt: null,
    answeredAt: null,
    ...overrides,
  };
}
