import {
  amountOf,
  formatMoney,
  renderNotification,
  renderThresholdNotification,
  templateFor,
  type BalanceThreshold,
  type MerchantContact,
} from '../../../processors/notification';
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

describe('balance monitor and amount-less templates', () => {
  const below: BalanceThreshold = { id: 't1', walletId: 'w1', merchantId: 'm1', thresholdMinor: 2_000, direction: 'BELOW', lastState: 'ABOVE' };
  const usage: WalletUpdated = {
    ...topUp,
    cause: 'USAGE',
    amountMinor: -9_000,
    balances: { postedMinor: 10_000, pendingInMinor: 0, pendingOutMinor: 9_000, availableMinor: 1_000, shadowMinor: 1_000 },
    lines: [
      { account: 'w1', amountMinor: -9_000 },
      { account: 'usage', amountMinor: 9_000 },
    ],
  };

  it('renders a balance that went below a threshold', () => {
    const out = renderThresholdNotification(below, usage, merchant);
    expect(out.template).toBe('balance-below');
    expect(out.email.subject).toBe('Balance below EUR 20.00: EUR 10.00');
    expect(out.email.text.split('\n').slice(2, 5)).toEqual([
      'Your wallet balance is EUR 10.00, below the alert threshold of EUR 20.00 you set.',
      'Last change: usage charge of EUR 90.00 (action act1), pending confirmation.',
      'Available to spend now: EUR 10.00.',
    ]);
    expect(out.sms.body).toBe('paystream: balance EUR 10.00 is below your alert threshold of EUR 20.00 (wallet w1).');
  });

  it('renders a balance that reached a threshold', () => {
    const out = renderThresholdNotification({ ...below, direction: 'ABOVE', thresholdMinor: 15_000 }, topUp, merchant);
    expect(out.template).toBe('balance-above');
    expect(out.email.subject).toBe('Balance reached EUR 150.00: EUR 150.00');
    expect(out.email.text).toContain('Your wallet balance is EUR 150.00, at or above the alert threshold of EUR 150.00 you set.');
    expect(out.sms.body).toBe('paystream: balance EUR 150.00 reached your alert threshold of EUR 150.00 (wallet w1).');
  });

  it('names an action rejected at request with the amount given, or without one', () => {
    const rejected: WalletUpdated = { ...usage, status: 'REJECTED', amountMinor: 0, lines: [], reason: 'INSUFFICIENT_FUNDS: available 500 < 700', balances: topUp.balances };
    expect(amountOf(rejected)).toBe(0);
    const known = renderNotification('action-rejected', rejected, merchant, 700);
    expect(known.email.subject).toBe('Usage charge rejected: EUR 7.00');
    expect(known.email.text).toContain('Your usage charge of EUR 7.00 (action act1) was rejected: INSUFFICIENT_FUNDS: available 500 < 700.\nYour balance did not change.');
    expect(known.sms.body).toBe('paystream: usage charge of EUR 7.00 rejected (INSUFFICIENT_FUNDS: available 500 < 700). Balance EUR 150.00.');
    const unknown = renderNotification('action-rejected', rejected, merchant, null);
    expect(unknown.email.subject).toBe('Usage charge rejected');
    expect(unknown.sms.body).toBe('paystream: usage charge rejected (INSUFFICIENT_FUNDS: available 500 < 700). Balance EUR 150.00.');
  });
});
