import type { Redis } from 'ioredis';
import { partitionFor } from '../partitioner';
import type { ScriptCall } from './lua-scripts';
import { HEARTBEAT, LEASE_ACQUIRE, LEASE_RELEASE, LEASE_RENEW, runScripts } from './lua-scripts';
import type { RedisKeys } from './redis.keys';
import { parseStringList } from './stream-entry.codec';

/** One partition as the group sees it: its stream and the lease a member holds while it reads it. */
export interface PartitionRef {
  topic: string;
  partition: number;
  stream: string;
  lease: string;
}

export type LeaseAction = 'acquire' | 'renew' | 'release';

export interface LeaseOp {
  action: LeaseAction;
  ref: PartitionRef;
}

export interface MembershipDeps {
  client: Redis;
  keys: RedisKeys;
  group: string;
  memberId: string;
  topics: readonly string[];
  partitions: number;
  /** Silence after which a member counts as gone (the visibility timeout); also the lease time-to-live. */
  ttlMs: number;
}

/**
 * Group membership and partition leases, kept in Redis so members in different processes agree:
 * every member heartbeats into a sorted set per topic; the sorted live-member list decides, the same
 * way in every member, which member should own each partition; a member reads a partition only while
 * it holds that partition's lease, so one partition is never read by two members at once.
 */
export class GroupMembership {
  constructor(private readonly deps: MembershipDeps) {}

  refs(): PartitionRef[] {
    const { keys, group, topics, partitions } = this.deps;
    return topics.flatMap((topic) =>
      Array.from({ length: partitions }, (_, partition) => ({
        topic,
        partition,
        stream: keys.stream(topic, partition),
        lease: keys.lease(topic, partition, group),
      })),
    );
  }

  /** Announces this member; returns the streams the current live members assign to it. */
  async beat(): Promise<Set<string>> {
    const { client, keys, group, memberId, topics, partitions, ttlMs } = this.deps;
    const calls = topics.map((topic) => ({ script: HEARTBEAT, keys: [keys.members(topic, group)], args: [memberId, ttlMs] }));
    const results = await runScripts(client, calls);
    const assigned = new Set<string>();
    topics.forEach((topic, i) => {
      const [err, reply] = results[i] ?? [new Error('missing heartbeat reply'), null];
      if (err) throw err;
      const members = parseStringList(reply, 'heartbeat');
      for (const partition of assignedPartitions(members, memberId, topic, partitions)) assigned.add(keys.stream(topic, partition));
    });
    return assigned;
  }

  /** Runs lease operations in one round trip; each result is true (done), false (refused) or the error. */
  async leases(ops: readonly LeaseOp[]): Promise<(boolean | Error)[]> {
    const { client, memberId, ttlMs } = this.deps;
    const calls: ScriptCall[] = ops.map((op) => ({ script: SCRIPTS[op.action], keys: [op.ref.lease], args: [memberId, ttlMs] }));
    const results = await runScripts(client, calls);
    return ops.map((_, i) => {
      const [err, reply] = results[i] ?? [new Error('missing lease reply'), null];
      return err ?? reply === 1;
    });
  }

  /** Removes this member from every topic's member list, so the others rebalance at their next heartbeat. */
  async leave(): Promise<void> {
    const { client, keys, group, memberId, topics } = this.deps;
    const pipeline = client.pipeline();
    for (const topic of topics) pipeline.zrem(keys.members(topic, group), memberId);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }
}

const SCRIPTS = { acquire: LEASE_ACQUIRE, renew: LEASE_RENEW, release: LEASE_RELEASE } as const;

/**
 * The partitions of `topic` that `member` owns among the sorted live `members`: round robin, starting
 * at an offset derived from the topic so that small groups do not put partition 0 of every topic on
 * the same member.
 */
export function assignedPartitions(members: readonly string[], member: string, topic: string, partitions: number): number[] {
  const index = members.indexOf(member);
  if (index < 0) return [];
  const offset = partitionFor(topic, members.length);
  const owned: number[] = [];
  for (let partition = 0; partition < partitions; partition += 1) {
    if ((partition + offset) % members.length === index) owned.push(partition);
  }
  return owned;
}
