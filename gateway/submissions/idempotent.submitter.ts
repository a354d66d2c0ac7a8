import { retryDeadlocks } from '../../storage/mysql';
import type { MicroBatcherOptions, Settled } from '../batching/micro-batcher';
import { MicroBatcher } from '../batching/micro-batcher';
import { IdempotencyConflictError } from '../gateway.errors';
import type { SubmissionPublisher } from './submission.publisher';
import type { IdempotencyPair, NewSubmission, StoredSubmission, SubmissionStore } from './types';

/** What a submission learns from its batch. */
export interface SubmitOutcome<Stored> {
  /** The row the idempotency key stands for (created now, or earlier by the same request). */
  row: Stored;
  /** True when the key had been used before for this same request. */
  replayed: boolean;
}

/**
 * Thrown (to one caller) when its row was neither inserted nor found under its idempotency key:
 * another unique key of the table refused it (a second void of one action).
 */
export class SubmissionNotRecordedError extends Error {
  readonly code = 'SUBMISSION_NOT_RECORDED';
  readonly retryable = false;
  constructor(noun: string) {
    super(`the ${noun} was not recorded: another unique key of its table refused it`);
    this.name = 'SubmissionNotRecordedError';
  }
}

const pairKey = (merchantId: string, idempotencyKey: string): string => `${merchantId}\u001f${idempotencyKey}`;

/**
 * Records requests under their merchant's idempotency key and publishes their events, batched:
 * concurrent submissions share one INSERT IGNORE, one SELECT of their (merchant, key) pairs, one
 * publish and one UPDATE. The same key with another request hash is an
 * {@link IdempotencyConflictError}.
 */
export class IdempotentSubmitter<New extends NewSubmission, Stored extends StoredSubmission> {
  private readonly batcher: MicroBatcher<New, SubmitOutcome<Stored>>;
  /** Publishes in flight, by row id. */
  private readonly publishing = new Map<string, Promise<unknown>>();

  /** @param idOf the id of a row, new or stored (an order id, an action id) */
  constructor(
    private readonly store: SubmissionStore<New, Stored>,
    private readonly publisher: SubmissionPublisher<Stored>,
    private readonly idOf: (row: New | Stored) => string,
    options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.flush(items), options);
  }

  /**
   * Resolves once the request is recorded and its event published. Rejects with an
   * {@link IdempotencyConflictError} when the key was used for another request, an
   * `UnavailableError` when the broker refused the publish (the row stays, unpublished).
   */
  submit(request: New): Promise<SubmitOutcome<Stored>> {
    return this.batcher.add(request);
  }

  /** Flushes queued submissions and waits for every batch in flight. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(items: readonly New[]): Promise<Settled<SubmitOutcome<Stored>>[]> {
    // An INSERT IGNORE chosen as a deadlock's victim inserted nothing and may simply run again.
    await retryDeadlocks(() => this.store.insertIgnore(items));
    const pairs = new Map<string, IdempotencyPair>(
      items.map((i) => [pairKey(i.merchantId, i.idempotencyKey), { merchantId: i.merchantId, idempotencyKey: i.idempotencyKey }]),
    );
    const rows = new Map((await this.store.selectByKeys([...pairs.values()])).map((r) => [pairKey(r.merchantId, r.idempotencyKey), r]));
    const outcomes = items.map((item): Settled<SubmitOutcome<Stored>> => {
      const row = rows.get(pairKey(item.merchantId, item.idempotencyKey));
      if (row === undefined) return { ok: false, error: new SubmissionNotRecordedError(this.publisher.noun) };
      if (row.requestHash !== item.requestHash) return { ok: false, error: new IdempotencyConflictError(item.idempotencyKey) };
      return { ok: true, value: { row, replayed: this.idOf(row) !== this.idOf(item) } };
    });
    // Unpublished rows include earlier ones whose publish failed: a retry with the same key publishes them.
    const unpublished = new Map<string, Stored>();
    for (const outcome of outcomes) if (outcome.ok && !outcome.value.row.published) unpublished.set(this.idOf(outcome.value.row), outcome.value.row);
    if (unpublished.size === 0) return outcomes;
    const failed = new Map<string, unknown>();
    await Promise.all(
      [...this.publishOnce([...unpublished.values()])].map(async ([id, publishing]) => {
        const error = await publishing;
        if (error !== undefined) failed.set(id, error);
      }),
    );
    return outcomes.map((outcome) => {
      if (!outcome.ok) return outcome;
      const error = failed.get(this.idOf(outcome.value.row));
      if (error !== undefined) return { ok: false, error };
      return { ok: true, value: { ...outcome.value, row: { ...outcome.value.row, published: true } } };
    });
  }

  /**
   * Publishes each row once at a time: a row another batch is publishing right now (a retry that
   * raced its first attempt into the next batch) waits for that publish instead of publishing it
   * again. Each id's promise resolves with its publish error, or undefined once published.
   */
  private publishOnce(rows: readonly Stored[]): Map<string, Promise<unknown>> {
    const results = new Map<string, Promise<unknown>>();
    const fresh: Stored[] = [];
    for (const row of rows) {
      const id = this.idOf(row);
      const running = this.publishing.get(id);
      if (running === undefined) fresh.push(row);
      else results.set(id, running);
    }
    if (fresh.length === 0) return results;
    const run = this.publisher.publish(fresh);
    for (const row of fresh) {
      const id = this.idOf(row);
      const outcome = run.then(
        (result) => result.failed.get(id),
        (err: unknown) => err,
      );
      this.publishing.set(id, outcome);
      results.set(id, outcome);
      void outcome.finally(() => this.publishing.delete(id));
    }
    return results;
  }
}
