import { deriveId, newId } from '../../schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('is a UUIDv7 whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 10, 22, 5, 0, 0, 123);
    const id = newId(at);
    expect(id).toMatch(UUID);
    expect(id.charAt(14)).toBe('7');
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by time: ids made in later milliseconds sort after earlier ones', () => {
    const ids = Array.from({ length: 200 }, (_, i) => newId(1_800_000_000_000 + i * 3));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => newId(1_800_000_000_000))).size).toBe(10_000);
  });

  it('has the RFC 9562 variant and random bits past the time and version', () => {
    const ids = Array.from({ length: 4_000 }, () => newId(1_800_000_000_000));
    expect(ids.every((id) => UUID.test(id))).toBe(true);
    // The variant digit takes each of its four values, and so does every random digit position.
    expect(new Set(ids.map((id) => id.charAt(19)))).toEqual(new Set(['8', '9', 'a', 'b']));
    for (const at of [15, 16, 17, 20, 24, 35]) expect(new Set(ids.map((id) => id.charAt(at))).size).toBe(16);
  });
});

describe('deriveId', () => {
  it('is deterministic, distinct per parts, and UUID-shaped with version 8', () => {
    const order = newId();
    const a = deriveId(order, 'OrderSubmitted');
    expect(deriveId(order, 'OrderSubmitted')).toBe(a);
    expect(deriveId(order, 'OrderCompleted')).not.toBe(a);
    expect(a).toMatch(UUID);
    expect(a.charAt(14)).toBe('8');
  });

  it('keeps the time of a UUID first part, through chains of derivations, so derived ids sort with their source', () => {
    const earlier = newId(1_800_000_000_000);
    const later = newId(1_800_000_000_001);
    const chain = (id: string): string => deriveId(deriveId(deriveId(id, 'OrderSubmitted'), 'PaymentCompleted'), 'OrderCompleted');
    expect(chain(earlier).slice(0, 13)).toBe(earlier.slice(0, 13));
    expect(chain(earlier) < chain(later)).toBe(true);
    // The other 74 bits come from the hash: siblings of one source differ there.
    expect(deriveId(earlier, 'WalletUpdated', 'w1').slice(14)).not.toBe(deriveId(earlier, 'WalletUpdated', 'w2').slice(14));
  });

  it('derives the ids it always derived (stored rows and redelivered events depend on them)', () => {
    expect(deriveId('019af7c2-1234-7abc-9def-0123456789ab', 'OrderCompleted')).toBe('019af7c2-1234-8afd-9bde-c2ef401d4c8d');
    expect(deriveId('default-wallet', 'm1', 'USD')).toBe('c180694c-940d-8f6c-a95a-4e050b3c7bb7');
  });

  it('hashes all 128 bits when the first part is not a UUID', () => {
    const a = deriveId('default-wallet', 'm1', 'USD');
    const b = deriveId('default-wallet', 'm2', 'USD');
    expect(a).toMatch(UUID);
    expect(a.slice(0, 13)).not.toBe(b.slice(0, 13));
  });
});
