import type { Logger } from 'pino';
import type { EncodedMessage, Topic } from '../../schemas';
import type { OutgoingMessage, Transport } from '../../streams';
import { UnavailableError } from '../gateway.errors';

export interface PublishResult {
  /** Ids of the rows whose event the broker now holds. */
  published: ReadonlySet<string>;
  /** Ids of the rows that could not be published, with why. */
  failed: ReadonlyMap<string, unknown>;
}

/** What one kind of submission publishes, and how. */
export interface SubmissionPublisherSpec<Stored> {
  topic: Topic;
  /** What a row is called in logs ("order", "wallet action"). */
  noun: string;
  idOf(row: Stored): string;
  /**
   * The row's event, rebuilt from the stored request (the same bytes but for the produced-at
   * header, the same event id, every time). Throws for a row it cannot be rebuilt from.
   */
  messageOf(row: Stored): EncodedMessage;
  /** Marks the rows published (one UPDATE). */
  markPublished(ids: readonly string[]): Promise<void>;
}

/**
 * Publishes the events of stored submissions in one `transport.publish`, then marks them
 * published in one UPDATE. Used by the batched submitters and by the relay alike.
 */
export class SubmissionPublisher<Stored> {
  constructor(
    private readonly spec: SubmissionPublisherSpec<Stored>,
    private readonly transport: Transport,
    private readonly log: Logger,
  ) {}

  get noun(): string {
    return this.spec.noun;
  }

  async publish(rows: readonly Stored[]): Promise<PublishResult> {
    const failed = new Map<string, unknown>();
    const messages: OutgoingMessage[] = [];
    const ids: string[] = [];
    for (const row of rows) {
      const id = this.spec.idOf(row);
      try {
        messages.push(this.spec.messageOf(row));
        ids.push(id);
      } catch (err) {
        this.log.error({ err, id }, `cannot rebuild the event of a stored ${this.spec.noun}`);
        failed.set(id, err);
      }
    }
    if (messages.length === 0) return { published: new Set(), failed };
    try {
      await this.transport.publish(this.spec.topic, messages);
    } catch (err) {
      const unavailable = new UnavailableError('broker', 'the message broker is unavailable; retry with the same idempotency key', err);
      for (const id of ids) failed.set(id, unavailable);
      return { published: new Set(), failed };
    }
    try {
      await this.spec.markPublished(ids);
    } catch (err) {
      // Published but not marked: the relay publishes them again, and the event ids make that harmless.
      this.log.warn({ err, rows: ids.length }, `published ${this.spec.noun}s could not be marked published; the relay will republish them`);
    }
    return { published: new Set(ids), failed };
  }
}
