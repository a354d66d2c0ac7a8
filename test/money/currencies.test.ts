import { CURRENCY_EXPONENTS, isCurrencyCode, minorUnitExponent, parseInt64, toSafeMinor } from '../../money';

describe('currencies', () => {
  it('knows active codes with their minor-unit exponents', () => {
    expect(minorUnitExponent('USD')).toBe(2);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('KRW')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
    expect(minorUnitExponent('CLF')).toBe(4);
    expect(isCurrencyCode('GBP')).toBe(true);
  });

  it('rejects unknown, withdrawn, lower-case and unit-less codes', () => {
    for (const code of ['XYZ', 'usd', 'HRK', 'XAU', 'XXX', '', 'USDT']) expect(isCurrencyCode(code)).toBe(false);
    expect(minorUnitExponent('HRK')).toBeUndefined();
  });

  it('holds only three-letter upper-case codes with exponents 0-4', () => {
    expect(CURRENCY_EXPONENTS.size).toBeGreaterThan(150);
    for (const [code, exponent] of CURRENCY_EXPONENTS) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(exponent);
    }
  });
});

describe('int64 parsing', () => {
  it('reads decimal strings, bigints and safe integers exactly', () => {
    expect(parseInt64('9007199254740993')).toBe(9007199254740993n);
    expect(parseInt64('-5')).toBe(-5n);
    expect(parseInt64(42)).toBe(42n);
    expect(parseInt64(7n)).toBe(7n);
  });

  it('refuses anything else', () => {
    for (const value of ['1.5', '1e3', '', ' 1', 1.5, Number.MAX_SAFE_INTEGER + 2, null, undefined, {}, '9223372036854775808']) {
      expect(parseInt64(value)).toBeUndefined();
    }
    expect(parseInt64('9223372036854775807')).toBe(2n ** 63n - 1n);
  });

  it('converts to a number only up to 2^53 - 1', () => {
    expect(toSafeMinor(9007199254740991n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeMinor(9007199254740992n)).toBeUndefined();
    expect(toSafeMinor(-9007199254740992n)).toBeUndefined();
  });
});
