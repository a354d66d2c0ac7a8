import type { BatchHandler, IncomingMessage, OutgoingMessage, Subscription, Transport } from '../../streams';
import { DLQ_HEADERS, dlqTopic } from '../../streams';
import type { TransportFactory } from './helpers';
import { countBy, deferred, Inbox, seqOf, sleep, testMessage, transportFactories, uniqueName, useCleanup } from './helpers';

/**
 * One suite every transport passes, using only the port (streams/types.ts). Adapters are listed in
 * helpers.ts; one that is not reachable here is skipped, with the reason in the suite's name.
 */

const FAST_RETRY = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 };
/** Long enough for a wrong duplicate or a late redelivery to show up. */
const SETTLE_MS = 150;

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

function conformanceSuite(factory: TransportFactory): void {
  const cleanup = useCleanup();
  let transport: Transport;
  let topic: string;

  beforeEach(async () => {
    transport = await cleanup.transport(factory);
    topic = uniqueName('conformance');
    await transport.ensureTopics([topic]);
  });

  async function subscribe(group: string, handler: BatchHandler, options: { topic?: string; maxBatchSize?: number } = {}): Promise<Subscription> {
    const subscription = await transport.subscribe({
      topics: [options.topic ?? topic],
      group,
      handler,
      maxBatchSize: options.maxBatchSize ?? 16,
      retry: FAST_RETRY,
    });
    cleanup.defer(() => subscription.close());
    return subscription;
  }

  const collect =
    (...inboxes: Inbox[]): BatchHandler =>
    async (batch) => {
      for (const inbox of inboxes) inbox.add(batch);
    };

  it('keeps per-key order with concurrent publishers and two consumers in a group, across a rebalance', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const perKey = 40;
    const group = uniqueName('group');
    const all = new Inbox();
    let calls = 0;
    const handler: BatchHandler = async (batch) => {
      all.add(batch);
      calls += 1;
      // Some batches finish later than others, so the two consumers really interleave.
      if (calls % 3 === 0) await sleep(1);
    };
    await subscribe(group, handler);

    const publishers = [0, 1, 2, 3, 4].map(async (publisher) => {
      const own = keys.filter((_, i) => i % 5 === publisher);
      for (let from = 0; from < perKey; from += 8) {
        const batch: OutgoingMessage[] = [];
        for (let seq = from; seq < from + 8; seq += 1) for (const key of own) batch.push(testMessage(key, seq));
        await transport.publish(topic, batch);
      }
    });
    // The second consumer joins while the first is busy: partitions change hands mid-stream.
    const secondJoins = (async () => {
      await all.waitFor('the first consumer to be under way', (inbox) => inbox.messages.length >= 100);
      await subscribe(group, handler);
    })();
    await Promise.all([...publishers, secondJoins]);

    await all.waitForDistinct(keys.length * perKey, 10_000);
    await sleep(SETTLE_MS);
    expect(all.messages).toHaveLength(keys.length * perKey);
    const seqsByKey = new Map<string, number[]>();
    for (const message of all.messages) seqsByKey.set(message.key, [...(seqsByKey.get(message.key) ?? []), seqOf(message)]);
    const expected = Array.from({ length: perKey }, (_, i) => i);
    for (const key of keys) expect({ key, seqs: seqsByKey.get(key) }).toEqual({ key, seqs: expected });
  });

  it('delivers every message to every group exactly once', async () => {
    const first = new Inbox();
    const second = new Inbox();
    await subscribe(uniqueName('group'), collect(first));
    await subscribe(uniqueName('group'), collect(second));
    const messages = Array.from({ length: 200 }, (_, i) => testMessage(`key-${i % 20}`, i));
    await transport.publish(topic, messages.slice(0, 100));
    await transport.publish(topic, messages.slice(100));

    await first.waitForDistinct(200);
    await second.waitForDistinct(200);
    await sleep(SETTLE_MS);
    const expected = messages.map((message) => message.headers.eventId).sort();
    for (const inbox of [first, second]) {
      expect(inbox.eventIds().sort()).toEqual(expected);
      expect(inbox.messages.every((message) => message.attempt === 1 && message.topic === topic)).toBe(true);
    }
  });

  it('splits a group between two consumers without handing acknowledged messages to the newcomer', async () => {
    const group = uniqueName('group');
    const a = new Inbox();
    const b = new Inbox();
    const union = new Inbox();
    await subscribe(group, collect(a, union));
    const before = Array.from({ length: 100 }, (_, i) => testMessage(`key-${i % 20}`, i));
    await transport.publish(topic, before);
    await a.waitForDistinct(100);

    await subscribe(group, collect(b, union));
    // Publish in rounds until the newcomer gets a share: some engines rebalance in the background.
    const after: OutgoingMessage[] = [];
    for (let round = 0; round < 50 && b.messages.length === 0; round += 1) {
      const messages = Array.from({ length: 20 }, (_, i) => testMessage(`key-${i}`, 100 + round * 20 + i));
      after.push(...messages);
      await transport.publish(topic, messages);
      await b.reached((inbox) => inbox.messages.length > 0, 100);
    }
    await union.waitForDistinct(before.length + after.length);
    await sleep(SETTLE_MS);

    expect(a.messages.length).toBeGreaterThan(before.length);
    expect(b.messages.length).toBeGreaterThan(0);
    const beforeIds = new Set(before.map((message) => message.headers.eventId));
    expect(b.eventIds().filter((id) => beforeIds.has(id))).toEqual([]);
    const counts = countBy([...a.messages, ...b.messages], (message) => message.headers.eventId);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual([...before, ...after].map((message) => message.headers.eventId).sort());
  });

  it('redelivers a message whose handler failed, losing nothing', async () => {
    const seen = new Inbox();
    const handled = new Inbox();
    const deadLetters = new Inbox();
    await subscribe(uniqueName('dlq-reader'), collect(deadLetters), { topic: dlqTopic(topic) });
    const flaky = (message: IncomingMessage): boolean => seqOf(message) % 5 === 0;
    await subscribe(uniqueName('group'), async (batch) => {
      seen.add(batch);
      if (batch.some((message) => flaky(message) && message.attempt === 1)) throw new TestFailure('transient failure', 'TEST_TRANSIENT', true);
      handled.add(batch);
    });
    const messages = Array.from({ length: 100 }, (_, i) => testMessage(`key-${i % 10}`, i));
    await transport.publish(topic, messages);

    await handled.waitForDistinct(100);
    await sleep(SETTLE_MS);
    expect(deadLetters.messages).toEqual([]);
    // Handled exactly once each, in order per key.
    expect(handled.messages).toHaveLength(100);
    const seqsByKey = new Map<string, number[]>();
    for (const message of handled.messages) seqsByKey.set(message.key, [...(seqsByKey.get(message.key) ?? []), seqOf(message)]);
    for (const [key, seqs] of seqsByKey) expect({ key, seqs }).toEqual({ key, seqs: [...seqs].sort((x, y) => x - y) });
    // The failed ones came back with a higher attempt.
    const flakyHandled = handled.messages.filter(flaky);
    expect(flakyHandled).toHaveLength(20);
    expect(flakyHandled.every((message) => message.attempt >= 2)).toBe(true);
    expect(seen.messages.filter((message) => flaky(message) && message.attempt === 1).length).toBeGreaterThanOrEqual(20);
  });

  it('dead-letters a poison message after maxAttempts and a non-retryable one at once, with its bytes and source', async () => {
    const group = uniqueName('group');
    const seen = new Inbox();
    const handled = new Inbox();
    const deadLetters = new Inbox();
    await subscribe(uniqueName('dlq-reader'), collect(deadLetters), { topic: dlqTopic(topic) });
    await subscribe(
      group,
      async (batch) => {
        seen.add(batch);
        if (batch.some((message) => seqOf(message) === 3)) throw new TestFailure('poison pill 3', 'TEST_POISON', true);
        if (batch.some((message) => seqOf(message) === 7)) throw new TestFailure('malformed 7', 'TEST_FATAL', false);
        handled.add(batch);
      },
      { maxBatchSize: 50 },
    );
    const messages = Array.from({ length: 10 }, (_, seq) => testMessage('one-key', seq, { 'x-original': `original ${seq}` }));
    await transport.publish(topic, messages);

    await deadLetters.waitForDistinct(2);
    await handled.waitForDistinct(8);
    await sleep(SETTLE_MS);
    expect(handled.messages.map(seqOf)).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
    expect(deadLetters.messages).toHaveLength(2);

    const poisonAttempts = seen.messages.filter((message) => seqOf(message) === 3).map((message) => message.attempt);
    expect(new Set(poisonAttempts)).toEqual(new Set([1, 2, 3]));
    const fatalAttempts = seen.messages.filter((message) => seqOf(message) === 7).map((message) => message.attempt);
    expect(new Set(fatalAttempts)).toEqual(new Set([1]));

    const expectations = [
      { seq: 3, code: 'TEST_POISON', text: 'poison pill 3', attempts: '3' },
      { seq: 7, code: 'TEST_FATAL', text: 'malformed 7', attempts: '1' },
    ];
    for (const { seq, code, text, attempts } of expectations) {
      const original = messages[seq] as OutgoingMessage;
      const delivered = seen.messages.find((message) => seqOf(message) === seq);
      const dead = deadLetters.messages.find((message) => seqOf(message) === seq);
      if (delivered === undefined || dead === undefined) throw new Error(`message ${seq} was not delivered and dead-lettered`);
      expect(dead.topic).toBe(dlqTopic(topic));
      expect(dead.key).toBe(original.key);
      expect(dead.value.equals(original.value)).toBe(true);
      for (const [name, value] of Object.entries(original.headers)) expect({ name, value: dead.headers[name] }).toEqual({ name, value });
      expect(dead.headers[DLQ_HEADERS.error]).toContain(text);
      expect(dead.headers[DLQ_HEADERS.errorCode]).toBe(code);
      expect(dead.headers[DLQ_HEADERS.attempts]).toBe(attempts);
      expect(dead.headers[DLQ_HEADERS.sourceTopic]).toBe(topic);
      expect(dead.headers[DLQ_HEADERS.sourcePartition]).toBe(String(delivered.partition));
      expect(dead.headers[DLQ_HEADERS.sourcePosition]).toBe(delivered.position);
      expect(dead.headers[DLQ_HEADERS.group]).toBe(group);
      expect(Number.isNaN(Date.parse(dead.headers[DLQ_HEADERS.failedAt] ?? ''))).toBe(false);
    }
  });

  it('hands an aborted consumer’s unacknowledged messages to another member after the visibility timeout', async () => {
    const group = uniqueName('group');
    const a = new Inbox();
    const b = new Inbox();
    const hang = deferred();
    const receivedByA = new Map<string, number>();
    let aborted = false;
    let callsAfterAbort = 0;
    const subscriptionA = await subscribe(
      group,
      async (batch) => {
        if (aborted) callsAfterAbort += 1;
        for (const message of batch) receivedByA.set(message.headers.eventId, performance.now());
        a.add(batch);
        await hang.promise;
      },
      { maxBatchSize: 10 },
    );
    // Registered after the subscription's own cleanup, so it runs first should the test fail early.
    cleanup.defer(() => hang.resolve());
    const messages = Array.from({ length: 40 }, (_, i) => testMessage(`key-${i % 8}`, i));
    await transport.publish(topic, messages);
    await a.waitFor('consumer A to be stuck in its handler', (inbox) => inbox.messages.length > 0);

    const receivedByB = new Map<string, number>();
    await subscribe(group, async (batch) => {
      for (const message of batch) receivedByB.set(message.headers.eventId, performance.now());
      b.add(batch);
    });
    aborted = true;
    await subscriptionA.abort();
    // A handler of an aborted subscription that resolves late must not acknowledge anything.
    hang.resolve();

    await b.waitForDistinct(messages.length, factory.visibilityTimeoutMs + 10_000);
    await sleep(SETTLE_MS);
    expect(callsAfterAbort).toBe(0);
    expect(b.eventIds().sort()).toEqual(messages.map((message) => message.headers.eventId).sort());
    expect(receivedByA.size).toBeGreaterThan(0);
    for (const [eventId, atA] of receivedByA) {
      const redelivered = b.messages.find((message) => message.headers.eventId === eventId);
      expect({ eventId, redeliveredWithHigherAttempt: (redelivered?.attempt ?? 0) >= 2 }).toEqual({ eventId, redeliveredWithHigherAttempt: true });
      // Not before the visibility timeout (measured from A's delivery, so lenient for every engine).
      expect((receivedByB.get(eventId) ?? 0) - atA).toBeGreaterThanOrEqual(factory.visibilityTimeoutMs * 0.9);
    }
  });

  it('close() lets the batch in flight finish, acknowledges it, and leaves the rest to the group', async () => {
    const group = uniqueName('group');
    const a = new Inbox();
    const handledByA = new Inbox();
    let started = 0;
    let finished = 0;
    const subscriptionA = await subscribe(
      group,
      async (batch) => {
        started += 1;
        a.add(batch);
        await sleep(200);
        handledByA.add(batch);
        finished += 1;
      },
      { maxBatchSize: 5 },
    );
    const messages = Array.from({ length: 60 }, (_, i) => testMessage(`key-${i % 4}`, i));
    await transport.publish(topic, messages);
    await a.waitFor('consumer A to be mid-batch', (inbox) => inbox.batches.length > 0);

    await subscriptionA.close();
    expect(finished).toBe(started);
    const startedAtClose = started;
    const handledIds = handledByA.eventIds();
    expect(handledIds.length).toBeGreaterThan(0);
    expect(handledIds.length).toBeLessThan(messages.length);

    const b = new Inbox();
    await subscribe(group, collect(b));
    await b.waitForDistinct(messages.length - handledIds.length);
    await sleep(SETTLE_MS);
    expect(started).toBe(startedAtClose);
    const handled = new Set(handledIds);
    expect(b.eventIds().filter((id) => handled.has(id))).toEqual([]);
    expect([...b.eventIds(), ...handledIds].sort()).toEqual(messages.map((message) => message.headers.eventId).sort());
  });

  it('round-trips keys, bytes and headers exactly', async () => {
    const inbox = new Inbox();
    await subscribe(uniqueName('group'), collect(inbox));
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const random = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 2_654_435_761) >>> 24));
    const unicodeHeaders = {
      'x-ünïcödé-名前': 'värde ✓ 🚀 é (e + combining acute)',
      'x-quotes': `"double" 'single' \\backslash\\ \`tick\``,
      'x-lines': 'line one\nline two\r\n\ttabbed',
      'x-empty': '',
    };
    const messages: OutgoingMessage[] = [
      { ...testMessage('ключ-🔑-鍵-ü', 0, unicodeHeaders), value: everyByte },
      { ...testMessage('empty-value', 1), value: Buffer.alloc(0) },
      { ...testMessage('big-value', 2, { correlationId: 'корреляция-🚀' }), value: random },
    ];
    await transport.publish(topic, messages);

    await inbox.waitForDistinct(messages.length);
    for (const original of messages) {
      const received = inbox.messages.find((message) => message.headers.eventId === original.headers.eventId);
      if (received === undefined) throw new Error(`${original.headers.eventId} not received`);
      expect(received.key).toBe(original.key);
      expect(Buffer.isBuffer(received.value)).toBe(true);
      expect(received.value.length).toBe(original.value.length);
      expect(received.value.equals(original.value)).toBe(true);
      for (const [name, value] of Object.entries(original.headers)) expect({ name, value: received.headers[name] }).toEqual({ name, value });
      expect(received.topic).toBe(topic);
      expect(received.attempt).toBe(1);
      expect(Number.isInteger(received.partition) && received.partition >= 0).toBe(true);
      expect(received.position.length).toBeGreaterThan(0);
    }
  });
}

const available = transportFactories.filter((factory) => factory.available);
const unavailable = transportFactories.filter((factory) => !factory.available);

for (const factory of unavailable) {
  console.warn(`transport conformance: ${factory.name} skipped: ${factory.skipReason ?? 'not available'}`);
}
if (unavailable.length > 0) {
  describe.skip.each(unavailable.map((factory) => [factory.name, factory.skipReason ?? 'not available', factory] as const))(
    '%s transport conformance (skipped: %s)',
    (_name, _reason, factory) => conformanceSuite(factory),
  );
}
describe.each(available.map((factory) => [factory.name, factory] as const))('%s transport conformance', (_name, factory) => conformanceSuite(factory));
