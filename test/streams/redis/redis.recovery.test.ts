import { randomUUID } from 'node:crypto';
import { partitionFor } from '../../../streams/partitioner';
import type { IncomingMessage } from '../../../streams/types';
import { DLQ_HEADERS, dlqTopic } from '../../../streams/types';
import { RedisTestEnv, eventually, message } from './redis-test-env';

/** Ids of the Redis connections whose name starts with `prefix` (the transport names its connections). */
async function connectionIds(env: RedisTestEnv): Promise<string[]> {
  const list = await env.admin.client('LIST');
  return String(list)
    .split('\n')
    .filter((line) => line.includes(` name=${env.prefix}:`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
}

describe('redis transport recovery', () => {
  let env: RedisTestEnv;
  let hang: Gate;
  beforeEach(() => {
    env = new RedisTestEnv();
    hang = new Gate();
  });
  afterEach(async () => {
    hang.open(); // so that a failed test's hung handlers do not hold its cleanup forever
    await env.cleanup();
  });

  it('hands the entries of an aborted member to a survivor through XAUTOCLAIM, in order and with attempt 2', async () => {
    const topic = `abort-${randomUUID()}`;
    const crashed = env.transport();
    const survivor = env.transport();
    const stuck: IncomingMessage[] = [];
    const victim = await crashed.subscribe({
      topics: [topic],
      group: 'g',
      handler: async (batch) => {
        stuck.push(...batch);
        await hang.promise; // the process "hangs", then dies
      },
    });
    await crashed.publish(topic, Array.from({ length: 10 }, (_, i) => message('wallet-1', i)));
    await eventually(() => stuck.length === 10, 'the first member to take the batch');
    await victim.abort();

    const received: IncomingMessage[] = [];
    const startedAt = Date.now();
    await survivor.subscribe({ topics: [topic], group: 'g', handler: async (batch) => void received.push(...batch) });
    await crashed.publish(topic, [message('wallet-1', 10)]);
    await eventually(() => received.length >= 11, 'the survivor to get every message', 8_000);

    expect(received.map((m) => m.headers.eventId)).toEqual(Array.from({ length: 11 }, (_, i) => `wallet-1-${i}`));
    expect(received.slice(0, 10).every((m) => m.attempt === 2)).toBe(true);
    expect(received[10]?.attempt).toBe(1);
    // Not before the visibility timeout: the dead member's entries were idle long enough only then.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(500);
    const stream = `${env.prefix}:${topic}:${partitionFor('wallet-1', 8)}`;
    await eventually(async () => ((await env.admin.xpending(stream, 'g')) as [number])[0] === 0, 'everything acknowledged');
  });

  it('takes over the partitions of a member that aborts while others keep working', async () => {
    const topic = `split-${randomUUID()}`;
    const a = env.transport();
    const b = env.transport();
    const handledByB = new Set<string>();
    let aTook = 0;
    const subA = await a.subscribe({
      topics: [topic],
      group: 'g',
      handler: async (batch) => {
        aTook += batch.length;
        await hang.promise;
      },
    });
    await b.subscribe({ topics: [topic], group: 'g', handler: async (batch) => batch.forEach((m) => handledByB.add(m.headers.eventId)) });
    await eventually(async () => {
      const holders = await env.admin.mget(...leaseKeys(env.prefix, topic, 'g'));
      return holders.every((h) => h !== null) && new Set(holders).size === 2;
    }, 'leases split over two members');

    await a.publish(topic, Array.from({ length: 200 }, (_, i) => message(`merchant-${i % 40}`, i)));
    // A's partitions stall behind its hung batches; B's flow.
    await eventually(() => aTook > 0 && handledByB.size > 0, 'both members to take batches');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(handledByB.size).toBeLessThan(200);
    await subA.abort();
    await eventually(() => handledByB.size === 200, 'the survivor to handle the aborted member’s messages', 8_000);
    const holders = new Set(await env.admin.mget(...leaseKeys(env.prefix, topic, 'g')));
    expect(holders.size).toBe(1);
  });

  it('keeps consuming after its connections are killed, and loses nothing', async () => {
    const transport = env.transport();
    const topic = `kill-${randomUUID()}`;
    const received = new Set<string>();
    await transport.subscribe({ topics: [topic], group: 'g', maxBatchSize: 20, handler: async (batch) => batch.forEach((m) => received.add(m.headers.eventId)) });
    await transport.publish(topic, Array.from({ length: 100 }, (_, i) => message(`k${i % 9}`, i)));
    await eventually(() => received.size === 100, 'the first 100');

    // Kill while the reader is blocked waiting for entries…
    const idle = await connectionIds(env);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    for (const id of idle) await env.admin.client('KILL', 'ID', id);
    await transport.publish(topic, Array.from({ length: 100 }, (_, i) => message(`k${i % 9}`, 100 + i)));
    await eventually(() => received.size === 200, 'the 100 published after the kill');

    // …and in the middle of a stream of batches.
    const publishing = (async (): Promise<void> => {
      for (let i = 0; i < 10; i += 1) {
        await transport.publish(topic, Array.from({ length: 50 }, (_, j) => message(`k${j % 9}`, 200 + i * 50 + j)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (const id of await connectionIds(env)) await env.admin.client('KILL', 'ID', id);
    await publishing;
    await eventually(() => received.size === 700, 'all 700 messages', 8_000);
    expect(received.size).toBe(700);
  });

  it('recreates its consumer group when the streams vanish', async () => {
    const transport = env.transport();
    const topic = `vanish-${randomUUID()}`;
    const received = new Set<string>();
    await transport.subscribe({ topics: [topic], group: 'g', handler: async (batch) => batch.forEach((m) => received.add(m.headers.eventId)) });
    await transport.publish(topic, [message('a', 1)]);
    await eventually(() => received.size === 1, 'the first message');

    await env.admin.del(...Array.from({ length: 8 }, (_, p) => `${env.prefix}:${topic}:${p}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await transport.publish(topic, Array.from({ length: 30 }, (_, i) => message(`k${i}`, i)));
    await eventually(() => received.size === 31, 'the messages published after the streams vanished', 8_000);
    expect(env.errors.length).toBeGreaterThan(0);
    expect(env.errors.every((e) => (e as Error & { code?: string }).code === 'REDIS_BACKGROUND_FAILURE')).toBe(true);
  });

  it('dead-letters an entry it did not write instead of handing it to the handler', async () => {
    const transport = env.transport();
    const topic = `junk-${randomUUID()}`;
    const handled: string[] = [];
    const dead: IncomingMessage[] = [];
    await transport.subscribe({ topics: [topic], group: 'g', handler: async (batch) => batch.forEach((m) => handled.push(m.headers.eventId)) });
    await transport.subscribe({ topics: [dlqTopic(topic)], group: 'ops', handler: async (batch) => void dead.push(...batch) });
    const stream = `${env.prefix}:${topic}:3`;
    await env.admin.xadd(stream, '*', 'k', 'raw-key', 'v', 'raw-bytes', 'h', '{"eventId": 42}');
    await transport.publish(topic, [message('fine', 1)]);
    await eventually(() => dead.length === 1 && handled.length === 1, 'the junk dead-lettered and the good message handled');
    const [letter] = dead as [IncomingMessage];
    expect(letter.key).toBe('raw-key');
    expect(letter.value.toString()).toBe('raw-bytes');
    expect(letter.headers[DLQ_HEADERS.errorCode]).toBe('REDIS_MALFORMED_ENTRY');
    expect(letter.headers[DLQ_HEADERS.sourcePartition]).toBe('3');
    expect(handled).toEqual(['fine-1']);
    await eventually(async () => ((await env.admin.xpending(stream, 'g')) as [number])[0] === 0, 'the junk acknowledged');
  });
});

/** A promise that handlers wait on until the test opens it. */
class Gate {
  open: () => void = () => undefined;
  readonly promise = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

function leaseKeys(prefix: string, topic: string, group: string): string[] {
  return Array.from({ length: 8 }, (_, p) => `${prefix}:${topic}:${p}:lease:${group}`);
}
