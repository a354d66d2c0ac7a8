import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { runProcessor, type DecodedMessage } from '../../../processors/runtime';
import { createEventCodec, toMessage, type EventCodec } from '../../../schemas';
import { createTransport, type IncomingMessage, type OutgoingMessage, type Transport } from '../../../streams';

const logger = pino({ level: 'silent' });
const TOPIC = 'notifications.sent';

function notification(codec: EventCodec, merchantId: string, seq: number): OutgoingMessage {
  return toMessage(codec, {
    type: 'NotificationDelivered',
    key: merchantId,
    eventId: randomUUID(),
    correlationId: `${merchantId}:${seq}`,
    causationId: randomUUID(),
    event: {
      notificationId: `${merchantId}:${seq}`,
      merchantId,
      sourceEventId: randomUUID(),
      channel: 'EMAIL',
      status: 'SENT',
      provider: 'smtp',
      providerMessageId: null,
      attempts: 1,
      deliveredAt: Date.now(),
    },
  });
}

function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('runProcessor', () => {
  const codec = createEventCodec();
  let transport: Transport;

  beforeEach(async () => {
    transport = await createTransport({ name: 'memory', partitions: 8, visibilityTimeoutMs: 200 }, { logger });
  });
  afterEach(async () => {
    await transport.close();
  });

  it('merges the batches of several partitions into one call, each message once and in key order', async () => {
    const calls: DecodedMessage[][] = [];
    const subscription = await runProcessor(
      {
        name: 'merge-test',
        topics: [TOPIC],
        handle: async (batch) => {
          calls.push([...batch]);
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      },
      { transport, codec, logger, maxBatchSize: 16 },
    );
    const merchants = Array.from({ length: 40 }, (_, i) => `m-${i}`);
    // Published in rounds so that partitions keep receiving while batches are handled.
    for (let seq = 0; seq < 10; seq += 1) {
      await transport.publish(TOPIC, merchants.map((m) => notification(codec, m, seq)));
    }
    await waitFor(() => calls.flat().length >= 400);
    await subscription.close();

    const handled = calls.flat();
    expect(handled).toHaveLength(400);
    expect(new Set(handled.map((m) => m.headers.eventId)).size).toBe(400);
    for (const m of merchants) {
      const seqs = handled.filter((x) => x.key === m).map((x) => Number(x.headers.correlationId.split(':')[1]));
      expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const partitionsPerCall = calls.map((c) => new Set(c.map((m) => m.partition)).size);
    expect(Math.max(...partitionsPerCall)).toBeGreaterThan(1);
    // 8 partitions × at least 10 rounds would be 80 calls or more without merging.
    expect(calls.length).toBeLessThan(40);
  });

  it('decodes the batches that wait for a running call only when their merged call starts', async () => {
    let decodes = 0;
    const counting: EventCodec = { ...codec, decode: (bytes) => ((decodes += 1), codec.decode(bytes)) };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: number[] = [];
    const partitionsPerCall: number[] = [];
    const subscription = await runProcessor(
      {
        name: 'lazy-decode-test',
        topics: [TOPIC],
        handle: async (batch) => {
          calls.push(batch.length);
          partitionsPerCall.push(new Set(batch.map((m) => m.partition)).size);
          if (calls.length === 1) await gate;
        },
      },
      { transport, codec: counting, logger, maxBatchSize: 16 },
    );
    await transport.publish(TOPIC, [notification(codec, 'first', 0)]);
    await waitFor(() => calls.length === 1);
    expect(decodes).toBe(1);

    // While the first call runs, every partition's worker hands its batch over; none is decoded yet.
    const merchants = Array.from({ length: 40 }, (_, i) => `w-${i}`);
    await transport.publish(TOPIC, merchants.map((m) => notification(codec, m, 0)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toEqual([1]);
    expect(decodes).toBe(1);

    release();
    await waitFor(() => calls.reduce((a, b) => a + b, 0) === 41);
    await subscription.close();
    expect(decodes).toBe(41);
    // The waiting partition batches went into one merged call (the first message's partition was
    // still busy, so its batch came after).
    expect(partitionsPerCall[1]).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  it('dead-letters an undecodable message of a merged batch and handles the rest of it once', async () => {
    const handledIds: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const subscription = await runProcessor(
      {
        name: 'undecodable-test',
        topics: [TOPIC],
        handle: async (batch) => {
          if (handledIds.length === 0) await gate;
          handledIds.push(...batch.map((m) => m.headers.eventId));
        },
      },
      { transport, codec, logger },
    );
    const dead: IncomingMessage[] = [];
    const dlq = await transport.subscribe({ topics: [`${TOPIC}.dlq`], group: 'undecodable-dlq', handler: async (batch) => void dead.push(...batch) });
    const first = notification(codec, 'first', 0);
    await transport.publish(TOPIC, [first]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const messages = Array.from({ length: 30 }, (_, i) => notification(codec, `u-${i}`, 0));
    const garbage = { ...(messages[7] as OutgoingMessage), value: Buffer.from([0x00, 0x01, 0x02, 0xff]) };
    messages[7] = garbage;
    await transport.publish(TOPIC, messages);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await waitFor(() => handledIds.length >= 30 && dead.length >= 1);
    await subscription.close();
    await dlq.close();

    expect(dead.map((m) => m.headers.eventId)).toEqual([garbage.headers.eventId]);
    expect(dead[0]?.headers['dlq-error-code']).toBe('BAD_MAGIC');
    expect(handledIds).toHaveLength(30);
    expect(new Set(handledIds).size).toBe(30);
    expect(handledIds).not.toContain(garbage.headers.eventId);
  });

  it('dead-letters a failing message of a merged batch and handles the rest once', async () => {
    const handledIds: string[] = [];
    let poisonId = '';
    const subscription = await runProcessor(
      {
        name: 'poison-test',
        topics: [TOPIC],
        handle: async (batch) => {
          if (batch.some((m) => m.headers.eventId === poisonId)) {
            throw Object.assign(new Error('cannot handle this one'), { retryable: false, code: 'TEST_POISON' });
          }
          handledIds.push(...batch.map((m) => m.headers.eventId));
        },
      },
      { transport, codec, logger },
    );
    const dead: IncomingMessage[] = [];
    const dlq = await transport.subscribe({ topics: [`${TOPIC}.dlq`], group: 'poison-dlq', handler: async (batch) => void dead.push(...batch) });
    const messages = Array.from({ length: 30 }, (_, i) => notification(codec, `p-${i}`, 0));
    poisonId = (messages[7] as OutgoingMessage).headers.eventId;
    await transport.publish(TOPIC, messages);
    await waitFor(() => handledIds.length >= 29 && dead.length >= 1);
    await subscription.close();
    await dlq.close();

    expect(dead.map((m) => m.headers.eventId)).toEqual([poisonId]);
    expect(dead[0]?.headers['dlq-error-code']).toBe('TEST_POISON');
    expect(new Set(handledIds).size).toBe(29);
    expect(handledIds).toHaveLength(29);
    expect(handledIds).not.toContain(poisonId);
  });
});
