import type { MicroBatcherOptions, Settled } from '../batching/micro-batcher';
import { MicroBatcher } from '../batching/micro-batcher';
import { IdempotencyConflictError } from '../gateway.errors';
import type { OrderPublisher } from './order.publisher';
import type { NewOrderRequest, OrderStore, StoredOrderRequest } from './order.store';

/** What SubmitOrder learns from its batch. */
export interface SubmitOutcome {
  /** The order the idempotency key stands for (created now, or earlier by the same request). */
  row: StoredOrderRequest;
  /** True when the key had been used before for this same request. */
  replayed: boolean;
}

const pairKey = (merchantId: string, idempotencyKey: string): string => `${merchantId}\u001f${idempotencyKey}`;

/**
 * Records order requests and publishes their OrderSubmitted, batched: concurrent submissions
 * share one INSERT IGNORE, one SELECT of their (merchant, key) pairs, one publish and one UPDATE.
 */
export class OrderSubmitter {
  private readonly batcher: MicroBatcher<NewOrderRequest, SubmitOutcome>;

  constructor(
    private readonly store: Pick<OrderStore, 'insertIgnore' | 'selectByKeys'>,
    private readonly publisher: OrderPublisher,
    options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.flush(items), options);
  }

  /**
   * Resolves once the order is recorded and its OrderSubmitted published. Rejects with an
   * {@link IdempotencyConflictError} when the key was used for another request, an
   * `UnavailableError` when the broker refused the publish (the row stays, unpublished).
   */
  submit(request: NewOrderRequest): Promise<SubmitOutcome> {
    return this.batcher.add(request);
  }

  /** Flushes queued submissions and waits for every batch in flight. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(items: readonly NewOrderRequest[]): Promise<Settled<SubmitOutcome>[]> {
    await this.store.insertIgnore(items);
    const pairs = new Map(items.map((i) => [pairKey(i.merchantId, i.idempotencyKey), { merchantId: i.merchantId, idempotencyKey: i.idempotencyKey }]));
    const rows = new Map((await this.store.selectByKeys([...pairs.values()])).map((r) => [pairKey(r.merchantId, r.idempotencyKey), r]));
    const outcomes = items.map((item): Settled<SubmitOutcome> => {
      const row = rows.get(pairKey(item.merchantId, item.idempotencyKey));
      if (row === undefined) return { ok: false, error: new Error('an inserted order request was not found again') };
      if (row.requestHash !== item.requestHash) return { ok: false, error: new IdempotencyConflictError(item.idempotencyKey) };
      return { ok: true, value: { row, replayed: row.orderId !== item.orderId } };
    });
    // Unpublished rows include earlier ones whose publish failed: a retry with the same key publishes them.
    const unpublished = new Map<string, StoredOrderRequest>();
    for (const outcome of outcomes) if (outcome.ok && !outcome.value.row.published) unpublished.set(outcome.value.row.orderId, outcome.value.row);
    if (unpublished.size === 0) return outcomes;
    const { failed } = await this.publisher.publish([...unpublished.values()]);
    return outcomes.map((outcome) => {
      if (!outcome.ok) return outcome;
      const error = failed.has(outcome.value.row.orderId) ? failed.get(outcome.value.row.orderId) : undefined;
      if (error !== undefined) return { ok: false, error };
      return { ok: true, value: { ...outcome.value, row: { ...outcome.value.row, published: true } } };
    });
  }
}
