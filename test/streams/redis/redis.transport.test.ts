import { randomUUID } from 'node:crypto';
import { partitionFor } from '../../../streams/partitioner';
import { RedisInvalidArgumentError, RedisTransportError, createRedisTransport } from '../../../streams/redis';
import type { IncomingMessage, OutgoingMessage } from '../../../streams/types';
import { REDIS_URL, RedisTestEnv, eventually, headers, message } from './redis-test-env';

describe('redis transport', () => {
  let env: RedisTestEnv;
  beforeEach(() => {
    env = new RedisTestEnv();
  });
  afterEach(async () => {
    await env.cleanup();
  });

  describe('options', () => {
    it.each([
      [{ url: 'http://127.0.0.1:6379' }, /redis: or rediss: scheme/],
      [{ url: 'not a url' }, /url is not a valid URL/],
      [{ url: '' }, /url is required/],
      [{ url: REDIS_URL, partitions: 0 }, /partitions must be an integer from 1/],
      [{ url: REDIS_URL, partitions: 2.5 }, /partitions must be an integer/],
      [{ url: REDIS_URL, visibilityTimeoutMs: 1000, heartbeatMs: 600 }, /heartbeatMs \(600\) must be at most half/],
      [{ url: REDIS_URL, prefix: 'has space' }, /prefix must match/],
      [{ url: REDIS_URL, maxLen: -1 }, /maxLen must be an integer/],
    ])('rejects %j', (options, expected) => {
      let thrown: unknown;
      try {
        createRedisTransport(options);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(RedisInvalidArgumentError);
      expect(thrown).toBeInstanceOf(RangeError);
      expect(thrown).toMatchObject({ code: 'REDIS_INVALID_ARGUMENT', retryable: false });
      expect((thrown as Error).message).toMatch(expected);
    });

    it('does not echo a URL that may hold a password', () => {
      expect(() => createRedisTransport({ url: 'redis//:s3cret@host' })).toThrow(/^(?!.*s3cret)/);
    });

    it('rejects bad subscription settings and topic names', async () => {
      const transport = env.transport();
      const handler = async (): Promise<void> => undefined;
      await expect(transport.subscribe({ topics: [], group: 'g', handler })).rejects.toBeInstanceOf(RedisInvalidArgumentError);
      await expect(transport.subscribe({ topics: ['t'], group: '', handler })).rejects.toBeInstanceOf(RedisInvalidArgumentError);
      await expect(transport.subscribe({ topics: ['t'], group: 'g', handler, maxBatchSize: 0 })).rejects.toBeInstanceOf(RedisInvalidArgumentError);
      await expect(transport.publish('bad topic', [message('k', 1)])).rejects.toBeInstanceOf(RedisInvalidArgumentError);
    });
  });

  it('stores a topic as partition streams keyed by the Kafka partitioner, with key, value and headers fields', async () => {
    const transport = env.transport();
    const topic = `orders-${randomUUID()}`;
    const keys = Array.from({ length: 40 }, (_, i) => `merchant-${i}`);
    await transport.publish(topic, keys.map((key) => message(key, 1)));

    const expected = new Map<number, number>();
    for (const key of keys) expected.set(partitionFor(key, 8), (expected.get(partitionFor(key, 8)) ?? 0) + 1);
    for (let partition = 0; partition < 8; partition += 1) {
      expect(await env.admin.xlen(`${env.prefix}:${topic}:${partition}`)).toBe(expected.get(partition) ?? 0);
    }
    const first = keys[0] as string;
    const [[, fields] = ['', []]] = await env.admin.xrange(`${env.prefix}:${topic}:${partitionFor(first, 8)}`, '-', '+', 'COUNT', 1);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['k', 'v', 'h']);
    expect(await env.admin.hget(`${env.prefix}:${topic}:meta`, 'partitions')).toBe('8');
  });

  it('round-trips every byte of the value and every header exactly', async () => {
    const transport = env.transport();
    const topic = `bytes-${randomUUID()}`;
    const value = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)); // includes invalid UTF-8
    const sent: OutgoingMessage = {
      key: 'wallet-Ω-🔑',
      value,
      headers: headers('evt-1', { note: 'naïve "quoted" \n line', empty: '' }),
    };
    const received: IncomingMessage[] = [];
    await transport.subscribe({ topics: [topic], group: 'g', handler: async (batch) => void received.push(...batch) });
    await transport.publish(topic, [sent, { ...sent, value: Buffer.alloc(0), headers: headers('evt-2') }]);
    await eventually(() => received.length === 2, 'both messages');

    const [first, second] = received as [IncomingMessage, IncomingMessage];
    expect(first.value.equals(value)).toBe(true);
    expect(first.key).toBe(sent.key);
    expect(first.headers).toEqual(sent.headers);
    expect(first).toMatchObject({ topic, partition: partitionFor(sent.key, 8), attempt: 1 });
    expect(first.position).toMatch(/^\d+-\d+$/);
    expect(second.value.length).toBe(0);
    expect(second.headers.eventId).toBe('evt-2');
  });

  it('keeps per-key order over many keys and partitions', async () => {
    const transport = env.transport();
    const topic = `order-${randomUUID()}`;
    const seen = new Map<string, number[]>();
    let count = 0;
    await transport.subscribe({
      topics: [topic],
      group: 'g',
      maxBatchSize: 50,
      handler: async (batch) => {
        for (const m of batch) {
          const list = seen.get(m.key) ?? [];
          list.push(Number(m.value.toString().split('#')[1]));
          seen.set(m.key, list);
          count += 1;
        }
      },
    });
    const all = Array.from({ length: 2000 }, (_, i) => message(`key-${i % 37}`, i));
    // Batches of 1,000: each goes to Redis as two script calls in one pipeline.
    for (let i = 0; i < all.length; i += 1000) await transport.publish(topic, all.slice(i, i + 1000));
    await eventually(() => count >= 2000, '2000 messages');
    expect(count).toBe(2000);
    for (const [key, seqs] of seen) {
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs.length).toBe(all.filter((m) => m.key === key).length);
    }
  });

  it('hands over at once the entries of every partition one publish wrote, though the woken read answers for one stream', async () => {
    const transport = env.transport({ partitions: 4 });
    const topic = `wake-${randomUUID()}`;
    // One key per partition.
    const keys = new Map<number, string>();
    for (let i = 0; keys.size < 4; i += 1) if (!keys.has(partitionFor(`k${i}`, 4))) keys.set(partitionFor(`k${i}`, 4), `k${i}`);
    // Turns of the event loop, counted: batches handed over together arrive in the same turn.
    let turn = 0;
    let counting = true;
    const tick = (): void => {
      turn += 1;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const turns: number[] = [];
    await transport.subscribe({
      topics: [topic],
      group: 'g',
      handler: async (batch) => {
        for (let i = 0; i < batch.length; i += 1) turns.push(turn);
      },
    });
    try {
      // A first message to each partition: once all four arrived, the member holds every partition.
      const batch = [...keys.values()].map((key, i) => message(key, i));
      await transport.publish(topic, batch);
      await eventually(() => turns.length === 4, 'the first four messages');
      // Let the reader block on all four partitions, then write to all four at once.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await transport.publish(topic, batch);
      await eventually(() => turns.length === 8, 'four more messages');
      expect(new Set(turns.slice(4)).size).toBe(1);
    } finally {
      counting = false;
    }
  });

  it('trims each partition to about maxLen entries', async () => {
    const transport = env.transport({ maxLen: 100 });
    const topic = `trim-${randomUUID()}`;
    for (let i = 0; i < 10; i += 1) {
      await transport.publish(topic, Array.from({ length: 200 }, (_, j) => message('one-key', i * 200 + j)));
    }
    const length = await env.admin.xlen(`${env.prefix}:${topic}:${partitionFor('one-key', 8)}`);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(2000);
  });

  it('refuses a topic that exists with another partition count', async () => {
    const topic = `mismatch-${randomUUID()}`;
    await env.transport({ partitions: 8 }).ensureTopics([topic]);
    expect(await env.admin.hget(`${env.prefix}:${topic}.dlq:meta`, 'partitions')).toBe('8');
    const other = env.transport({ partitions: 4 });
    const failure = other.publish(topic, [message('k', 1)]);
    await expect(failure).rejects.toBeInstanceOf(RedisTransportError);
    await expect(failure).rejects.toMatchObject({ code: 'REDIS_PARTITION_MISMATCH', retryable: false });
    await expect(other.subscribe({ topics: [topic], group: 'g', handler: async () => undefined })).rejects.toMatchObject({ code: 'REDIS_PARTITION_MISMATCH' });
  });

  it('rejects a batch Redis refuses with a retryable publish error', async () => {
    const transport = env.transport();
    const topic = `refused-${randomUUID()}`;
    await env.admin.set(`${env.prefix}:${topic}:${partitionFor('blocked', 8)}`, 'not a stream');
    const failure = transport.publish(topic, [message('blocked', 1)]);
    await expect(failure).rejects.toBeInstanceOf(RedisTransportError);
    await expect(failure).rejects.toMatchObject({ code: 'REDIS_PUBLISH_FAILED', retryable: true });
    await expect(failure).rejects.toThrow(/WRONGTYPE/);
  });

  it('refuses work once closed', async () => {
    const transport = env.transport();
    await transport.close();
    await expect(transport.publish('t', [message('k', 1)])).rejects.toMatchObject({ code: 'REDIS_CLOSED', retryable: false });
    await expect(transport.subscribe({ topics: ['t'], group: 'g', handler: async () => undefined })).rejects.toMatchObject({ code: 'REDIS_CLOSED' });
  });

  it('on close acknowledges what it handled and leaves no lease, member or consumer behind', async () => {
    const transport = env.transport();
    const topic = `tidy-${randomUUID()}`;
    let count = 0;
    const subscription = await transport.subscribe({ topics: [topic], group: 'tidy', handler: async (b) => void (count += b.length) });
    await transport.publish(topic, Array.from({ length: 300 }, (_, i) => message(`k${i % 11}`, i)));
    await eventually(() => count === 300, '300 messages');
    expect(await env.admin.keys(`${env.prefix}:${topic}:*:lease:tidy`)).toHaveLength(8);
    await subscription.close();

    expect(await env.admin.keys(`${env.prefix}:${topic}:*:lease:tidy`)).toEqual([]);
    expect(await env.admin.zcard(`${env.prefix}:${topic}:members:tidy`)).toBe(0);
    for (let partition = 0; partition < 8; partition += 1) {
      const stream = `${env.prefix}:${topic}:${partition}`;
      const [pending] = (await env.admin.xpending(stream, 'tidy')) as [number];
      expect(pending).toBe(0);
      expect(await env.admin.xinfo('CONSUMERS', stream, 'tidy')).toEqual([]);
    }
    expect(env.errors).toEqual([]);
  });
});
