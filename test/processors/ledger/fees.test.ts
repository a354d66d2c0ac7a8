import { isLedgerError, platformFeeMinor, splitSale } from '../../../processors/ledger';

describe('platform fee: amount × feeBps / 10,000, rounded half up to the minor unit', () => {
  it.each([
    // [amount, bps, exact fee, expected]
    [1_001, 250, '25.025', 25],
    [1_002, 250, '25.05', 25],
    [1_019, 250, '25.475', 25],
    [1_020, 250, '25.5', 26],
    [20, 250, '0.5', 1],
    [19, 250, '0.475', 0],
    [100, 250, '2.5', 3],
    [60, 250, '1.5', 2],
    [1, 5_000, '0.5', 1],
    [3, 5_000, '1.5', 2],
    [10_000, 250, '250', 250],
    [12_345, 0, '0', 0],
    [12_345, 10_000, '12345', 12_345],
  ])('%i at %i bps (exactly %s) → %i', (amount, bps, _exact, expected) => {
    expect(platformFeeMinor(amount, bps)).toBe(expected);
  });

  it('stays exact where amount × bps is beyond 2^53', () => {
    // 9,007,199,254,740,991 × 250 / 10,000 = 225,179,981,368,524.775 → …525
    expect(platformFeeMinor(Number.MAX_SAFE_INTEGER, 250)).toBe(225_179_981_368_525);
    // 9,007,199,254,740,990 × 5,000 / 10,000 = 4,503,599,627,370,495 exactly
    expect(platformFeeMinor(Number.MAX_SAFE_INTEGER - 1, 5_000)).toBe(4_503_599_627_370_495);
  });

  it('splits a sale so that fee + net = amount', () => {
    expect(splitSale(1_001, 250)).toEqual({ feeMinor: 25, netMinor: 976 });
    expect(splitSale(20, 250)).toEqual({ feeMinor: 1, netMinor: 19 });
  });

  it('rejects amounts and rates that are not integers in range', () => {
    for (const [amount, bps] of [
      [10.5, 250],
      [-1, 250],
      [100, 250.5],
      [100, -1],
      [100, 10_001],
    ] as const) {
      let caught: unknown;
      try {
        platformFeeMinor(amount, bps);
      } catch (err) {
        caught = err;
      }
      expect(isLedgerError(caught) && caught.retryable === false).toBe(true);
    }
  });
});
