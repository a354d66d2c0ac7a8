import { z } from 'zod';
import { ValidationError } from '../gateway.errors';
import type { ListCursor } from './order.store';
import type { OrderStatusName } from './types';

const tokenShape = z.object({
  v: z.literal(1),
  c: z.number().int().min(0),
  i: z.string().min(1).max(36),
  s: z.enum(['PENDING', 'COMPLETED', 'FAILED']).nullable(),
});

/**
 * ListOrders page tokens: opaque to clients (base64url of a small JSON), holding the keyset
 * position of the last order of the page and the status filter the page was listed with.
 */
export function encodePageToken(cursor: ListCursor, status: OrderStatusName | null): string {
  return Buffer.from(JSON.stringify({ v: 1, c: cursor.createdAt, i: cursor.orderId, s: status })).toString('base64url');
}

/** The cursor of `token`; throws a {@link ValidationError} on `page_token` for a foreign or mismatched token. */
export function decodePageToken(token: string, status: OrderStatusName | null): ListCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('page_token', 'is not a page token of this server');
  }
  const result = tokenShape.safeParse(parsed);
  if (!result.success) throw new ValidationError('page_token', 'is not a page token of this server');
  if (result.data.s !== status) throw new ValidationError('page_token', 'was issued for another status filter');
  return { createdAt: result.data.c, orderId: result.data.i };
}
