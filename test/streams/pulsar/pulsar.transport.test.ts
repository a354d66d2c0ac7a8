import pino from 'pino';
import type { BatchHandler, IncomingMessage, OutgoingMessage, RetryPolicy, Subscription, Transport } from '../../../streams';
import { DLQ_HEADERS, dlqTopic } from '../../../streams';
import type { PulsarTransportOptions } from '../../../streams/pulsar';
import { PulsarInvalidArgumentError, PulsarTransportError } from '../../../streams/pulsar';
import { deferred, Inbox, seqOf, sleep, testMessage, uniqueName, useCleanup, within } from '../helpers';
import { FakePulsarBroker } from './fake-pulsar.broker';
import type { FakeClient, FakeSubscription } from './fake-pulsar.broker';
import { FAST_PULSAR, fakePulsarTransport, fullName } from './pulsar-test-env';

/**
 * The adapter's own logic, through our Pulsar port with the in-memory fake behind it (no broker here):
 * name mapping, producers, acknowledgement and dead-letter decisions, batching, close and abort.
 */

const cleanup = useCleanup();
const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 };

class TestFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TestFailure';
  }
}

function transportOn(broker: FakePulsarBroker, overrides: Partial<PulsarTransportOptions> = {}, logger?: pino.Logger): Transport {
  const transport = fakePulsarTransport(broker, overrides, logger);
  cleanup.defer(() => transport.close());
  return transport;
}

async function subscribe(
  transport: Transport,
  topic: string,
  group: string,
  handler: BatchHandler,
  options: { maxBatchSize?: number; retry?: Partial<RetryPolicy> } = {},
): Promise<Subscription> {
  const subscription = await transport.subscribe({ topics: [topic], group, handler, maxBatchSize: options.maxBatchSize ?? 16, retry: options.retry ?? FAST_RETRY });
  cleanup.defer(() => subscription.close());
  return subscription;
}

const collect =
  (inbox: Inbox): BatchHandler =>
  async (batch) => {
    inbox.add(batch);
  };

function subscriptionOf(broker: FakePulsarBroker, topic: string, group: string): FakeSubscription {
  const subscription = broker.topics.get(fullName(topic))?.subscriptions.get(group);
  if (subscription === undefined) throw new Error(`no subscription ${group} on ${topic}`);
  return subscription;
}

function onlyClient(broker: FakePulsarBroker): FakeClient {
  const [client] = broker.clients;
  if (client === undefined || broker.clients.length !== 1) throw new Error(`expected one client, got ${broker.clients.length}`);
  return client;
}

/** A pino logger whose records a test can read. */
function capturingLogger(): { logger: pino.Logger; records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, records };
}

async function eventually(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function thrownBy(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('pulsar transport: topics and producers', () => {
  it('maps logical topics to persistent://<tenant>/<namespace>/<topic>, with one key-batching producer per topic', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker, { batchingMaxPublishDelayMs: 7, batchingMaxMessages: 50, maxPendingMessages: 40 });
    const topic = uniqueName('orders.submitted');
    await transport.ensureTopics([topic]);
    expect(broker.producerConfigs.map((config) => config.topic)).toEqual([`persistent://acme/payments/${topic}`, `persistent://acme/payments/${topic}.dlq`]);

    const messages = Array.from({ length: 6 }, (_, i) => testMessage(`key-${i % 2}`, i));
    await transport.publish(topic, messages.slice(0, 3));
    await transport.publish(topic, messages.slice(3));
    await transport.publish(dlqTopic(topic), [testMessage('dead', 0)]);
    // Cached: no producer beyond the two ensureTopics created.
    expect(broker.producerConfigs).toHaveLength(2);
    for (const config of broker.producerConfigs) {
      expect(config).toEqual({
        topic: config.topic,
        batchingEnabled: true,
        batchingType: 'KeyBasedBatching',
        batchingMaxPublishDelayMs: 7,
        batchingMaxMessages: 50,
        maxPendingMessages: 40,
        blockIfQueueFull: false,
        sendTimeoutMs: 30_000,
      });
    }
    const stored = broker.messages(fullName(topic));
    expect(stored.map((message) => message.key)).toEqual(messages.map((message) => message.key));
    stored.forEach((message, i) => {
      const original = messages[i] as OutgoingMessage;
      expect(message.data.equals(original.value)).toBe(true);
      expect(message.properties).toEqual(original.headers);
    });
    expect(broker.messages(fullName(dlqTopic(topic)))).toHaveLength(1);
  });

  it('resolves publish only once the broker holds every message (after the producer’s batching delay)', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker, { batchingMaxPublishDelayMs: 300 });
    const topic = uniqueName('topic');
    const publishing = transport.publish(topic, [testMessage('a', 0), testMessage('b', 1)]);
    expect(await within(publishing, 100)).toBe('timed out');
    expect(broker.messages(fullName(topic))).toHaveLength(0);
    await publishing;
    expect(broker.messages(fullName(topic))).toHaveLength(2);
  });

  it('keeps at most maxPendingMessages sends in flight per topic, and publish order is call order', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker, { maxPendingMessages: 3, batchingMaxPublishDelayMs: 10 });
    const topic = uniqueName('topic');
    const first = Array.from({ length: 7 }, (_, i) => testMessage('same-key', i));
    const second = Array.from({ length: 4 }, (_, i) => testMessage('same-key', 7 + i));
    await Promise.all([transport.publish(topic, first), transport.publish(topic, second)]);
    const producer = onlyClient(broker).producers[0];
    expect(producer?.maxInFlight).toBe(3);
    expect(broker.messages(fullName(topic)).map((message) => message.properties.seq)).toEqual([...first, ...second].map((message) => message.headers.seq));
  });

  it('rejects invalid topic names, messages and subscriptions with a non-retryable RangeError naming the problem', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const handler: BatchHandler = async () => undefined;
    const cases: [string, () => Promise<unknown>, string][] = [
      ['slash', () => transport.publish('a/b', [testMessage('k', 0)]), 'invalid topic name "a/b"'],
      ['partition infix', () => transport.publish('orders-partition-1', [testMessage('k', 0)]), 'reserves "-partition-"'],
      ['no room for .dlq', () => transport.ensureTopics(['x'.repeat(246)]), 'leaving no room for .dlq'],
      ['empty', () => transport.subscribe({ topics: [''], group: 'g', handler }), 'invalid topic name ""'],
      ['missing header', () => transport.publish('t', [{ ...testMessage('k', 0), headers: { eventId: 'e' } as OutgoingMessage['headers'] }]), 'header eventType is required'],
      ['non-string header', () => transport.publish('t', [{ ...testMessage('k', 0, { n: 1 as unknown as string }) }]), 'header n must be a string'],
      ['value not a Buffer', () => transport.publish('t', [{ ...testMessage('k', 0), value: 'text' as unknown as Buffer }]), 'value must be a Buffer'],
      ['group with a slash', () => transport.subscribe({ topics: ['t'], group: 'a/b', handler }), 'group must be'],
      ['empty group', () => transport.subscribe({ topics: ['t'], group: '', handler }), 'group must be'],
      ['no topics', () => transport.subscribe({ topics: [], group: 'g', handler }), 'at least one topic'],
      ['batch size', () => transport.subscribe({ topics: ['t'], group: 'g', handler, maxBatchSize: 0 }), 'maxBatchSize'],
    ];
    for (const [name, action, text] of cases) {
      const err = await thrownBy(action);
      expect({ name, isRangeError: err instanceof RangeError, isInvalid: err instanceof PulsarInvalidArgumentError }).toEqual({ name, isRangeError: true, isInvalid: true });
      expect({ name, code: (err as PulsarInvalidArgumentError).code, retryable: (err as PulsarInvalidArgumentError).retryable }).toEqual({ name, code: 'PULSAR_INVALID_ARGUMENT', retryable: false });
      expect({ name, message: (err as Error).message }).toEqual({ name, message: expect.stringContaining(text) as string });
    }
    // Nothing invalid reached the broker.
    expect(broker.producerConfigs).toEqual([]);
    expect(broker.consumerConfigs).toEqual([]);
  });

  it('fails a publish the broker did not take with a retryable PULSAR_PUBLISH_FAILED, and publishes again afterwards', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    broker.failSends((name) => name === fullName(topic), 1);
    const err = await thrownBy(() => transport.publish(topic, [testMessage('k', 0), testMessage('k', 1)]));
    expect(err).toBeInstanceOf(PulsarTransportError);
    expect(err).toMatchObject({ code: 'PULSAR_PUBLISH_FAILED', retryable: true });
    expect((err as Error).message).toContain('1 of 2 messages');
    await transport.publish(topic, [testMessage('k', 2)]);
    expect(broker.messages(fullName(topic)).map((message) => message.properties.seq)).toEqual(['1', '2']);
  });

  it('closes producers and the client on close, and refuses work afterwards with PULSAR_CLOSED', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker, { batchingMaxPublishDelayMs: 60_000 });
    const topic = uniqueName('topic');
    await transport.ensureTopics([topic]);
    const client = onlyClient(broker);
    await transport.close();
    expect(client.closed).toBe(true);
    expect(client.producers.every((producer) => producer.closed)).toBe(true);
    for (const action of [() => transport.publish(topic, [testMessage('k', 0)]), () => transport.ensureTopics([topic]), () => transport.subscribe({ topics: [topic], group: 'g', handler: async () => undefined })]) {
      expect(await thrownBy(action)).toMatchObject({ code: 'PULSAR_CLOSED', retryable: false });
    }
  });
});

describe('pulsar transport: consuming', () => {
  it('joins a Key_Shared subscription named after the group, from the earliest message, with consumersPerTopic consumers per topic', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker, { consumersPerTopic: 2, receiverQueueSize: 77 });
    const [topicA, topicB] = [uniqueName('a'), uniqueName('b')];
    // Published before the group exists: a new group starts at the earliest message.
    await transport.publish(topicA, [testMessage('k', 0)]);
    const group = uniqueName('group');
    const inbox = new Inbox();
    const subscription = await transport.subscribe({ topics: [topicA, topicB, topicA], group, handler: collect(inbox) });
    cleanup.defer(() => subscription.close());
    expect(broker.consumerConfigs.map((config) => config.topic).sort()).toEqual([fullName(topicA), fullName(topicA), fullName(topicB), fullName(topicB)].sort());
    for (const config of broker.consumerConfigs) {
      expect(config).toMatchObject({
        subscription: group,
        subscriptionType: 'KeyShared',
        subscriptionInitialPosition: 'Earliest',
        keySharedPolicy: { keyShareMode: 'AutoSplit', allowOutOfOrderDelivery: false },
        nAckRedeliverTimeoutMs: FAST_PULSAR.visibilityTimeoutMs,
        receiverQueueSize: 77,
        batchIndexAckEnabled: true,
      });
      // Dead letters are the shared runner's: no Pulsar dead-letter policy.
      expect(config).not.toHaveProperty('deadLetterPolicy');
    }
    await inbox.waitForDistinct(1);
    expect(inbox.messages[0]).toMatchObject({ topic: topicA, partition: 0, attempt: 1, position: '(0,0,-1,-1)' });
  });

  it('acknowledges a batch only after the handler resolved', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const release = deferred();
    const inbox = new Inbox();
    await subscribe(transport, topic, group, async (batch) => {
      inbox.add(batch);
      await release.promise;
    });
    await transport.publish(topic, [testMessage('a', 0), testMessage('b', 1)]);
    await inbox.waitForDistinct(2);
    await sleep(30);
    const state = subscriptionOf(broker, topic, group);
    expect(state.acked.size).toBe(0);
    release.resolve();
    await eventually('the batch to be acknowledged', () => state.acked.size === 2);
    expect(state.pending).toBe(0);
  });

  it('collects batches of up to maxBatchSize across keys, in per-key order, and hands a short batch over after batchWaitMs', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const messages = Array.from({ length: 10 }, (_, i) => testMessage(i % 2 === 0 ? 'even' : 'odd', i));
    await transport.publish(topic, messages);
    const inbox = new Inbox();
    await subscribe(transport, topic, uniqueName('group'), collect(inbox), { maxBatchSize: 4 });
    await inbox.waitForDistinct(10);
    expect(inbox.batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(new Set((inbox.batches[0] ?? []).map((message) => message.key))).toEqual(new Set(['even', 'odd']));
    for (const key of ['even', 'odd']) {
      const seqs = inbox.messages.filter((message) => message.key === key).map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('retries a failed batch in place (no negative acknowledgement), with a rising attempt, then acknowledges it', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const seen: IncomingMessage[] = [];
    const handled = new Inbox();
    await subscribe(transport, topic, group, async (batch) => {
      seen.push(...batch);
      if (batch.some((message) => seqOf(message) === 1 && message.attempt < 3)) throw new TestFailure('flaky', 'TEST_FLAKY', true);
      handled.add(batch);
    });
    await transport.publish(topic, [testMessage('k', 0), testMessage('k', 1), testMessage('k', 2)]);
    await handled.waitForDistinct(3);
    expect(handled.messages.map(seqOf)).toEqual([0, 1, 2]);
    expect(seen.filter((message) => seqOf(message) === 1).map((message) => message.attempt)).toEqual([1, 1, 2, 3]);
    await eventually('acknowledgements', () => subscriptionOf(broker, topic, group).acked.size === 3);
    expect(broker.counts.nacks).toBe(0);
    expect(broker.messages(fullName(dlqTopic(topic)))).toHaveLength(0);
  });

  it('dead-letters through the shared runner to <topic>.dlq with the dlq headers, and acknowledges the original', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    await subscribe(transport, topic, group, async (batch) => {
      if (batch.some((message) => seqOf(message) === 0)) throw new TestFailure('malformed order', 'TEST_FATAL', false);
    });
    await transport.publish(topic, [testMessage('k', 0, { 'x-original': 'yes' }), testMessage('k', 1)]);
    await eventually('a dead letter', () => broker.messages(fullName(dlqTopic(topic))).length === 1);
    const [dead] = broker.messages(fullName(dlqTopic(topic)));
    expect(dead?.key).toBe('k');
    expect(dead?.properties).toMatchObject({
      seq: '0',
      'x-original': 'yes',
      [DLQ_HEADERS.errorCode]: 'TEST_FATAL',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: '0',
      [DLQ_HEADERS.sourcePosition]: '(0,0,-1,-1)',
      [DLQ_HEADERS.group]: group,
    });
    await eventually('acknowledgements', () => subscriptionOf(broker, topic, group).acked.size === 2);
  });

  it('dead-letters a message lacking the required headers (not written by this transport) without running the handler', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    await transport.ensureTopics([topic]);
    broker.append(fullName(topic), { data: Buffer.from('foreign'), partitionKey: 'k', properties: { origin: 'another-producer' } });
    await transport.publish(topic, [testMessage('k', 1)]);
    const inbox = new Inbox();
    await subscribe(transport, topic, group, collect(inbox));
    await inbox.waitForDistinct(1);
    expect(inbox.messages.map(seqOf)).toEqual([1]);
    await eventually('the dead letter', () => broker.messages(fullName(dlqTopic(topic))).length === 1);
    const [dead] = broker.messages(fullName(dlqTopic(topic)));
    expect(dead?.data.toString()).toBe('foreign');
    expect(dead?.properties).toMatchObject({ origin: 'another-producer', [DLQ_HEADERS.errorCode]: 'PULSAR_MALFORMED_MESSAGE', [DLQ_HEADERS.group]: group });
    expect(dead?.properties[DLQ_HEADERS.error]).toContain('eventId');
    await eventually('acknowledgements', () => subscriptionOf(broker, topic, group).acked.size === 2);
  });

  it('keeps a batch whose dead letter could not be published, retries it one attempt further, and lets later messages of the key wait', async () => {
    const broker = new FakePulsarBroker();
    const { logger, records } = capturingLogger();
    const transport = transportOn(broker, {}, logger);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    broker.failSends((name) => name === fullName(dlqTopic(topic)), 2);
    const seen: IncomingMessage[] = [];
    await subscribe(
      transport,
      topic,
      group,
      async (batch) => {
        seen.push(...batch);
        if (batch.some((message) => seqOf(message) === 0)) throw new TestFailure('poison', 'TEST_FATAL', false);
      },
      { retry: { maxAttempts: 5, initialBackoffMs: 5, maxBackoffMs: 10 } },
    );
    await transport.publish(topic, [testMessage('k', 0), testMessage('k', 1)]);
    await eventually('the dead letter', () => broker.messages(fullName(dlqTopic(topic))).length === 1);
    await eventually('acknowledgements', () => subscriptionOf(broker, topic, group).acked.size === 2);
    // Three rounds for the poison message (two failed dead-letter publishes), each one attempt further.
    expect(seen.filter((message) => seqOf(message) === 0).map((message) => message.attempt)).toEqual([1, 1, 2, 2, 3, 3]);
    // The next message of the key was handled once, after the poison message was settled.
    const lastPoison = seen.map(seqOf).lastIndexOf(0);
    expect(seen.slice(lastPoison + 1).map(seqOf)).toEqual([1]);
    expect(records.filter((record) => record.msg === 'pulsar transport: batch delivery failed; retrying it')).toHaveLength(2);
    expect(broker.counts.nacks).toBe(0);
  });

  it('close() lets the batch in flight finish and acknowledges it; prefetched messages go to the group at once, not counted as redelivered', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const messages = Array.from({ length: 20 }, (_, i) => testMessage(`key-${i % 4}`, i));
    await transport.publish(topic, messages);
    const a = new Inbox();
    let finished = 0;
    const subscriptionA = await subscribe(
      transport,
      topic,
      group,
      async (batch) => {
        a.add(batch);
        await sleep(100);
        finished += 1;
      },
      { maxBatchSize: 5 },
    );
    await a.waitFor('A to be mid-batch', (inbox) => inbox.batches.length > 0);
    await subscriptionA.close();
    expect(finished).toBe(a.batches.length);
    const state = subscriptionOf(broker, topic, group);
    expect(state.acked.size).toBe(a.messages.length);
    expect(state.consumers).toHaveLength(0);

    const b = new Inbox();
    await subscribe(transport, topic, group, collect(b));
    await b.waitForDistinct(messages.length - a.messages.length);
    expect(b.messages.every((message) => message.attempt === 1)).toBe(true);
    expect(broker.counts.nacks).toBe(0);
  });

  it('close() during a retry backoff negatively acknowledges the batch and holds the consumer until that is sent: the next member sees attempt 2', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const seen = new Inbox();
    const subscriptionA = await subscribe(
      transport,
      topic,
      group,
      async (batch) => {
        seen.add(batch);
        throw new TestFailure('downstream unavailable', 'TEST_TRANSIENT', true);
      },
      { retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 } },
    );
    await transport.publish(topic, [testMessage('k', 0)]);
    await seen.waitForDistinct(1);
    const started = performance.now();
    await subscriptionA.close();
    const took = performance.now() - started;
    expect(broker.counts.nacks).toBe(1);
    // Held for the negative-acknowledgement delay (a bit more), not for the 60 s backoff.
    expect(took).toBeGreaterThanOrEqual(FAST_PULSAR.visibilityTimeoutMs);
    expect(took).toBeLessThan(5_000);
    expect(subscriptionOf(broker, topic, group).redeliveryCount(0)).toBe(1);

    const b = new Inbox();
    await subscribe(transport, topic, group, collect(b));
    await b.waitForDistinct(1);
    expect(b.messages[0]?.attempt).toBe(2);
  });

  it('abort() returns at once and acknowledges nothing, even when the handler finishes later; the group gets the batch after the visibility timeout, attempt 2', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const hang = deferred();
    cleanup.defer(() => hang.resolve());
    const a = new Inbox();
    const subscriptionA = await subscribe(transport, topic, group, async (batch) => {
      a.add(batch);
      await hang.promise;
    });
    await transport.publish(topic, [testMessage('k', 0), testMessage('k', 1)]);
    await a.waitForDistinct(2);
    const b = new Inbox();
    await subscribe(transport, topic, group, collect(b));

    const abortedAt = performance.now();
    expect(await within(subscriptionA.abort(), 50)).toBeUndefined();
    hang.resolve();
    await b.waitForDistinct(2);
    const takenOverAfter = performance.now() - abortedAt;
    expect(takenOverAfter).toBeGreaterThanOrEqual(FAST_PULSAR.visibilityTimeoutMs * 0.9);
    expect(b.messages.map((message) => [seqOf(message), message.attempt])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    // A's late handler result acknowledged nothing; B's did.
    await eventually('B to acknowledge', () => subscriptionOf(broker, topic, group).acked.size === 2);
    await sleep(30);
    expect(broker.counts.acks).toBe(2);
    expect(broker.counts.nacks).toBe(2);
  });

  it('dead-letters a message redelivered beyond maxAttempts without running the handler', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const topic = uniqueName('topic');
    const group = uniqueName('group');
    const hang = deferred();
    cleanup.defer(() => hang.resolve());
    const a = new Inbox();
    const subscriptionA = await subscribe(
      transport,
      topic,
      group,
      async (batch) => {
        a.add(batch);
        await hang.promise;
      },
      { retry: { maxAttempts: 1 } },
    );
    await transport.publish(topic, [testMessage('k', 0)]);
    await a.waitForDistinct(1);
    await subscriptionA.abort();

    const b = new Inbox();
    await subscribe(transport, topic, group, collect(b), { retry: { maxAttempts: 1 } });
    await eventually('the dead letter', () => broker.messages(fullName(dlqTopic(topic))).length === 1);
    const [dead] = broker.messages(fullName(dlqTopic(topic)));
    expect(dead?.properties[DLQ_HEADERS.error]).toContain('redelivered beyond the retry limit');
    expect(dead?.properties[DLQ_HEADERS.attempts]).toBe('1');
    expect(b.messages).toEqual([]);
  });

  it('stays open for publishing while it drains: a handler finishing during close() can still publish its output', async () => {
    const broker = new FakePulsarBroker();
    const transport = fakePulsarTransport(broker);
    const [input, output] = [uniqueName('in'), uniqueName('out')];
    const started = deferred();
    await transport.subscribe({
      topics: [input],
      group: uniqueName('group'),
      handler: async (batch) => {
        started.resolve();
        await sleep(50);
        await transport.publish(output, batch.map((message) => testMessage(message.key, seqOf(message) + 100)));
      },
    });
    await transport.publish(input, [testMessage('k', 1)]);
    await started.promise;
    await transport.close();
    expect(broker.messages(fullName(output)).map((message) => message.properties.seq)).toEqual(['101']);
    expect(onlyClient(broker).consumers.every((consumer) => consumer.closed)).toBe(true);
  });

  it('fails a subscribe whose consumer cannot be created with a retryable PULSAR_SUBSCRIBE_FAILED, leaving no consumer behind', async () => {
    const broker = new FakePulsarBroker();
    const transport = transportOn(broker);
    const [topicA, topicB] = [uniqueName('a'), uniqueName('b')];
    broker.failNextSubscribes(1);
    const err = await thrownBy(() => transport.subscribe({ topics: [topicA, topicB], group: uniqueName('group'), handler: async () => undefined }));
    expect(err).toBeInstanceOf(PulsarTransportError);
    expect(err).toMatchObject({ code: 'PULSAR_SUBSCRIBE_FAILED', retryable: true });
    const consumers = onlyClient(broker).consumers;
    expect(consumers).toHaveLength(1);
    expect(consumers.every((consumer) => consumer.closed)).toBe(true);
  });
});
