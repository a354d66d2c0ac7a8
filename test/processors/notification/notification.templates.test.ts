import { formatMoney, renderNotification, templateFor, type MerchantContact } from '../../../processors/notification';
import type { WalletUpdated } from '../../../schemas';

const merchant: MerchantContact = { id: 'm1', name: 'Tom & Jerry <Ltd>', email: 'tj@example.org', phone: '+14155550100', notifyEmail: true, notifySms: true };

const topUp: WalletUpdated = {
  walletId: 'w1',
  merchantId: 'm1',
  ledgerTransactionId: 'ltx1',
  cause: 'TOP_UP',
  status: 'HELD',
  actionId: 'act1',
  orderId: null,
  amountMinor: 5_000,
  currency: 'EUR',
  balances: { postedMinor: 10_000, pendingInMinor: 5_000, pendingOutMinor: 0, availableMinor: 10_000, shadowMinor: 15_000 },
  lines: [
    { account: 'w1', amountMinor: 5_000 },
    { account: 'erp-suspense', amountMinor: -5_000 },
  ],
  reason: null,
  occurredAt: 0,
};

describe('notification templates', () => {
  it('picks a template per kind of wallet change', () => {
    expect(templateFor({ ...topUp, cause: 'SALE', status: 'HELD' })).toBe('sale-credited');
    expect(templateFor({ ...topUp, cause: 'SALE', status: 'POSTED' })).toBeUndefined();
    expect(templateFor(topUp)).toBeUndefined();
    expect(templateFor({ ...topUp, status: 'POSTED' })).toBe('action-posted');
    expect(templateFor({ ...topUp, cause: 'OPENING_BALANCE', status: 'POSTED' })).toBeUndefined();
    expect(templateFor({ ...topUp, status: 'REJECTED' })).toBe('action-rejected');
    expect(templateFor({ ...topUp, cause: 'SALE', status: 'REJECTED' })).toBe('action-rejected');
    expect(templateFor({ ...topUp, status: 'RELEASED' })).toBeUndefined();
  });

  it('renders a rejected action with its reason, the released amount and the balance', () => {
    const rejected: WalletUpdated = {
      ...topUp,
      status: 'REJECTED',
      amountMinor: -5_000,
      reason: 'ERP rejected: account closed',
      balances: { ...topUp.balances, pendingInMinor: 0, shadowMinor: 10_000 },
    };
    const out = renderNotification('action-rejected', rejected, merchant);
    expect(out.email.subject).toBe('Top-up rejected: EUR 50.00');
    expect(out.email.text).toBe(
      [
        'Hello Tom & Jerry <Ltd>,',
        '',
        'Your top-up of EUR 50.00 (action act1) was rejected: ERP rejected: account closed.',
        'The amount was released.',
        'New balance: EUR 100.00 (available to spend now: EUR 100.00).',
        '',
        'Wallet: w1',
        'Reference: ltx1',
        '',
        'paystream',
      ].join('\n'),
    );
    expect(out.email.html).toContain('Hello Tom &amp; Jerry &lt;Ltd&gt;,');
    expect(out.email.html).not.toContain('<Ltd>');
    expect(out.sms.body).toBe('paystream: top-up of EUR 50.00 rejected (ERP rejected: account closed). Balance EUR 100.00.');
  });

  it('renders a confirmed transfer from its journal line, not the unchanged shadow balance', () => {
    const posted: WalletUpdated = { ...topUp, cause: 'TRANSFER_OUT', status: 'POSTED', amountMinor: 0, lines: [{ account: 'w1', amountMinor: -1_250 }, { account: 'w2', amountMinor: 1_250 }] };
    const out = renderNotification('action-posted', posted, merchant);
    expect(out.email.subject).toBe('Transfer confirmed: EUR 12.50');
    expect(out.sms.body).toBe('paystream: transfer of EUR 12.50 confirmed (action act1). Balance EUR 150.00.');
  });

  it('formats money with the currency exponent, exactly', () => {
    expect(formatMoney(2438, 'USD')).toBe('USD 24.38');
    expect(formatMoney(-500, 'USD')).toBe('USD -5.00');
    expect(formatMoney(1200, 'JPY')).toBe('JPY 1200');
    expect(formatMoney(1, 'KWD')).toBe('KWD 0.001');
    expect(formatMoney(9_007_199_254_740_899, 'USD')).toBe('USD 90071992547408.99');
  });
});
