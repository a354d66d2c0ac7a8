/** SubmitOrder requests: a valid one, and one mutation per validation rule (shared by unit and gRPC tests). */

/** A valid request as proto-loader decodes it: camelCase, int64 as decimal strings. */
export function request(): Record<string, unknown> {
  return {
    idempotencyKey: 'order-1:a_b.c',
    customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+442071234567' },
    items: [
      { sku: 'SKU-1', name: 'Widget', quantity: '2', unitPriceMinor: '1250' },
      { sku: 'SKU-2', name: 'Gadget', quantity: '1', unitPriceMinor: '499' },
    ],
    currency: 'USD',
    paymentToken: 'tok_visa',
  };
}

export type Mutation = (r: Record<string, unknown>) => void;

export function customer(r: Record<string, unknown>): Record<string, unknown> {
  return r.customer as Record<string, unknown>;
}

export function item(r: Record<string, unknown>, index: number): Record<string, unknown> {
  return (r.items as Record<string, unknown>[])[index] as Record<string, unknown>;
}

export const MAX = '9007199254740991';

/** [rule, mutation, field named, message fragment] — one row per rule. */
export const RULES: readonly [string, Mutation, string, RegExp][] = [
  ['idempotency key empty', (r) => (r.idempotencyKey = ''), 'idempotency_key', /1-128/],
  ['idempotency key too long', (r) => (r.idempotencyKey = 'k'.repeat(129)), 'idempotency_key', /1-128/],
  ['idempotency key bad characters', (r) => (r.idempotencyKey = 'has space'), 'idempotency_key', /A-Z/],
  ['customer missing', (r) => (r.customer = null), 'customer', /required/],
  ['customer id empty', (r) => (customer(r).id = ''), 'customer.id', /required/],
  ['customer id too long', (r) => (customer(r).id = 'c'.repeat(129)), 'customer.id', /at most 128/],
  ['customer name blank', (r) => (customer(r).name = '   '), 'customer.name', /required/],
  ['customer name too long', (r) => (customer(r).name = 'n'.repeat(201)), 'customer.name', /at most 200/],
  ['email missing', (r) => (customer(r).email = ''), 'customer.email', /required/],
  ['email malformed', (r) => (customer(r).email = 'ada@localhost'), 'customer.email', /email/],
  ['email without @', (r) => (customer(r).email = 'ada.example.com'), 'customer.email', /email/],
  ['email too long', (r) => (customer(r).email = `${'a'.repeat(250)}@x.io`), 'customer.email', /at most 254/],
  ['phone without +', (r) => (customer(r).phone = '442071234567'), 'customer.phone', /E\.164/],
  ['phone too short', (r) => (customer(r).phone = '+123456'), 'customer.phone', /E\.164/],
  ['phone too long', (r) => (customer(r).phone = '+1234567890123456'), 'customer.phone', /E\.164/],
  ['phone with letters', (r) => (customer(r).phone = '+44207123abc'), 'customer.phone', /E\.164/],
  ['no items', (r) => (r.items = []), 'items', /at least one/],
  ['more than 100 items', (r) => (r.items = Array.from({ length: 101 }, () => ({ sku: 's', name: 'n', quantity: '1', unitPriceMinor: '1' }))), 'items', /at most 100/],
  ['sku empty', (r) => (item(r, 0).sku = ''), 'items[0].sku', /required/],
  ['sku too long', (r) => (item(r, 1).sku = 's'.repeat(65)), 'items[1].sku', /at most 64/],
  ['item name empty', (r) => (item(r, 0).name = ''), 'items[0].name', /required/],
  ['item name too long', (r) => (item(r, 1).name = 'n'.repeat(201)), 'items[1].name', /at most 200/],
  ['quantity zero', (r) => (item(r, 0).quantity = '0'), 'items[0].quantity', /≥ 1/],
  ['quantity negative', (r) => (item(r, 1).quantity = '-3'), 'items[1].quantity', /≥ 1/],
  ['quantity above 1,000,000', (r) => (item(r, 0).quantity = '1000001'), 'items[0].quantity', /≤ 1000000/],
  ['unit price negative', (r) => (item(r, 1).unitPriceMinor = '-1'), 'items[1].unit_price_minor', /≥ 0/],
  ['unit price above 2^53 - 1', (r) => (item(r, 0).unitPriceMinor = '9007199254740992'), 'items[0].unit_price_minor', /≤ 9007199254740991/],
  ['line total above 2^53 - 1', (r) => Object.assign(item(r, 1), { quantity: '2', unitPriceMinor: '4503599627370496' }), 'items[1].unit_price_minor', /exceeds/],
  [
    'order total above 2^53 - 1',
    (r) => {
      Object.assign(item(r, 0), { quantity: '1', unitPriceMinor: MAX });
      Object.assign(item(r, 1), { quantity: '1', unitPriceMinor: '1' });
    },
    'items',
    /total exceeds/,
  ],
  [
    'order total zero',
    (r) => {
      item(r, 0).unitPriceMinor = '0';
      item(r, 1).unitPriceMinor = '0';
    },
    'items',
    /must be > 0/,
  ],
  ['currency unknown', (r) => (r.currency = 'XYZ'), 'currency', /ISO 4217/],
  ['currency lower case', (r) => (r.currency = 'usd'), 'currency', /ISO 4217/],
  ['payment token empty', (r) => (r.paymentToken = ''), 'payment_token', /required/],
  ['payment token too long', (r) => (r.paymentToken = 't'.repeat(257)), 'payment_token', /at most 256/],
];

