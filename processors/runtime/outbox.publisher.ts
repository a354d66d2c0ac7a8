import type { Logger } from 'pino';
import type { Pool } from '../../storage/mysql';
import { deleteOutbox, loadStaleOutbox, type OutboxMessage } from '../../storage/outbox';
import type { Transport } from '../../streams';
import { createOutputPublisher } from './publish-outputs';

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
  /** Published rows are removed together, at most this long after their publish (default 100 ms). */
  removeAfterMs?: number;
}

export interface OutboxPublisher {
  /**
   * Publishes outputs committed in the outbox; they are removed from it soon after, together with
   * the rows of other publishes (one DELETE per `removeAfterMs`, not one per batch). Never rejects:
   * the outputs are committed, so when publishing or removing fails they stay in the outbox and the
   * relay publishes them (the failure is logged); downstream dedupe absorbs a second publish.
   */
  publish(messages: readonly OutboxMessage[]): Promise<void>;
  /** Starts the relay that publishes what a crash left between commit and publish. */
  start(): void;
  /** Stops the relay, waits for a run in progress and removes the rows published so far. */
  stop(): Promise<void>;
  /** One relay pass; returns how many messages it published. */
  relayOnce(): Promise<number>;
}

/** Published rows waiting for removal that make a DELETE run at once rather than on the timer. */
const REMOVE_AT_MOST = 1_000;

/**
 * Transactional outbox: outputs are inserted in the processor's batch transaction; after commit
 * they are published and deleted. If the process dies in between, the relay publishes them later.
 * Output ids are deterministic, so a message published twice is deduped downstream.
 */
export function createOutboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
  const relayAfterMs = options.relayAfterMs ?? 5_000;
  const relayEveryMs = options.relayEveryMs ?? 2_000;
  const removeAfterMs = options.removeAfterMs ?? 100;
  const log = options.logger.child({ outbox: options.producer });
  const send = createOutputPublisher(options.transport);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  // Published, not yet removed. A crash loses this list: the relay then publishes those rows again.
  let published: string[] = [];
  let removeTimer: NodeJS.Timeout | undefined;
  let removing: Promise<void> = Promise.resolve();

  async function publish(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      await send(messages);
    } catch (err) {
      log.warn({ err, outputs: messages.length }, 'publishing committed outputs failed; the outbox relay will publish them');
      return;
    }
    for (const m of messages) published.push(m.headers.eventId);
    if (published.length >= REMOVE_AT_MOST) void removePublished();
    else if (removeTimer === undefined) {
      removeTimer = setTimeout(() => void removePublished(), removeAfterMs);
      removeTimer.unref();
    }
  }

  /** Removes every row published so far in one statement; resolves once it (and earlier ones) ended. */
  function removePublished(): Promise<void> {
    if (removeTimer !== undefined) clearTimeout(removeTimer);
    removeTimer = undefined;
    const ids = published;
    published = [];
    if (ids.length > 0) {
      removing = removing.then(() =>
        deleteOutbox(options.pool, options.producer, ids).catch((err: unknown) => {
          log.warn({ err, rows: ids.length }, 'removing published outbox rows failed; the relay will publish them again (deduped downstream)');
        }),
      );
    }
    return removing;
  }

  async function publishAndRemove(messages: readonly OutboxMessage[]): Promise<void> {
    await send(messages);
    await deleteOutbox(
      options.pool,
      options.producer,
      messages.map((m) => m.headers.eventId),
    );
  }

  async function relayOnce(): Promise<number> {
    // Rows this publisher already published are not stale: remove them before looking.
    await removePublished();
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
      await removePublished();
    },
  };
}
