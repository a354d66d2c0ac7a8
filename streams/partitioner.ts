/**
 * Key → partition, the way Kafka's Java client does it (murmur2 of the UTF-8 key bytes, made
 * positive, modulo the partition count), so every adapter, and other Kafka clients, agree on where
 * a key lives.
 */
export function partitionFor(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Kafka's murmur2 (seed 0x9747b28c), returning a signed 32-bit integer like Java's. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = ((data[i] as number) & 0xff) | (((data[i + 1] as number) & 0xff) << 8) | (((data[i + 2] as number) & 0xff) << 16) | (((data[i + 3] as number) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= ((data[whole + 2] as number) & 0xff) << 16;
  if (rest >= 2) h ^= ((data[whole + 1] as number) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (data[whole] as number) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
