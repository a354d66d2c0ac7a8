import { murmur2, partitionFor } from '../../streams/partitioner';

describe('partitioner', () => {
  // Vectors from Apache Kafka's UtilsTest#testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%s) is %d as in the Java client', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('spreads keys over every partition and is stable', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i += 1) seen.add(partitionFor(`merchant-${i}`, 8));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(partitionFor('merchant-42', 8)).toBe(partitionFor('merchant-42', 8));
  });
});
