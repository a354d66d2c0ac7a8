import type { Logger } from 'pino';
import { ALL_TOPICS } from '../../schemas';
import type { Pool } from '../../storage/mysql';
import { DLQ_HEADERS, dlqTopic, type OutgoingMessage, type Subscription, type Transport } from '../../streams';
import { getDeadLetter, listDeadLetters, markReplayed, recordDeadLetters, type DeadLetter } from './dead-letters.store';

export const DEAD_LETTER_GROUP = 'dead-letters';

/**
 * Records every topic's dead letters in MySQL. It reads `<topic>.dlq` as raw bytes: a dead letter
 * is often a message that cannot be decoded, so it is never decoded here.
 */
export async function startDeadLetterRecorder(deps: { pool: Pool; transport: Transport; logger: Logger }): Promise<Subscription> {
  const topics = ALL_TOPICS.map(dlqTopic);
  await deps.transport.ensureTopics(topics);
  const log = deps.logger.child({ processor: DEAD_LETTER_GROUP });
  return deps.transport.subscribe({
    topics,
    group: DEAD_LETTER_GROUP,
    handler: async (batch) => {
      await recordDeadLetters(deps.pool, batch);
      for (const m of batch) {
        log.error({ topic: m.headers[DLQ_HEADERS.sourceTopic], eventId: m.headers.eventId, code: m.headers[DLQ_HEADERS.errorCode] }, 'dead letter recorded');
      }
    },
  });
}

/** The original message of a dead letter: its bytes and headers without the `dlq-*` ones. */
export function originalMessage(letter: DeadLetter): OutgoingMessage {
  const dlqNames = new Set<string>(Object.values(DLQ_HEADERS));
  const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !dlqNames.has(name)));
  return {
    key: letter.key,
    value: letter.payload,
    headers: {
      ...headers,
      eventId: letter.headers.eventId,
      eventType: letter.headers.eventType,
      correlationId: letter.headers.correlationId,
      causationId: letter.headers.causationId,
      producedAt: letter.headers.producedAt,
    },
  };
}

/**
 * Publishes dead letters back to their source topics and marks them replayed. Consumers dedupe by
 * event id, so replaying a letter whose effect did happen changes nothing.
 */
export async function replayDeadLetters(deps: { pool: Pool; transport: Transport }, selection: { ids?: readonly number[]; topic?: string }): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  if (selection.ids !== undefined) {
    for (const id of selection.ids) {
      const letter = await getDeadLetter(deps.pool, id);
      if (letter !== undefined && letter.replayedAt === null) letters.push(letter);
    }
  } else {
    letters.push(...(await listDeadLetters(deps.pool, { ...(selection.topic === undefined ? {} : { topic: selection.topic }), limit: 10_000 })));
  }
  const byTopic = new Map<string, DeadLetter[]>();
  for (const letter of letters) byTopic.set(letter.sourceTopic, [...(byTopic.get(letter.sourceTopic) ?? []), letter]);
  for (const [topic, list] of byTopic) {
    await deps.transport.publish(topic, list.map(originalMessage));
    await markReplayed(
      deps.pool,
      list.map((l) => l.id),
    );
  }
  return letters;
}
