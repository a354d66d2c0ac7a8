import { Redis } from 'ioredis';

/** Deletes every key under `prefix:` (what a benchmark run left behind). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
  return deleted;
}
