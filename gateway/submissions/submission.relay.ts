import type { Logger } from 'pino';
import type { SubmissionPublisher } from './submission.publisher';
import type { UnpublishedSource } from './types';

export interface SubmissionRelayOptions {
  /** Pause between scans. */
  intervalMs: number;
  /** Only rows older than this are republished: younger ones may still be in their own batch. */
  minAgeMs: number;
  /** Rows per scan (and per publish). */
  batchSize: number;
}

/**
 * Republishes the events of submissions left unpublished (a crash between insert and publish, a
 * broker outage). Event ids are derived from the row ids, so an event published twice is
 * deduplicated downstream.
 */
export class SubmissionRelay<Stored> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly source: UnpublishedSource<Stored>,
    private readonly publisher: SubmissionPublisher<Stored>,
    private readonly options: SubmissionRelayOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops scanning and waits for a scan in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One scan: republishes unpublished rows, a batch at a time, until none is left. Returns how many it published. */
  async runOnce(): Promise<number> {
    const noun = this.publisher.noun;
    let total = 0;
    for (;;) {
      const rows = await this.source.selectUnpublished(this.now() - this.options.minAgeMs, this.options.batchSize);
      if (rows.length === 0) return total;
      const { published, failed } = await this.publisher.publish(rows);
      total += published.size;
      if (published.size > 0) this.log.info({ rows: published.size }, `relay republished unpublished ${noun}s`);
      if (failed.size > 0) {
        // A failing row stays unpublished; end this scan so it is not fetched again at once.
        this.log.warn({ rows: failed.size }, `relay could not republish some ${noun}s; retrying at the next interval`);
        return total;
      }
      if (rows.length < this.options.batchSize) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce()
        .then(
          () => undefined,
          (err: unknown) => this.log.warn({ err }, `${this.publisher.noun} relay scan failed; retrying at the next interval`),
        )
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
