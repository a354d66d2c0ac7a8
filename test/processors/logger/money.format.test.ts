import { currencyExponent, formatAmount, formatMinor } from '../../../processors/logger';

describe('money formatting', () => {
  it('uses the currency exponent', () => {
    expect(formatAmount(2500, 'USD')).toBe('25.00 USD');
    expect(formatAmount(1200, 'JPY')).toBe('1200 JPY');
    expect(formatAmount(1234, 'KWD')).toBe('1.234 KWD');
    expect(currencyExponent('clf')).toBe(4);
  });

  it('pads small and negative amounts', () => {
    expect(formatMinor(5, 'USD')).toBe('0.05');
    expect(formatMinor(-5, 'USD')).toBe('-0.05');
    expect(formatMinor(0, 'EUR')).toBe('0.00');
    expect(formatMinor(-120_000, 'USD')).toBe('-1200.00');
  });

  it('stays exact near 2^53, where dividing by 100 in floating point would round', () => {
    expect(formatMinor(9_007_199_254_740_899, 'USD')).toBe('90071992547408.99');
    expect(formatMinor(9_007_199_254_740_991, 'EUR')).toBe('90071992547409.91');
  });
});
