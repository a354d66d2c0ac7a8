import { perOrder, ratesBetween } from '../../../bench/pipeline/mysql.status';

describe('MariaDB counters per order', () => {
  const from = { at: 0, values: { Questions: 1000, Com_commit: 100 } };
  const to = { at: 10_000, values: { Questions: 3200, Com_commit: 400 } };

  it('computes rates per second', () => {
    expect(ratesBetween(from, to)).toMatchObject({ Questions: 220, Com_commit: 30 });
  });

  it('takes the background rate off before dividing by the orders, never below zero', () => {
    const result = perOrder(from, to, 100, { Questions: 20, Com_commit: 50 });
    // (2200 − 20 × 10) / 100 and max(0, 300 − 500) / 100.
    expect(result.Questions).toBe(20);
    expect(result.Com_commit).toBe(0);
    expect(perOrder(from, to, 0, {})).toEqual({});
  });
});
