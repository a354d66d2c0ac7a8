import { randomUUID } from 'node:crypto';
import { partitionFor } from '../../../streams/partitioner';
import { assignedPartitions } from '../../../streams/redis/group-membership';
import type { IncomingMessage } from '../../../streams/types';
import { RedisTestEnv, eventually, message } from './redis-test-env';

describe('assignedPartitions', () => {
  it.each([1, 2, 3, 5, 8, 11])('gives each of 8 partitions to exactly one of %d members, evenly', (count) => {
    const members = Array.from({ length: count }, (_, i) => `member-${i}`).sort();
    const owners = new Map<number, string[]>();
    for (const member of members) {
      for (const partition of assignedPartitions(members, member, 'orders.submitted', 8)) owners.set(partition, [...(owners.get(partition) ?? []), member]);
    }
    expect([...owners.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...owners.values()].every((list) => list.length === 1)).toBe(true);
    const sizes = members.map((member) => assignedPartitions(members, member, 'orders.submitted', 8).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('gives nothing to a member missing from the list', () => {
    expect(assignedPartitions(['a', 'b'], 'c', 'topic', 8)).toEqual([]);
  });
});

describe('group membership in Redis', () => {
  let env: RedisTestEnv;
  beforeEach(() => {
    env = new RedisTestEnv();
  });
  afterEach(async () => {
    await env.cleanup();
  });

  const holders = async (topic: string, group: string): Promise<(string | null)[]> =>
    env.admin.mget(...Array.from({ length: 8 }, (_, p) => `${env.prefix}:${topic}:${p}:lease:${group}`));

  it('splits the leases when a member joins, and hands them all back at once when it closes', async () => {
    const topic = `members-${randomUUID()}`;
    const transport = env.transport();
    const first = await transport.subscribe({ topics: [topic], group: 'g', handler: async () => undefined });
    await eventually(async () => (await holders(topic, 'g')).every((h) => h !== null), 'the first member to hold every lease');
    const [only] = await holders(topic, 'g');

    const second = await env.transport().subscribe({ topics: [topic], group: 'g', handler: async () => undefined });
    await eventually(async () => {
      const now = await holders(topic, 'g');
      return now.every((h) => h !== null) && now.filter((h) => h === only).length === 4;
    }, 'four leases each');
    expect(await env.admin.zcard(`${env.prefix}:${topic}:members:g`)).toBe(2);

    await first.close();
    const closedAt = Date.now();
    await eventually(async () => (await holders(topic, 'g')).every((h) => h !== null && h !== only), 'the second member to hold every lease');
    // Released, not expired: well within the visibility timeout.
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    await second.close();
    expect((await holders(topic, 'g')).every((h) => h === null)).toBe(true);
    expect(env.errors).toEqual([]);
  });

  it('stops reading a partition whose lease another holder took, and never renews or releases that lease', async () => {
    const topic = `fence-${randomUUID()}`;
    const received: string[] = [];
    const subscription = await env.transport().subscribe({ topics: [topic], group: 'g', handler: async (batch) => batch.forEach((m) => received.push(m.headers.eventId)) });
    await eventually(async () => (await holders(topic, 'g')).every((h) => h !== null), 'every lease held');
    const lease = `${env.prefix}:${topic}:${partitionFor('fenced', 8)}:lease:g`;

    await env.admin.set(lease, 'intruder', 'PX', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few heartbeats: the renewal finds the intruder
    await env.transport().publish(topic, [message('fenced', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(received).toEqual([]);
    expect(await env.admin.get(lease)).toBe('intruder');
    expect(await env.admin.pttl(lease)).toBeGreaterThan(58_000); // not extended by the member either

    await env.admin.del(lease);
    await eventually(() => received.length === 1, 'the partition read again once the lease is free');
    expect(received).toEqual(['fenced-1']);

    await env.admin.set(lease, 'intruder', 'PX', 60_000, 'XX'); // taken away again, then the member closes
    await subscription.close();
    expect(await env.admin.get(lease)).toBe('intruder');
  });

  it('keeps per-key order and loses nothing while members join and leave under load', async () => {
    const topic = `churn-${randomUUID()}`;
    const publisher = env.transport();
    const log: IncomingMessage[] = [];
    const handler = async (batch: readonly IncomingMessage[]): Promise<void> => {
      log.push(...batch);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const subscribe = async (): Promise<{ close(): Promise<void> }> => env.transport().subscribe({ topics: [topic], group: 'churn', maxBatchSize: 20, handler });

    const members = [await subscribe()];
    const total = 3_000;
    const publishing = (async (): Promise<void> => {
      for (let i = 0; i < total; i += 100) {
        await publisher.publish(topic, Array.from({ length: 100 }, (_, j) => message(`key-${(i + j) % 25}`, i + j)));
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    members.push(await subscribe());
    await new Promise((resolve) => setTimeout(resolve, 150));
    members.push(await subscribe());
    await new Promise((resolve) => setTimeout(resolve, 150));
    await members.shift()?.close();
    await publishing;
    await eventually(() => new Set(log.map((m) => m.headers.eventId)).size === total, 'every message', 10_000);

    // Graceful handovers: nothing twice, and each key in publish order across members.
    expect(log).toHaveLength(total);
    const byKey = new Map<string, number[]>();
    for (const m of log) byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(m.value.toString().split('#')[1])]);
    for (const [key, seqs] of byKey) expect({ key, seqs }).toEqual({ key, seqs: [...seqs].sort((a, b) => a - b) });
    expect(env.errors).toEqual([]);
  });
});
