import { randomBytes } from 'node:crypto';
import type { PartitionMetadata } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { partitionFor } from '../../../streams/partitioner';

/**
 * The Kafka transport lets kafkajs's DefaultPartitioner (murmur2, as the Java client) place each keyed
 * record; every other adapter uses streams/partitioner.ts. They must agree, or a key would live in
 * different partitions depending on the engine (and on the client writing to Kafka).
 */
describe('kafkajs DefaultPartitioner and partitionFor', () => {
  const metadata = (count: number, leader = 0): PartitionMetadata[] =>
    Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader, replicas: [0], isr: [0] }));

  const keys: string[] = [
    '',
    'a',
    'merchant-42',
    'wallet:7f3c',
    'ключ-🔑-鍵-ü',
    'e\u0301',
    ...Array.from({ length: 2_000 }, (_, i) => `order-${i}`),
    ...Array.from({ length: 2_000 }, () => randomBytes(1 + Math.floor(Math.random() * 40)).toString('base64')),
  ];

  it.each([1, 2, 3, 4, 7, 8, 12, 16, 31, 64, 100, 1_000])('agree for every key on %d partitions', (count) => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(count);
    const disagreements = keys.filter((key) => kafkajs({ topic: 'orders', partitionMetadata, message: { key, value: null } }) !== partitionFor(key, count));
    expect(disagreements).toEqual([]);
  });

  it('agree with a string key and its UTF-8 bytes alike', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(16);
    for (const key of keys.slice(0, 500)) {
      const fromBytes = kafkajs({ topic: 'orders', partitionMetadata, message: { key: Buffer.from(key, 'utf8'), value: null } });
      expect({ key, partition: fromBytes }).toEqual({ key, partition: partitionFor(key, 16) });
    }
  });

  it('place a keyed record by the full partition count even while some partitions have no leader', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(8).map((partition) => (partition.partitionId % 2 === 0 ? { ...partition, leader: -1 } : partition));
    for (const key of keys.slice(0, 500)) {
      expect(kafkajs({ topic: 'orders', partitionMetadata, message: { key, value: null } })).toBe(partitionFor(key, 8));
    }
  });
});
