import { MAX_SAFE_MINOR } from '../../money';
import type { Customer, LineItem } from '../../schemas';
import { ValidationError } from '../gateway.errors';
import { asFields, checkCurrency, checkEmail, checkIdempotencyKey, checkInt64, checkPhone, checkText } from '../validation/field.rules';
import type { ValidatedOrder } from './types';

/** Limits of a SubmitOrder request (field names in messages are the proto's). */
export const ORDER_LIMITS = {
  maxItems: 100,
  maxQuantity: 1_000_000,
  maxSkuLength: 64,
  maxNameLength: 200,
  maxCustomerIdLength: 128,
  maxPaymentTokenLength: 256,
} as const;

function checkCustomer(value: unknown): Customer {
  const fields = asFields('customer', value);
  return {
    id: checkText('customer.id', fields.id, ORDER_LIMITS.maxCustomerIdLength),
    name: checkText('customer.name', fields.name, ORDER_LIMITS.maxNameLength),
    email: checkEmail('customer.email', fields.email),
    phone: checkPhone('customer.phone', fields.phone, true),
  };
}

/** One line: its fields and its total (exact, as a bigint). */
function checkItem(index: number, value: unknown): { item: LineItem; lineTotal: bigint } {
  const at = `items[${index}]`;
  const fields = asFields(at, value);
  const sku = checkText(`${at}.sku`, fields.sku, ORDER_LIMITS.maxSkuLength);
  const name = checkText(`${at}.name`, fields.name, ORDER_LIMITS.maxNameLength);
  const quantity = checkInt64(`${at}.quantity`, fields.quantity);
  if (quantity < 1n) throw new ValidationError(`${at}.quantity`, 'must be ≥ 1');
  if (quantity > BigInt(ORDER_LIMITS.maxQuantity)) throw new ValidationError(`${at}.quantity`, `must be ≤ ${ORDER_LIMITS.maxQuantity}`);
  const unitPrice = checkInt64(`${at}.unit_price_minor`, fields.unitPriceMinor);
  if (unitPrice < 0n) throw new ValidationError(`${at}.unit_price_minor`, 'must be ≥ 0');
  if (unitPrice > MAX_SAFE_MINOR) throw new ValidationError(`${at}.unit_price_minor`, `must be ≤ ${MAX_SAFE_MINOR}`);
  const lineTotal = quantity * unitPrice;
  if (lineTotal > MAX_SAFE_MINOR) {
    throw new ValidationError(`${at}.unit_price_minor`, `quantity × unit price exceeds the largest amount, ${MAX_SAFE_MINOR}`);
  }
  return { item: { sku, name, quantity: Number(quantity), unitPriceMinor: Number(unitPrice) }, lineTotal };
}

function checkItems(value: unknown): { items: LineItem[]; total: bigint } {
  if (!Array.isArray(value)) throw new ValidationError('items', 'must be a list');
  const list = value as readonly unknown[];
  if (list.length === 0) throw new ValidationError('items', 'at least one item is required');
  if (list.length > ORDER_LIMITS.maxItems) throw new ValidationError('items', `at most ${ORDER_LIMITS.maxItems} items`);
  const items: LineItem[] = [];
  let total = 0n;
  list.forEach((entry, index) => {
    const { item, lineTotal } = checkItem(index, entry);
    items.push(item);
    total += lineTotal;
  });
  if (total > MAX_SAFE_MINOR) throw new ValidationError('items', `the order total exceeds the largest amount, ${MAX_SAFE_MINOR}`);
  if (total === 0n) throw new ValidationError('items', 'the order total must be > 0');
  return { items, total };
}

/**
 * Validates a SubmitOrder request as proto-loader decodes it (camelCase keys, int64 as decimal
 * strings) and computes its total with exact integer arithmetic. Throws a {@link ValidationError}
 * for the first rule broken, in field order, naming the field as the proto does
 * (`items[0].quantity: must be ≥ 1`).
 */
export function validateSubmitOrder(request: unknown): ValidatedOrder {
  const fields = asFields('request', request);
  const idempotencyKey = checkIdempotencyKey('idempotency_key', fields.idempotencyKey);
  const customer = checkCustomer(fields.customer);
  const { items, total } = checkItems(fields.items);
  const currency = checkCurrency('currency', fields.currency);
  const paymentToken = checkText('payment_token', fields.paymentToken, ORDER_LIMITS.maxPaymentTokenLength);
  return { idempotencyKey, customer, items, currency, paymentToken, totalMinor: Number(total) };
}
