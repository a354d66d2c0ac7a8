import { RedisInvalidArgumentError } from './redis.errors';

const TOPIC_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * The key layout. Topic names are restricted so that no topic's keys can collide with another's;
 * the group comes last in the keys that carry it, so any group name is safe.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  /** The stream holding one partition of a topic. */
  stream(topic: string, partition: number): string {
    return `${this.prefix}:${topic}:${partition}`;
  }

  /** Topic metadata (the partition count every process must agree on). */
  meta(topic: string): string {
    return `${this.prefix}:${topic}:meta`;
  }

  /** Sorted set of a group's live members (score: last heartbeat, Redis server time in ms). */
  members(topic: string, group: string): string {
    return `${this.prefix}:${topic}:members:${group}`;
  }

  /** The lease a group member holds while it reads one partition. */
  lease(topic: string, partition: number, group: string): string {
    return `${this.prefix}:${topic}:${partition}:lease:${group}`;
  }
}

export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
    throw new RedisInvalidArgumentError(`topic names must match ${String(TOPIC_PATTERN)}, got ${JSON.stringify(topic)}`);
  }
}
