import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createOutboxPublisher } from '../../../processors/runtime';
import { rowsOf, withTransaction } from '../../../storage/mysql';
import { appendOutbox, type OutboxMessage } from '../../../storage/outbox';
import { createTransport, type IncomingMessage, type Transport } from '../../../streams';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

const logger = pino({ level: 'silent' });
const TOPIC = 'outbox.test';

function message(): OutboxMessage {
  const eventId = randomUUID();
  return { topic: TOPIC, key: 'k', value: Buffer.from(eventId), headers: { eventId, eventType: 'Test', correlationId: eventId, causationId: eventId, producedAt: new Date().toISOString() } };
}

describe('outbox publisher', () => {
  let db: TestDatabase;
  let transport: Transport;
  const received: IncomingMessage[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    received.length = 0;
    await db.pool.query('DELETE FROM outbox');
    transport = await createTransport({ name: 'memory', partitions: 2, visibilityTimeoutMs: 200 }, { logger });
    await transport.subscribe({ topics: [TOPIC], group: 'observer', handler: async (batch) => void received.push(...batch) });
  });
  afterEach(async () => {
    await transport.close();
  });

  async function commit(producer: string, messages: OutboxMessage[]): Promise<void> {
    await withTransaction(db.pool, (connection) => appendOutbox(connection, producer, messages));
  }

  async function outboxCount(producer: string): Promise<number> {
    const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM outbox WHERE producer = ?', [producer]);
    return Number(rowsOf(rows)[0]?.n);
  }

  it('publishes at once and removes the rows of several publishes together, soon after', async () => {
    const producer = `p-${randomUUID()}`;
    const outbox = createOutboxPublisher({ pool: db.pool, transport, producer, logger, removeAfterMs: 300 });
    const batches = [[message(), message()], [message()], [message(), message(), message()]];
    for (const batch of batches) {
      await commit(producer, batch);
      await outbox.publish(batch);
    }
    // Published, not yet removed: the removal waits for the others.
    expect(await outboxCount(producer)).toBe(6);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await outboxCount(producer)).toBe(0);
    expect(received.map((m) => m.headers.eventId).sort()).toEqual(batches.flat().map((m) => m.headers.eventId).sort());
    await outbox.stop();
  });

  it('the relay does not publish again what this publisher published and has not removed yet; stop removes it', async () => {
    const producer = `p-${randomUUID()}`;
    const outbox = createOutboxPublisher({ pool: db.pool, transport, producer, logger, relayAfterMs: 0, removeAfterMs: 60_000 });
    const published = [message(), message()];
    const leftByCrash = [message()];
    await commit(producer, [...published, ...leftByCrash]);
    await outbox.publish(published);
    expect(await outboxCount(producer)).toBe(3);
    expect(await outbox.relayOnce()).toBe(1);
    expect(await outboxCount(producer)).toBe(0);
    const more = [message()];
    await commit(producer, more);
    await outbox.publish(more);
    expect(await outboxCount(producer)).toBe(1);
    await outbox.stop();
    expect(await outboxCount(producer)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((m) => m.headers.eventId).sort()).toEqual([...published, ...leftByCrash, ...more].map((m) => m.headers.eventId).sort());
  });
});
