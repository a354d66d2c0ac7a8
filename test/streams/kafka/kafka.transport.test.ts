import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import type { KafkaTransportOptions } from '../../../streams/kafka';
import { createKafkaTransport, KafkaInvalidArgumentError, KafkaTransportError } from '../../../streams/kafka';
import { partitionFor } from '../../../streams/partitioner';
import type { BatchHandler, IncomingMessage, MessageHeaders, OutgoingMessage, Transport } from '../../../streams/types';
import { DLQ_HEADERS, dlqTopic } from '../../../streams/types';
import { deleteTopics, FAST_KAFKA, KAFKA_BROKERS, KAFKA_SKIP_REASON } from './kafka-test-env';

const logger = pino({ level: 'silent' });

function headers(eventId: string, extra: Record<string, string> = {}): MessageHeaders {
  return { eventId, eventType: 'TestEvent', correlationId: 'corr', causationId: eventId, producedAt: '2024-01-01T00:00:00.000Z', ...extra };
}

function message(key: string, seq: number): OutgoingMessage {
  return { key, value: Buffer.from(`${key}#${seq}`), headers: headers(`${key}-${seq}`) };
}

/** Polls `predicate` until it holds; rejects naming `what` after `timeoutMs`. */
async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('kafka transport, without a broker', () => {
  // Nothing listens here: every call below must fail (or succeed) before connecting.
  const unreachable: KafkaTransportOptions = { brokers: ['127.0.0.1:1'], connectionTimeoutMs: 100 };
  let transport: Transport;
  beforeEach(() => {
    transport = createKafkaTransport(unreachable, { logger });
  });
  afterEach(async () => {
    await transport.close();
  });

  it.each<[string, string, RegExp]>([
    ['an empty name', '', /invalid topic name ""/],
    ['a space', 'has space', /invalid topic name "has space"/],
    ['a slash', 'a/b', /invalid topic name/],
    ['"."', '.', /invalid topic name/],
    ['a name leaving no room for .dlq', 'x'.repeat(246), /use up to 245 of/],
  ])('rejects a topic name with %s', async (_what, topic, expected) => {
    await expect(transport.ensureTopics([topic])).rejects.toThrow(expected);
    await expect(transport.publish(topic, [message('k', 0)])).rejects.toBeInstanceOf(KafkaInvalidArgumentError);
  });

  it('accepts a dead-letter topic name up to 249 characters', async () => {
    // Valid (an empty batch needs no broker), where a non-dead-letter topic of that length is not.
    const name = `${'x'.repeat(245)}.dlq`;
    await expect(transport.publish(name, [])).resolves.toBeUndefined();
  });

  it('rejects a batch with one bad message before publishing any of it', async () => {
    const bad = { key: 'k', value: 'not a buffer', headers: headers('e') } as unknown as OutgoingMessage;
    await expect(transport.publish('orders', [message('k', 0), bad])).rejects.toThrow(/publish to orders, message 1: value must be a Buffer/);
    await expect(transport.publish('orders', 'nope' as unknown as OutgoingMessage[])).rejects.toThrow(/messages must be an array/);
  });

  it('publishes an empty batch without touching the broker', async () => {
    await expect(transport.publish('orders', [])).resolves.toBeUndefined();
  });

  it.each<[string, object, RegExp]>([
    ['no topics', { topics: [], group: 'g' }, /topics must name at least one topic/],
    ['topics that are not a list', { topics: 'orders', group: 'g' }, /topics must be an array/],
    ['an empty group', { topics: ['orders'], group: '' }, /group must be a string of 1 to 255 characters/],
    ['no handler', { topics: ['orders'], group: 'g', handler: 'nope' }, /handler must be a function/],
    ['a batch size of 0', { topics: ['orders'], group: 'g', maxBatchSize: 0 }, /maxBatchSize must be an integer from 1/],
    ['a bad retry policy', { topics: ['orders'], group: 'g', retry: { maxAttempts: 0 } }, /retry.maxAttempts must be an integer >= 1/],
  ])('rejects a subscription with %s', async (_what, options, expected) => {
    const handler: BatchHandler = async () => undefined;
    const subscribeOptions = { handler, ...options } as Parameters<Transport['subscribe']>[0];
    const err: unknown = await transport.subscribe(subscribeOptions).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(expected);
  });

  it('refuses work once closed', async () => {
    await transport.close();
    await expect(transport.publish('orders', [message('k', 0)])).rejects.toMatchObject({ code: 'KAFKA_CLOSED', retryable: false });
    await expect(transport.ensureTopics(['orders'])).rejects.toBeInstanceOf(KafkaTransportError);
    await expect(transport.subscribe({ topics: ['orders'], group: 'g', handler: async () => undefined })).rejects.toMatchObject({ code: 'KAFKA_CLOSED' });
  });
});

const describeWithBroker = KAFKA_BROKERS === null ? describe.skip : describe;
if (KAFKA_BROKERS === null) console.warn(`kafka transport broker tests skipped: ${KAFKA_SKIP_REASON}`);

describeWithBroker(`kafka transport, against the broker at KAFKA_BROKERS${KAFKA_BROKERS === null ? ` (skipped: ${KAFKA_SKIP_REASON})` : ''}`, () => {
  const brokers = KAFKA_BROKERS ?? [];
  let transports: Transport[];
  let topics: string[];
  let admin: Admin;
  let kafka: Kafka;

  beforeEach(async () => {
    transports = [];
    topics = [];
    kafka = new Kafka({ clientId: 'paystream-tests', brokers: [...brokers], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await admin.disconnect();
    await deleteTopics(brokers, topics);
  });

  function transport(overrides: Partial<KafkaTransportOptions> = {}): Transport {
    const t = createKafkaTransport({ brokers, ...FAST_KAFKA, ...overrides }, { logger });
    transports.push(t);
    return t;
  }

  /** A fresh topic name; it and its `.dlq` are deleted after the test. */
  function newTopic(): string {
    const name = `kafka-test-${randomUUID()}`;
    topics.push(name, dlqTopic(name));
    return name;
  }

  it('creates a topic and its .dlq with the configured partitions, once, and leaves an existing topic as it is', async () => {
    const topic = newTopic();
    const t = transport({ partitions: 3 });
    await t.ensureTopics([topic]);
    await t.ensureTopics([topic]);
    // Another transport configured differently finds the topics there and changes nothing.
    await transport({ partitions: 5 }).ensureTopics([topic]);
    const { topics: described } = await admin.fetchTopicMetadata({ topics: [topic, dlqTopic(topic)] });
    expect(described.map((d) => [d.name, d.partitions.length]).sort()).toEqual([
      [topic, 3],
      [dlqTopic(topic), 3],
    ]);
  });

  it('places each key in the partition partitionFor names and writes headers as string record headers', async () => {
    const topic = newTopic();
    const t = transport({ partitions: 4 });
    await t.ensureTopics([topic]);
    const keys = Array.from({ length: 20 }, (_, i) => `merchant-${i}`).concat(['ключ-🔑']);
    await t.publish(
      topic,
      keys.map((key, i) => ({ key, value: Buffer.from([i, 0, 255]), headers: headers(`e-${i}`, { 'x-ünïcödé': 'värde 🚀' }) })),
    );

    // Read back with a plain kafkajs consumer: what other Kafka clients see.
    const raw: { partition: number; key: string; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, sessionTimeout: FAST_KAFKA.sessionTimeoutMs, heartbeatInterval: FAST_KAFKA.heartbeatIntervalMs, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message: record }) => {
          const decoded: Record<string, string> = {};
          for (const [name, value] of Object.entries(record.headers ?? {})) {
            expect(Buffer.isBuffer(value)).toBe(true);
            decoded[name] = (value as Buffer).toString('utf8');
          }
          raw.push({ partition, key: record.key?.toString('utf8') ?? '', headers: decoded });
        },
      });
      await eventually(() => raw.length >= keys.length, `${keys.length} raw records`);
    } finally {
      await consumer.disconnect();
    }
    for (const record of raw) expect({ key: record.key, partition: record.partition }).toEqual({ key: record.key, partition: partitionFor(record.key, 4) });
    expect(raw.find((r) => r.key === 'ключ-🔑')?.headers).toEqual(headers('e-20', { 'x-ünïcödé': 'värde 🚀' }));
  });

  it('dead-letters a record another client wrote without the paystream headers, and goes on past it', async () => {
    const topic = newTopic();
    const t = transport({ partitions: 1 });
    await t.ensureTopics([topic]);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: 'k', value: 'foreign', headers: { eventId: 'foreign-1' } }] });
    } finally {
      await producer.disconnect();
    }
    await t.publish(topic, [message('k', 1)]);

    const handled: IncomingMessage[] = [];
    const deadLetters: IncomingMessage[] = [];
    await t.subscribe({ topics: [dlqTopic(topic)], group: `dlq-${randomUUID()}`, handler: async (batch) => void deadLetters.push(...batch) });
    await t.subscribe({ topics: [topic], group: `g-${randomUUID()}`, handler: async (batch) => void handled.push(...batch) });
    await eventually(() => handled.length >= 1 && deadLetters.length >= 1, 'the good record and the dead letter');

    expect(handled.map((m) => [m.headers.eventId, m.position])).toEqual([['k-1', '1']]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.value.toString()).toBe('foreign');
    expect(deadLetters[0]?.headers).toMatchObject({
      eventId: 'foreign-1',
      [DLQ_HEADERS.errorCode]: 'KAFKA_MALFORMED_RECORD',
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePosition]: '0',
    });
  });

  it('commits the next offset after each handled chunk, so a member that closes leaves its position to the group', async () => {
    const topic = newTopic();
    const group = `g-${randomUUID()}`;
    const t = transport({ partitions: 1 });
    await t.ensureTopics([topic]);
    await t.publish(topic, Array.from({ length: 7 }, (_, i) => message('one-key', i)));

    const chunks: string[][] = [];
    const first = await t.subscribe({ topics: [topic], group, maxBatchSize: 3, handler: async (batch) => void chunks.push(batch.map((m) => m.position)) });
    await eventually(() => chunks.flat().length >= 7, 'seven records');
    await first.close();
    expect(chunks).toEqual([
      ['0', '1', '2'],
      ['3', '4', '5'],
      ['6'],
    ]);
    const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] })).find((entry) => entry.topic === topic);
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '7' })]);

    await t.publish(topic, [message('one-key', 7)]);
    const later: string[] = [];
    await t.subscribe({ topics: [topic], group, handler: async (batch) => void later.push(...batch.map((m) => m.position)) });
    await eventually(() => later.length >= 1, 'the record published after the close');
    expect(later).toEqual(['7']);
  });

  it('counts redeliveries within a process; a new process (transport) starts again at attempt 1', async () => {
    const topic = newTopic();
    const group = `g-${randomUUID()}`;
    const processA = transport({ partitions: 1 });
    await processA.ensureTopics([topic]);
    await processA.publish(topic, [message('k', 0)]);

    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seenByA: number[] = [];
    const crashed = await processA.subscribe({
      topics: [topic],
      group,
      handler: async (batch) => {
        seenByA.push(...batch.map((m) => m.attempt));
        await stuck;
      },
    });
    await eventually(() => seenByA.length === 1, 'the first delivery');
    await crashed.abort();
    release();

    const seenByB: number[] = [];
    const processB = transport();
    await processB.subscribe({ topics: [topic], group, handler: async (batch) => void seenByB.push(...batch.map((m) => m.attempt)) });
    await eventually(() => seenByB.length === 1, 'the takeover after the session timeout', FAST_KAFKA.sessionTimeoutMs + 10_000);
    expect(seenByA).toEqual([1]);
    expect(seenByB).toEqual([1]);
  }, FAST_KAFKA.sessionTimeoutMs + 20_000);
});
