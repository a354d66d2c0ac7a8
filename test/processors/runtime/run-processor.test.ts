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
