import pino from 'pino';
import type { IncomingMessage, MemoryTransport, MemoryTransportOptions, OutgoingMessage, TransportOptions } from '../../../streams';
import { createMemoryTransport, createTransport, DLQ_HEADERS, dlqTopic, partitionFor } from '../../../streams';
import { deferred, Inbox, seqOf, silentLogger, sleep, testMessage, uniqueName, useCleanup, within } from '../helpers';

const cleanup = useCleanup();

function memoryTransport(options: MemoryTransportOptions = {}, logger = silentLogger): MemoryTransport {
  const transport = createMemoryTransport(options, { logger });
  cleanup.defer(() => transport.close());
  return transport;
}

/** A pino logger whose records a test can read. */
function capturingLogger(): { logger: pino.Logger; records: { level: number; msg: string; [field: string]: unknown }[] } {
  const records: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, records };
}

const collect = (inbox: Inbox) => async (batch: readonly IncomingMessage[]) => {
  inbox.add(batch);
};

function topicStats(transport: MemoryTransport, topic: string): ReturnType<MemoryTransport['stats']>[number] {
  const stats = transport.stats().find((entry) => entry.topic === topic);
  if (stats === undefined) throw new Error(`no stats for ${topic}`);
  return stats;
}

describe('memory transport options', () => {
  it.each<[MemoryTransportOptions, string]>([
    [{ partitions: 0 }, 'partitions'],
    [{ partitions: 1.5 }, 'partitions'],
    [{ partitions: Number.NaN }, 'partitions'],
    [{ visibilityTimeoutMs: -1 }, 'visibilityTimeoutMs'],
    [{ visibilityTimeoutMs: 2 ** 31 }, 'visibilityTimeoutMs'],
    [{ maxRetainedPerPartition: 0 }, 'maxRetainedPerPartition'],
  ])('rejects %j naming %s', (options, name) => {
    let thrown: unknown;
    try {
      createMemoryTransport(options, { logger: silentLogger });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect((thrown as Error).message).toContain(name);
  });

  it('is built by createTransport, which rejects an unknown adapter name', async () => {
    const transport = await createTransport({ name: 'memory', partitions: 3 }, { logger: silentLogger });
    cleanup.defer(() => transport.close());
    expect(transport.name).toBe('memory');
    await expect(createTransport({ name: 'nats' } as unknown as TransportOptions, { logger: silentLogger })).rejects.toThrow(/unknown transport "nats"/);
    await expect(createTransport({ name: 'memory', partitions: -2 }, { logger: silentLogger })).rejects.toThrow(RangeError);
  });

  it('validates subscriptions and messages', async () => {
    const transport = memoryTransport();
    const topic = uniqueName('t');
    const handler = async (): Promise<void> => undefined;
    await expect(transport.subscribe({ topics: [topic], group: 'g', handler, maxBatchSize: 0 })).rejects.toThrow(/maxBatchSize/);
    await expect(transport.subscribe({ topics: [topic], group: 'g', handler, retry: { maxAttempts: 0 } })).rejects.toThrow(/maxAttempts/);
    await expect(transport.subscribe({ topics: [topic], group: 'g', handler, retry: { initialBackoffMs: -1 } })).rejects.toThrow(/initialBackoffMs/);
    await expect(transport.subscribe({ topics: [], group: 'g', handler })).rejects.toThrow(/at least one topic/);
    await expect(transport.subscribe({ topics: [topic], group: '', handler })).rejects.toThrow(/group/);
    await expect(transport.subscribe({ topics: ['bad topic'], group: 'g', handler })).rejects.toThrow(/invalid topic name/);
    await expect(transport.ensureTopics(['x'.repeat(246)])).rejects.toThrow(/up to 245/);

    const good = testMessage('k', 1);
    const withoutEventId: Record<string, string> = { ...good.headers };
    delete withoutEventId.eventId;
    const bad = { ...good, headers: withoutEventId } as unknown as OutgoingMessage;
    await expect(transport.publish(topic, [good, bad])).rejects.toThrow(/message 1: header eventId is required/);
    await expect(transport.publish(topic, [{ ...good, value: 'text' as unknown as Buffer }])).rejects.toThrow(/value must be a Buffer/);
    await expect(transport.publish(topic, [{ ...good, headers: { ...good.headers, n: 1 as unknown as string } }])).rejects.toThrow(/header n must be a string/);
    // A rejected batch publishes nothing, not even its valid messages.
    expect(topicStats(transport, topic).endOffsets.every((offset) => offset === 0)).toBe(true);
  });
});

describe('memory transport', () => {
  it('places each key on partitionFor(key, partitions) with increasing positions', async () => {
    const transport = memoryTransport({ partitions: 5 });
    const topic = uniqueName('t');
    const inbox = new Inbox();
    await transport.subscribe({ topics: [topic], group: 'g', handler: collect(inbox) });
    const messages = Array.from({ length: 100 }, (_, i) => testMessage(`merchant-${i % 13}`, i));
    await transport.publish(topic, messages);
    await inbox.waitForDistinct(100);

    const lastPosition = new Map<number, number>();
    for (const message of inbox.messages) {
      expect(message.partition).toBe(partitionFor(message.key, 5));
      const position = Number(message.position);
      expect(position).toBeGreaterThan(lastPosition.get(message.partition) ?? -1);
      lastPosition.set(message.partition, position);
    }
    expect(topicStats(transport, topic).endOffsets.reduce((sum, end) => sum + end, 0)).toBe(100);
  });

  it('lingers after the first new message so that messages arriving together form one batch', async () => {
    const sizes = async (lingerMs: number): Promise<number[]> => {
      const transport = memoryTransport({ partitions: 1, lingerMs });
      const topic = uniqueName('t');
      const inbox = new Inbox();
      const batchSizes: number[] = [];
      await transport.subscribe({
        topics: [topic],
        group: 'g',
        handler: async (batch) => {
          batchSizes.push(batch.length);
          inbox.add(batch);
        },
      });
      // Ten separate publishes, a few milliseconds apart.
      for (let i = 0; i < 10; i += 1) {
        await transport.publish(topic, [testMessage('k', i)]);
        await sleep(3);
      }
      await inbox.waitForDistinct(10);
      return batchSizes;
    };
    const eager = await sizes(0);
    const lingering = await sizes(200);
    expect(eager.length).toBeGreaterThan(5);
    expect(lingering).toEqual([10]);
  });

  it('gives every delivery its own copy of the bytes and headers', async () => {
    const transport = memoryTransport();
    const topic = uniqueName('t');
    const vandalised = deferred();
    const reader = new Inbox();
    await transport.subscribe({
      topics: [topic],
      group: 'vandal',
      handler: async (batch) => {
        for (const message of batch) {
          message.value.fill(0);
          message.headers.eventType = 'Vandalised';
        }
        vandalised.resolve();
      },
    });
    await transport.subscribe({
      topics: [topic],
      group: 'reader',
      handler: async (batch) => {
        await vandalised.promise;
        reader.add(batch);
      },
    });
    const message = testMessage('k', 1);
    const value = Buffer.from('original bytes');
    await transport.publish(topic, [{ ...message, value }]);
    // The publisher reuses its buffer and header object, as it may with any client.
    value.fill(1);
    message.headers.eventId = 'changed';
    await reader.waitForDistinct(1);

    const received = reader.messages[0];
    expect(received?.value.toString()).toBe('original bytes');
    expect(received?.headers.eventType).toBe('TestEvent');
    expect(received?.headers.eventId).toBe('k:1');
  });

  it('assigns partitions round-robin by join order and rebalances when a member leaves', async () => {
    const transport = memoryTransport({ partitions: 6 });
    const topic = uniqueName('t');
    const inboxes = [new Inbox(), new Inbox(), new Inbox()];
    const all = new Inbox();
    const subscriptions = [];
    for (const inbox of inboxes) {
      subscriptions.push(
        await transport.subscribe({
          topics: [topic],
          group: 'g',
          handler: async (batch) => {
            inbox.add(batch);
            all.add(batch);
          },
        }),
      );
    }
    const keys = Array.from({ length: 60 }, (_, i) => `k-${i}`);
    await transport.publish(topic, keys.map((key, i) => testMessage(key, i)));
    await all.waitForDistinct(60);
    inboxes.forEach((inbox, member) => {
      expect(inbox.messages.length).toBeGreaterThan(0);
      expect(inbox.messages.every((message) => message.partition % 3 === member)).toBe(true);
    });

    await subscriptions[1]?.close();
    const before = inboxes.map((inbox) => inbox.messages.length);
    await transport.publish(topic, keys.map((key, i) => testMessage(key, 100 + i)));
    await all.waitForDistinct(120);
    // Remaining members, in join order, now own partitions p % 2 === 0 and p % 2 === 1.
    [0, 2].forEach((index, member) => {
      const fresh = inboxes[index]?.messages.slice(before[index]) ?? [];
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.every((message) => message.partition % 2 === member)).toBe(true);
    });
    expect(inboxes[1]?.messages.length).toBe(before[1]);
  });

  it('starts a new group at the oldest retained message and trims what every group acknowledged', async () => {
    const transport = memoryTransport({ partitions: 2 });
    const topic = uniqueName('t');
    await transport.publish(topic, Array.from({ length: 10 }, (_, i) => testMessage(`k-${i}`, i)));
    expect(topicStats(transport, topic).retained.reduce((sum, n) => sum + n, 0)).toBe(10);

    const fast = new Inbox();
    const slowGate = deferred();
    const slow = new Inbox();
    await transport.subscribe({ topics: [topic], group: 'fast', handler: collect(fast) });
    const slowSubscription = await transport.subscribe({
      topics: [topic],
      group: 'slow',
      handler: async (batch) => {
        await slowGate.promise;
        slow.add(batch);
      },
    });
    await fast.waitForDistinct(10);
    await sleep(20);
    // The slow group has acknowledged nothing yet: everything is kept for it.
    expect(topicStats(transport, topic).retained.reduce((sum, n) => sum + n, 0)).toBe(10);
    slowGate.resolve();
    await slow.waitForDistinct(10);
    await slowSubscription.close();
    const stats = topicStats(transport, topic);
    expect(stats.retained).toEqual([0, 0]);
    expect(stats.groups.map((group) => group.lag)).toEqual([0, 0]);
  });

  it('caps retention per partition, and a group behind the cap skips with a warning', async () => {
    const { logger, records } = capturingLogger();
    const transport = memoryTransport({ partitions: 1, maxRetainedPerPartition: 10 }, logger);
    const topic = uniqueName('t');
    await transport.publish(topic, Array.from({ length: 25 }, (_, i) => testMessage('k', i)));
    expect(topicStats(transport, topic).retained).toEqual([10]);

    const gate = deferred();
    const inbox = new Inbox();
    await transport.subscribe({
      topics: [topic],
      group: 'late',
      maxBatchSize: 5,
      handler: async (batch) => {
        inbox.add(batch);
        await gate.promise;
      },
    });
    await inbox.waitForDistinct(5);
    expect(inbox.messages.map(seqOf)).toEqual([15, 16, 17, 18, 19]);
    // 20 more while the group is stuck on offsets 15-19: offsets 15-34 fall out of the cap of 10
    // (the batch in flight still completes; the warning counts everything not acknowledged).
    await transport.publish(topic, Array.from({ length: 20 }, (_, i) => testMessage('k', 25 + i)));
    gate.resolve();
    await inbox.waitFor('the newest 10', (all) => all.messages.some((message) => seqOf(message) === 44));
    expect(inbox.messages.map(seqOf)).toEqual([15, 16, 17, 18, 19, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44]);
    expect(records).toContainEqual(expect.objectContaining({ level: 40, topic, group: 'late', skipped: 20, msg: expect.stringContaining('retention cap') as string }));
  });

  it('moves an aborted member’s idle partitions at once, without waiting for the visibility timeout', async () => {
    const transport = memoryTransport({ partitions: 4, visibilityTimeoutMs: 60_000 });
    const topic = uniqueName('t');
    const a = new Inbox();
    const b = new Inbox();
    const subscriptionA = await transport.subscribe({ topics: [topic], group: 'g', handler: collect(a) });
    await transport.subscribe({ topics: [topic], group: 'g', handler: collect(b) });
    await subscriptionA.abort();
    await transport.publish(topic, Array.from({ length: 40 }, (_, i) => testMessage(`k-${i}`, i)));
    await b.waitForDistinct(40, 5000);
    expect(a.messages).toEqual([]);
    expect(b.messages.every((message) => message.attempt === 1)).toBe(true);
  });

  it('ends a pending retry backoff on close, leaving the message to the group with a higher attempt', async () => {
    const transport = memoryTransport({ partitions: 1 });
    const topic = uniqueName('t');
    const first = new Inbox();
    const subscription = await transport.subscribe({
      topics: [topic],
      group: 'g',
      retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      handler: async (batch) => {
        first.add(batch);
        throw new Error('down');
      },
    });
    await transport.publish(topic, [testMessage('k', 1)]);
    await first.waitForDistinct(1);
    await expect(within(subscription.close(), 5000)).resolves.toBeUndefined();

    const second = new Inbox();
    await transport.subscribe({ topics: [topic], group: 'g', handler: collect(second) });
    await second.waitForDistinct(1);
    expect(second.messages.map((message) => message.attempt)).toEqual([2]);
  });

  it('logs a delivery that fails outside the handler and redelivers it until the retry limit dead-letters it', async () => {
    const { logger, records } = capturingLogger();
    const transport = memoryTransport({ partitions: 1 }, logger);
    const topic = uniqueName('t');
    const deadLetters = new Inbox();
    await transport.subscribe({ topics: [dlqTopic(topic)], group: 'dlq', handler: collect(deadLetters) });
    const attempts: number[] = [];
    await transport.subscribe({
      topics: [topic],
      group: 'g',
      retry: { maxAttempts: 1, initialBackoffMs: 1, maxBackoffMs: 1 },
      handler: async (batch) => {
        attempts.push(...batch.map((message) => message.attempt));
        // An error whose code cannot even be read makes the runner itself fail while dead-lettering.
        throw Object.defineProperty(new Error('hostile'), 'code', {
          get(): never {
            throw new Error('no code for you');
          },
        });
      },
    });
    await transport.publish(topic, [testMessage('k', 1)]);
    await deadLetters.waitForDistinct(1);
    expect(attempts).toEqual([1]);
    expect(deadLetters.messages[0]?.headers[DLQ_HEADERS.error]).toContain('redelivered beyond the retry limit');
    expect(records).toContainEqual(expect.objectContaining({ level: 50, topic, group: 'g', msg: expect.stringContaining('redelivering') as string }));
  });

  it('closes every subscription on close(), draining them, and refuses work afterwards', async () => {
    const transport = createMemoryTransport({ partitions: 1 }, { logger: silentLogger });
    const topic = uniqueName('t');
    const output = uniqueName('out');
    let finished = 0;
    const started = new Inbox();
    await transport.subscribe({
      topics: [topic],
      group: 'g',
      handler: async (batch) => {
        started.add(batch);
        await sleep(100);
        // Draining handlers may still publish their outputs.
        await transport.publish(output, batch.map((message) => testMessage(message.key, seqOf(message))));
        finished += batch.length;
      },
    });
    await transport.publish(topic, [testMessage('k', 1)]);
    await started.waitForDistinct(1);
    await transport.close();
    expect(finished).toBe(1);
    expect(topicStats(transport, output).endOffsets).toEqual([1]);
    expect(topicStats(transport, topic).groups[0]?.lag).toBe(0);
    await expect(transport.publish(topic, [testMessage('k', 2)])).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED', retryable: false });
    await expect(transport.subscribe({ topics: [topic], group: 'g', handler: collect(new Inbox()) })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    await expect(transport.ensureTopics([topic])).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
  });

  it('reports as backlog the messages a group has yet to acknowledge, in topics that have a group', async () => {
    const transport = memoryTransport({ partitions: 2 });
    const read = uniqueName('read');
    const unread = uniqueName('unread');
    await transport.ensureTopics([read, unread]);
    const release = deferred();
    const started = new Inbox();
    await transport.subscribe({
      topics: [read],
      group: 'g',
      handler: async (batch) => {
        started.add(batch);
        await release.promise;
      },
    });
    // A topic nobody subscribed to is not a backlog: nothing downstream waits for it.
    await transport.publish(unread, [testMessage('u', 1), testMessage('u', 2)]);
    await transport.publish(read, [testMessage('a', 1), testMessage('b', 1), testMessage('a', 2)]);
    expect(transport.backlog()).toBe(3);
    await started.waitForDistinct(1);
    release.resolve();
    await within(
      (async () => {
        while (transport.backlog() > 0) await sleep(5);
      })(),
      5_000,
    );
    expect(transport.backlog()).toBe(0);
    expect(new Set(started.eventIds()).size).toBe(3);
  });

  it('creates a topic and its dead-letter topic in ensureTopics, idempotently', async () => {
    const transport = memoryTransport();
    const topic = uniqueName('t');
    await transport.ensureTopics([topic, dlqTopic(topic)]);
    await transport.ensureTopics([topic]);
    expect(transport.stats().map((entry) => entry.topic).sort()).toEqual([topic, dlqTopic(topic)].sort());
    expect(topicStats(transport, topic).retained).toHaveLength(8);
  });
});
