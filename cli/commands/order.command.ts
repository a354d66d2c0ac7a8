import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { AppConfig } from '../../config';
import { createOrderClient } from '../../gateway';
import { UsageError } from '../cli.errors';

const USAGE =
  'usage: paystream order submit --api-key KEY --item SKU:NAME:QTY:UNIT_PRICE_MINOR [--item …] [--currency USD] [--token tok_visa]\n' +
  '         [--customer-id ID --customer-name NAME --customer-email EMAIL --customer-phone +E164] [--idempotency-key K] [--address host:port]\n' +
  '       paystream order get --api-key KEY ORDER_ID [--address host:port]';

/** `paystream order submit|get`: a small gRPC client for trying the gateway by hand. */
export async function orderCommand(args: readonly string[], config: AppConfig, print: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      address: { type: 'string', default: `127.0.0.1:${config.GRPC_PORT}` },
      item: { type: 'string', multiple: true },
      currency: { type: 'string', default: 'USD' },
      token: { type: 'string', default: 'tok_visa' },
      'customer-id': { type: 'string', default: 'cust-cli' },
      'customer-name': { type: 'string', default: 'CLI Customer' },
      'customer-email': { type: 'string', default: 'customer@example.com' },
      'customer-phone': { type: 'string', default: '+15555550100' },
      'idempotency-key': { type: 'string' },
      'timeout-ms': { type: 'string', default: '10000' },
    },
    strict: true,
  });
  const apiKey = values['api-key'];
  if (apiKey === undefined) throw new UsageError(`--api-key is required\n${USAGE}`);
  const timeoutMs = Number(values['timeout-ms']);
  const client = createOrderClient(values.address ?? '', apiKey);
  try {
    if (sub === 'submit') {
      const items = (values.item ?? []).map(parseItem);
      if (items.length === 0) throw new UsageError(`at least one --item is required\n${USAGE}`);
      const { order, replayed } = await client.submitOrder(
        {
          idempotencyKey: values['idempotency-key'] ?? randomUUID(),
          customer: {
            id: values['customer-id'] ?? '',
            name: values['customer-name'] ?? '',
            email: values['customer-email'] ?? '',
            phone: values['customer-phone'] ?? '',
          },
          items,
          currency: values.currency ?? 'USD',
          paymentToken: values.token ?? '',
        },
        { timeoutMs },
      );
      print(JSON.stringify({ ...order, replayed }, null, 2));
    } else if (sub === 'get') {
      const orderId = positionals[0];
      if (orderId === undefined) throw new UsageError(`order get needs an ORDER_ID\n${USAGE}`);
      print(JSON.stringify(await client.getOrder(orderId, { timeoutMs }), null, 2));
    } else {
      throw new UsageError(USAGE);
    }
  } finally {
    client.close();
  }
}

function parseItem(spec: string): { sku: string; name: string; quantity: string; unitPriceMinor: string } {
  const parts = spec.split(':');
  if (parts.length !== 4) throw new UsageError(`--item must be SKU:NAME:QTY:UNIT_PRICE_MINOR, got "${spec}"`);
  const [sku = '', name = '', quantity = '', unitPriceMinor = ''] = parts;
  // Amounts stay strings: the server parses and validates them exactly (no floats on the way).
  return { sku, name, quantity, unitPriceMinor };
}
