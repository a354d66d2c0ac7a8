import { dlqTopic } from '../types';
import { PulsarInvalidArgumentError } from './pulsar.errors';

/** Logical topic names as every engine accepts them (Kafka's rule: 1-249 of these characters). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const NAMESPACE_PART = /^[A-Za-z0-9._-]{1,128}$/;
/** Pulsar names the partitions of a partitioned topic `<topic>-partition-<n>`; a topic of that shape would be read as one. */
const PARTITION_INFIX = '-partition-';
const PARTITION_SUFFIX = /-partition-(\d+)$/;
const DLQ_SUFFIX = dlqTopic('');

/**
 * Maps the logical topic names of the port (`orders.submitted`, `orders.submitted.dlq`) to persistent
 * Pulsar topics under one tenant and namespace: `persistent://<tenant>/<namespace>/<topic>`, and back.
 */
export class PulsarTopicNames {
  private readonly prefix: string;
  private readonly known = new Map<string, string>();

  constructor(tenant: string, namespace: string) {
    assertNamespacePart('tenant', tenant);
    assertNamespacePart('namespace', namespace);
    this.prefix = `persistent://${tenant}/${namespace}/`;
  }

  /** The full Pulsar name of `topic`; throws a {@link PulsarInvalidArgumentError} for a name not every engine accepts. */
  full(topic: string): string {
    let name = this.known.get(topic);
    if (name === undefined) {
      assertTopicName(topic);
      name = `${this.prefix}${topic}`;
      this.known.set(topic, name);
    }
    return name;
  }

  /** The partition a message came from: `n` for `…-partition-<n>`, 0 for a non-partitioned topic. */
  static partitionOf(fullName: string): number {
    const match = PARTITION_SUFFIX.exec(fullName);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  }
}

export function assertTopicName(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new PulsarInvalidArgumentError(`invalid topic name ${JSON.stringify(topic)}: use 1 to 249 of [A-Za-z0-9._-]`);
  }
  // A topic other than a dead-letter one leaves room for the `.dlq` of its name.
  if (!topic.endsWith(DLQ_SUFFIX) && topic.length > 249 - DLQ_SUFFIX.length) {
    throw new PulsarInvalidArgumentError(`invalid topic name ${JSON.stringify(topic)}: longer than ${249 - DLQ_SUFFIX.length}, leaving no room for ${DLQ_SUFFIX}`);
  }
  if (topic.includes(PARTITION_INFIX)) {
    throw new PulsarInvalidArgumentError(`invalid topic name ${JSON.stringify(topic)}: Pulsar reserves "${PARTITION_INFIX}" for the partitions of a topic`);
  }
}

export function assertNamespacePart(what: 'tenant' | 'namespace', value: unknown): asserts value is string {
  if (typeof value !== 'string' || !NAMESPACE_PART.test(value)) {
    throw new PulsarInvalidArgumentError(`invalid Pulsar ${what} ${JSON.stringify(value)}: use 1 to 128 of [A-Za-z0-9._-]`);
  }
}
