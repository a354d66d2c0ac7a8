import type { AnyEvent, EventHeaders } from '../../schemas';

/** An incoming message decoded at the edge: its event, typed, plus where it came from. */
export type DecodedMessage = AnyEvent & {
  headers: EventHeaders;
  topic: string;
  key: string;
  partition: number;
  attempt: number;
};

/**
 * A processor: a name (its consumer group and inbox name), the topics it reads and a batch handler.
 * The handler may throw; the runner in `streams/delivery.ts` decides retries and dead letters.
 */
export interface Processor {
  readonly name: string;
  readonly topics: readonly string[];
  handle(batch: readonly DecodedMessage[]): Promise<void>;
  /** Called once after subscription ends (flush timers, close clients it owns). */
  close?(): Promise<void>;
}
