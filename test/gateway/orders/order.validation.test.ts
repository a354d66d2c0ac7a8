import { ValidationError, validateSubmitOrder } from '../../../gateway';
import type { Mutation } from './submit-order.cases';
import { customer, item, MAX, request, RULES } from './submit-order.cases';

function rejection(mutate: Mutation): ValidationError {
  const r = request();
  mutate(r);
  try {
    validateSubmitOrder(r);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('the request was accepted');
}

describe('validateSubmitOrder', () => {
  it('accepts a valid request and computes the total exactly', () => {
    const order = validateSubmitOrder(request());
    expect(order.totalMinor).toBe(2 * 1250 + 499);
    expect(order.items).toEqual([
      { sku: 'SKU-1', name: 'Widget', quantity: 2, unitPriceMinor: 1250 },
      { sku: 'SKU-2', name: 'Gadget', quantity: 1, unitPriceMinor: 499 },
    ]);
    expect(order.customer.phone).toBe('+442071234567');
  });

  it('accepts the limits themselves', () => {
    const r = request();
    r.idempotencyKey = 'k'.repeat(128);
    customer(r).phone = '';
    customer(r).name = 'é'.repeat(200);
    r.items = Array.from({ length: 100 }, (_, i) => ({ sku: 's'.repeat(64), name: `n${i}`, quantity: '1000000', unitPriceMinor: '0' }));
    item(r, 99).unitPriceMinor = '9007199254';
    item(r, 99).quantity = '1';
    r.paymentToken = 't'.repeat(256);
    expect(validateSubmitOrder(r).totalMinor).toBe(9007199254);
    const max = request();
    max.items = [{ sku: 's', name: 'n', quantity: '1', unitPriceMinor: MAX }];
    expect(validateSubmitOrder(max).totalMinor).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each(RULES)('rejects: %s', (_rule, mutate, field, message) => {
    const err = rejection(mutate);
    expect(err.field).toBe(field);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message.startsWith(`${field}: `)).toBe(true);
    expect(err.message).toMatch(message);
  });

  it('reports the first broken rule in field order', () => {
    const err = rejection((r) => {
      r.currency = 'XYZ';
      item(r, 0).quantity = '0';
    });
    expect(err.field).toBe('items[0].quantity');
  });

  it('refuses non-integer amounts', () => {
    expect(rejection((r) => (item(r, 0).unitPriceMinor = '12.5')).field).toBe('items[0].unit_price_minor');
    expect(rejection((r) => (item(r, 0).quantity = 1.5)).field).toBe('items[0].quantity');
  });
});
