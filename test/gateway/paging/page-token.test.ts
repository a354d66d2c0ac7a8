import { ValidationError } from '../../../gateway';
import { decodePageToken, encodePageToken } from '../../../gateway/paging/page-token';

describe('page tokens', () => {
  const cursor = { createdAt: 1_700_000_000_123, id: '0b1f7d7e-8f35-4b0e-9c59-4c3f2b1e9a10' };

  it('round-trip the keyset position', () => {
    expect(decodePageToken(encodePageToken(cursor, null), null, 'status filter')).toEqual(cursor);
    expect(decodePageToken(encodePageToken(cursor, 'FAILED'), 'FAILED', 'status filter')).toEqual(cursor);
  });

  it('are bound to their scope', () => {
    expect(() => decodePageToken(encodePageToken(cursor, 'COMPLETED'), null, 'status filter')).toThrow(
      /page_token: was issued for another status filter/,
    );
    expect(() => decodePageToken(encodePageToken(cursor, 'wallet-a'), 'wallet-b', 'wallet')).toThrow(/page_token: was issued for another wallet/);
  });

  it('refuse foreign tokens as INVALID_ARGUMENT on page_token', () => {
    for (const token of ['garbage', Buffer.from('{"v":2}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
      expect(() => decodePageToken(token, null, 'status filter')).toThrow(ValidationError);
    }
  });
});
