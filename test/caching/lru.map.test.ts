import { LruMap } from '../../caching';

describe('LruMap', () => {
  it('forgets the least recently used entry beyond a small capacity at once', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the most recently used
    map.set('d', 4);
    expect(map.size).toBe(3);
    expect(map.get('b')).toBeUndefined();
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
  });

  it('keeps insertion order when reads do not count as uses', () => {
    const map = new LruMap<string, number>(2, false);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.get('a')).toBeUndefined();
    expect(map.get('b')).toBe(2);
    // Setting a key again makes it the newest.
    map.set('b', 20);
    map.set('d', 4);
    expect(map.get('c')).toBeUndefined();
    expect(map.get('b')).toBe(20);
  });

  it('lets a large map grow by a sixteenth, then keeps the most recent `capacity` entries', () => {
    const capacity = 1_600;
    const map = new LruMap<number, number>(capacity);
    let largest = 0;
    for (let i = 0; i < 10_000; i += 1) {
      map.set(i, i);
      largest = Math.max(largest, map.size);
    }
    expect(largest).toBe(capacity + 100);
    // A pass runs when the 1,701st entry arrives and keeps the newest 1,600: at key 1,700, then every
    // 101 keys; the last at 1,700 + 82 × 101 = 9,982 kept 8,383..9,982, and 17 keys came since.
    expect(map.size).toBe(capacity + 17);
    expect(map.get(8_382)).toBeUndefined();
    expect(map.get(8_383)).toBe(8_383);
    expect(map.get(9_999)).toBe(9_999);
  });

  it('deletes an entry', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.size).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the capacity %p', (capacity) => {
    expect(() => new LruMap(capacity)).toThrow(RangeError);
  });
});
