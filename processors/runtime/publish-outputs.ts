import type { OutboxMessage } from '../../storage/outbox';
import type { MessageHeaders, Transport } from '../../streams';

/**
 * Publishes a processor's committed outputs, one publish per topic, and rejects when one fails. A
 * processor calls it after its commit and before it returns, so a failed publish fails the batch:
 * the input is not acknowledged, and its redelivery finds what the commit recorded (the ledger's
 * inbox row, a `payments` or `notifications` row) and publishes the outputs again (their ids are
 * derived from the input's, so downstream dedupes them).
 */
export type PublishOutputs = (messages: readonly OutboxMessage[]) => Promise<void>;

export function createOutputPublisher(transport: Transport): PublishOutputs {
  return async (messages) => {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, [m]);
      else list.push(m);
    }
    await Promise.all(
      [...byTopic].map(([topic, list]) =>
        transport.publish(
          topic,
          list.map((m) => ({ key: m.key, value: m.value, headers: toHeaders(m.headers) })),
        ),
      ),
    );
  };
}

function toHeaders(headers: OutboxMessage['headers']): MessageHeaders {
  return {
    ...headers,
    eventType: headers.eventType ?? '',
    correlationId: headers.correlationId ?? '',
    causationId: headers.causationId ?? '',
    producedAt: headers.producedAt ?? '',
  };
}

/**
 * `publish`, leaving out the messages this process has published lately (by event id). A processor
 * that finds an input handled already publishes the outputs recorded with it again through this: a
 * duplicate delivery, or a retry after publishing went well, publishes nothing twice (and does not
 * put an old WalletUpdated after newer ones); after a crash, or in a member that took the input
 * over, they go out again. Two generations of at most `limit` ids each bound the memory.
 */
export function skipRecentlyPublished(publish: PublishOutputs, limit = 20_000): PublishOutputs {
  let current = new Set<string>();
  let previous = new Set<string>();
  return async (messages) => {
    const todo = messages.filter((m) => !current.has(m.headers.eventId) && !previous.has(m.headers.eventId));
    await publish(todo);
    for (const m of todo) {
      if (current.size >= limit) {
        previous = current;
        current = new Set();
      }
      current.add(m.headers.eventId);
    }
  };
}
