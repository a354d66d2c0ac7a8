import { z } from 'zod';
import { ValidationError } from '../gateway.errors';

/** A keyset position: the (created at, id) of the last row of a page, newest-first listings. */
export interface KeysetCursor {
  /** Epoch ms. */
  createdAt: number;
  id: string;
}

const tokenShape = z.object({
  v: z.literal(1),
  c: z.number().int().min(0),
  i: z.string().min(1).max(64),
  s: z.string().max(64).nullable(),
});

/**
 * Page tokens of the List calls: opaque to clients (base64url of a small JSON), holding the keyset
 * position of the last row of the page and the scope the page was listed in (a status filter, a
 * wallet id), so a token is not reused across scopes.
 */
export function encodePageToken(cursor: KeysetCursor, scope: string | null): string {
  return Buffer.from(JSON.stringify({ v: 1, c: cursor.createdAt, i: cursor.id, s: scope })).toString('base64url');
}

/**
 * The cursor of `token`; throws a {@link ValidationError} on `page_token` for a foreign token, or
 * one issued for another scope (`scopeName` says what the scope is: "status filter", "wallet").
 */
export function decodePageToken(token: string, scope: string | null, scopeName: string): KeysetCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('page_token', 'is not a page token of this server');
  }
  const result = tokenShape.safeParse(parsed);
  if (!result.success) throw new ValidationError('page_token', 'is not a page token of this server');
  if (result.data.s !== scope) throw new ValidationError('page_token', `was issued for another ${scopeName}`);
  return { createdAt: result.data.c, id: result.data.i };
}
