import { randomUUID } from 'node:crypto';
import { claimInbox, readInbox, recordInbox } from '../../storage/inbox';
import { rowsOf, withTransaction } from '../../storage/mysql';
import type { OutboxMessage } from '../../storage/outbox';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

function output(causationId: string, topic: string, value: Buffer): OutboxMessage {
  return { topic, key: `key-${causationId.slice(0, 8)}`, value, headers: { eventId: randomUUID(), eventType: 'WalletUpdated', causationId, correlationId: randomUUID(), producedAt: new Date(0).toISOString() } };
}

describe('inbox store', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('CREATE TABLE inbox_effects (event_id CHAR(36) PRIMARY KEY)');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keeps the outputs each event caused with its row, bytes and headers exact, and none for an event without', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    // Bytes of every value, quotes and a NUL among them.
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const outputs = [output(a, 'wallet.updates', binary), output(b, 'orders.completed', Buffer.from("it's \"quoted\"; \\ done")), output(a, 'orders.completed', Buffer.alloc(0))];
    await withTransaction(db.pool, async (_connection, writes) => {
      await recordInbox(writes, 'probe', [a, b, c, a], outputs, new Date());
    });

    const found = await readInbox(db.pool, 'probe', [a, b, c, randomUUID()]);
    expect([...found.keys()].sort()).toEqual([a, b, c].sort());
    expect(found.get(a)).toEqual([outputs[0], outputs[2]]);
    expect(found.get(a)?.[0]?.value.equals(binary)).toBe(true);
    expect(found.get(b)).toEqual([outputs[1]]);
    expect(found.get(c)).toEqual([]);
    // Another consumer's inbox is its own.
    expect((await readInbox(db.pool, 'other', [a, b, c])).size).toBe(0);
  });

  it('keeps keys and headers with separators, quotes, percent signs and non-ASCII text exact', async () => {
    const event = randomUUID();
    const odd = "a b,c=d%20e'f\"g\\h\ti\nj€🙂";
    const message: OutboxMessage = { topic: 'orders.completed', key: odd, value: Buffer.from([0, 39, 34, 92]), headers: { eventId: randomUUID(), causationId: event, note: odd, 'x=y': '==' } };
    await withTransaction(db.pool, async (_connection, writes) => {
      await recordInbox(writes, 'probe', [event], [message], new Date());
    });
    expect((await readInbox(db.pool, 'probe', [event])).get(event)).toEqual([message]);
  });

  it('refuses an output whose cause is not an event of the batch', async () => {
    const event = randomUUID();
    await expect(
      withTransaction(db.pool, async (_connection, writes) => {
        await recordInbox(writes, 'probe', [event], [output(randomUUID(), 'wallet.updates', Buffer.from('x'))], new Date());
      }),
    ).rejects.toThrow(/names no input event of this batch/);
    expect((await readInbox(db.pool, 'probe', [event])).size).toBe(0);
  });

  it('stops the whole commit at the duplicate row when another member recorded the event first', async () => {
    const event = randomUUID();
    await withTransaction(db.pool, async (_connection, writes) => {
      await recordInbox(writes, 'probe', [event], [], new Date());
    });
    const effect = randomUUID();
    await expect(
      withTransaction(db.pool, async (_connection, writes) => {
        await recordInbox(writes, 'probe', [event], [output(event, 'wallet.updates', Buffer.from('late'))], new Date());
        await writes.query('INSERT INTO inbox_effects (event_id) VALUES (?)', [effect]);
      }),
    ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    const [rows] = await db.pool.query('SELECT event_id FROM inbox_effects WHERE event_id = ?', [effect]);
    expect(rowsOf(rows)).toEqual([]);
    expect((await readInbox(db.pool, 'probe', [event])).get(event)).toEqual([]);
  });

  it('claims events for a consumer that publishes nothing: only the new ones come back', async () => {
    const [old, fresh] = [randomUUID(), randomUUID()];
    await withTransaction(db.pool, (connection) => claimInbox(connection, 'claimer', [old]));
    const claimed = await withTransaction(db.pool, (connection) => claimInbox(connection, 'claimer', [old, fresh, fresh]));
    expect([...claimed]).toEqual([fresh]);
    expect((await readInbox(db.pool, 'claimer', [old, fresh])).size).toBe(2);
  });
});
