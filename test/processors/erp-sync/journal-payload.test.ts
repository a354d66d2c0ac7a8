import { journalEntryOf, transactionKindOf } from '../../../processors/erp-sync';

describe('journal entry of a ledger transaction', () => {
  it('makes a debit line of each negative entry and a credit line of each positive one, naming system accounts by code', () => {
    const entry = journalEntryOf(
      {
        ledgerTransactionId: 'tx-1',
        kind: 'SALE',
        orderId: 'order-1',
        actionId: null,
        currency: 'EUR',
        lines: [
          { account: 'psp-id', amountMinor: -10_000 },
          { account: 'wallet-id', amountMinor: 9_750 },
          { account: 'revenue-id', amountMinor: 250 },
          { account: 'nothing', amountMinor: 0 },
        ],
        occurredAt: 1_732_230_000_000,
      },
      new Map([
        ['psp-id', 'psp_clearing:EUR'],
        ['revenue-id', 'platform_revenue:EUR'],
      ]),
    );
    expect(entry).toEqual({
      externalId: 'tx-1',
      memo: 'paystream SALE tx-1 order order-1',
      currency: 'EUR',
      lines: [
        { account: 'psp_clearing:EUR', debitMinor: 10_000, creditMinor: 0 },
        { account: 'wallet-id', debitMinor: 0, creditMinor: 9_750 },
        { account: 'platform_revenue:EUR', debitMinor: 0, creditMinor: 250 },
      ],
      occurredAt: 1_732_230_000_000,
    });
  });

  it('names both sides of a transfer as one TRANSFER, so either wallet builds the same entry', () => {
    expect(transactionKindOf('TRANSFER_IN')).toBe('TRANSFER');
    expect(transactionKindOf('TRANSFER_OUT')).toBe('TRANSFER');
    expect(transactionKindOf('TOP_UP')).toBe('TOP_UP');
  });
});
