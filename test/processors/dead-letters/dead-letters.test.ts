import pino from 'pino';
import { getDeadLetter, listDeadLetters, replayDeadLetters, startDeadLetterRecorder } from '../../../processors/dead-letters';
import { createLoggerProcessor } from '../../../processors/logger';
import { runProcessor } from '../../../processors/runtime';
import { createEventCodec, TOPICS } from '../../../schemas';
import { createTransport, type Transport } from '../../../streams';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

const logger = pino({ level: 'silent' });

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out');
}

describe('dead letters', () => {
  let db: TestDatabase;
  let transport: Transport;
  beforeEach(async () => {
    db = await createTestDatabase();
    transport = await createTransport({ name: 'memory', partitions: 2 }, { logger });
  });
  afterEach(async () => {
    await transport.close();
    await db.drop();
  });

  it('records an undecodable message with its error, and replays it to its source topic', async () => {
    const recorder = await startDeadLetterRecorder({ pool: db.pool, transport, logger });
    const loggerSub = await runProcessor(createLoggerProcessor({ pool: db.pool, logger }), { transport, codec: createEventCodec(), logger });
    const garbage = Buffer.from([0x00, 0x01, 0x02, 0xff]);
    const headers = { eventId: 'evt-garbage', eventType: 'OrderSubmitted', correlationId: 'c1', causationId: 'evt-garbage', producedAt: new Date().toISOString() };
    await transport.publish(TOPICS.ordersSubmitted, [{ key: 'merchant-1', value: garbage, headers }]);

    const [letter] = await waitFor(async () => {
      const rows = await listDeadLetters(db.pool, { limit: 10 });
      return rows.length === 1 ? rows : undefined;
    });
    expect(letter).toMatchObject({ sourceTopic: 'orders.submitted', group: 'logger', eventId: 'evt-garbage', errorCode: 'BAD_MAGIC', attempts: 1, key: 'merchant-1' });
    expect(letter?.payload.equals(garbage)).toBe(true);
    expect(letter?.error).toMatch(/SchemaDecodeError/);

    // Replaying sends the original bytes and headers back; still undecodable, it is dead-lettered anew.
    const replayed = await replayDeadLetters({ pool: db.pool, transport }, { ids: [letter?.id ?? 0] });
    expect(replayed).toHaveLength(1);
    expect((await getDeadLetter(db.pool, letter?.id ?? 0))?.replayedAt).toBeInstanceOf(Date);
    const open = await waitFor(async () => {
      const rows = await listDeadLetters(db.pool, { limit: 10 });
      return rows.length === 1 && rows[0]?.id !== letter?.id ? rows : undefined;
    });
    expect(open[0]?.headers['dlq-attempts']).toBe('1');
    expect(open[0]?.headers.eventId).toBe('evt-garbage');
    expect(await listDeadLetters(db.pool, { limit: 10, includeReplayed: true })).toHaveLength(2);
    await loggerSub.close();
    await recorder.close();
  });
});
