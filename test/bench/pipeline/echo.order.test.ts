import { echoOrder } from '../../../bench/pipeline/echo.order';

describe('echoOrder', () => {
  it('answers a COMPLETED order whose total is computed from the items, int64 as strings', () => {
    const order = echoOrder(
      { idempotencyKey: 'k1', currency: 'USD', items: [{ quantity: '2', unitPriceMinor: '1250' }, { quantity: '3', unitPriceMinor: '9007199254740993' }] },
      'order-1',
      1_700_000_000_000,
    );
    expect(order).toEqual({
      orderId: 'order-1',
      status: 'ORDER_STATUS_COMPLETED',
      totalMinor: '27021597764225479',
      currency: 'USD',
      feeMinor: '0',
      netMinor: '27021597764225479',
      failureReason: '',
      createdAtMs: '1700000000000',
      completedAtMs: '1700000000000',
      idempotencyKey: 'k1',
    });
  });

  it('copes with a request missing fields', () => {
    expect(echoOrder({}, 'o', 0)).toMatchObject({ totalMinor: '0', currency: '', idempotencyKey: '' });
  });
});
