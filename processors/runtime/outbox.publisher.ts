import type { Logger } from 'pino';
import type { Pool } from '../../storage/mysql';
import { deleteOutbox, loadStaleOutbox, type OutboxMessage } from '../../storage/outbox';
import type { Transport } from '../../streams';

export interface OutboxPublisherOptions {
  pool: Pool;
  transport: Transport;
  /** The processor name the outbox rows belong to. */
  producer: string;
  logger: Logger;
  /** Rows older than this are published by the relay (default 5 s). */
  relayAfterMs?: number;
  /** How often the relay looks (default 2 s). */
  relayEveryMs?: number;
}

export interface OutboxPublisher {
  /**
   * Publishes outputs committed in the outbox, then removes them from it. Never rejects: the outputs
   * are committed, so when publishing or removing fails they stay in the outbox and the relay
   * publishes them (the failure is logged); downstream dedupe absorbs a second publish.
   */
  publish(messages: readonly OutboxMessage[]): Promise<void>;
  /** Starts the relay that publishes what a crash left between commit and publish. */
  start(): void;
  /** Stops the relay and waits for a run in progress. */
  stop(): Promise<void>;
  /** One relay pass; returns how many messages it published. */
  relayOnce(): Promise<number>;
}

/**
 * Transactional outbox: outputs are inserted in the processor's batch transaction; after commit
 * they are published and deleted. If the process dies in between, the relay publishes them later.
 * Output ids are deterministic, so a message published twice is deduped downstream.
 */
export function createOutboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
  const relayAfterMs = options.relayAfterMs ?? 5_000;
  const relayEveryMs = options.relayEveryMs ?? 2_000;
  const log = options.logger.child({ outbox: options.producer });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function publish(messages: readonly OutboxMessage[]): Promise<void> {
    try {
      await publishAndRemove(messages);
    } catch (err) {
      log.warn({ err, outputs: messages.length }, 'publishing committed outputs failed; the outbox relay will publish them');
    }
  }

  async function publishAndRemove(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, [m]);
      else list.push(m);
    }
    await Promise.all(
      [...byTopic].map(([topic, list]) =>
        options.transport.publish(
          topic,
          list.map((m) => ({ key: m.key, value: m.value, headers: toHeaders(m.headers) })),
        ),
      ),
    );
    await deleteOutbox(
      options.pool,
      options.producer,
      messages.map((m) => m.headers.eventId),
    );
  }

  async function relayOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const stale = await loadStaleOutbox(options.pool, options.producer, relayAfterMs, 500);
      if (stale.length === 0) return total;
      await publishAndRemove(stale);
      total += stale.length;
      if (stale.length < 500) return total;
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = relayOnce()
        .then((n) => {
          if (n > 0) log.warn({ published: n }, 'relayed outbox messages left unpublished');
        })
        .catch((err: unknown) => log.error({ err }, 'outbox relay failed; will retry'))
        .finally(() => {
          running = undefined;
          if (timer !== undefined) schedule();
        });
    }, relayEveryMs);
    timer.unref();
  }

  return {
    publish,
    relayOnce,
    start: () => {
      if (timer === undefined) schedule();
    },
    stop: async () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

function toHeaders(headers: OutboxMessage['headers']): {
  eventId: string;
  eventType: string;
  correlationId: string;
  causationId: string;
  producedAt: string;
  [name: string]: string;
} {
  return {
    ...headers,
    eventType: headers.eventType ?? '',
    correlationId: headers.correlationId ?? '',
    causationId: headers.causationId ?? '',
    producedAt: headers.producedAt ?? '',
  };
}
