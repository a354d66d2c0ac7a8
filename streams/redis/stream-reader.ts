import type { Redis } from 'ioredis';
import type { PartitionWorker, SubscriptionState } from './partition-worker';
import { backoff } from './partition-worker';
import { redisReplyCode } from './redis.errors';
import { parseReadReply } from './stream-entry.codec';

export interface ReaderHost {
  readonly client: Redis;
  readonly group: string;
  readonly memberId: string;
  readonly maxBatchSize: number;
  readonly blockMs: number;
  state(): SubscriptionState;
  /** The partitions the next read may include, in a stable order. */
  readable(): PartitionWorker[];
  ensureGroups(streams: readonly string[]): Promise<void>;
  report(err: unknown, what: string): void;
}

/**
 * The subscription's one blocking read: `XREADGROUP … BLOCK` over every partition that is ready, on a
 * connection of its own. When a partition becomes ready while the read blocks (its batch is done, a
 * lease was won) the read is cut short with `CLIENT UNBLOCK` from the command connection, so an idle
 * partition waits neither for the block timeout nor for the other partitions. A read that a write
 * woke answers for one stream only (Redis 7.0); the other partitions are then read at once without
 * blocking, and everything is handed over in the same turn, so a processor's group commit takes
 * all the partitions one publish wrote in one transaction.
 */
export class StreamReader {
  /** Bumped whenever the connection drops: a read in flight then may have lost its reply. */
  private epoch = 0;
  private clientId: number | null = null;
  private blockedOn: ReadonlySet<string> | null = null;
  /** Counts reads, so that an unblock meant for one read does not cut short the next. */
  private readSeq = 0;
  private wakeUp: (() => void) | null = null;
  private unblocking = false;

  constructor(
    private readonly connection: Redis,
    private readonly host: ReaderHost,
  ) {
    connection.on('close', () => {
      this.epoch += 1;
      this.clientId = null;
    });
  }

  async run(): Promise<void> {
    let failures = 0;
    while (this.host.state() === 'running') {
      const workers = this.host.readable();
      if (workers.length === 0) {
        await this.waitForChange();
        continue;
      }
      const streams = workers.map((w) => w.stream);
      for (const w of workers) w.inRead = true;
      const epoch = this.epoch;
      try {
        if (this.clientId === null) this.clientId = await this.connection.client('ID');
        this.blockedOn = new Set(streams);
        this.readSeq += 1;
        const { group, memberId, maxBatchSize, blockMs } = this.host;
        const reply = await this.connection.callBuffer('XREADGROUP', 'GROUP', group, memberId, 'COUNT', maxBatchSize, 'BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map(() => '>'));
        this.blockedOn = null;
        const byStream = parseReadReply(reply);
        // A read woken by a write answers for that one stream only; one publish writes several partitions
        // in a row, so read the others at once (without blocking) and hand everything over together: the
        // processor's next transaction then takes them all instead of one partition first.
        if (byStream.size === 1 && streams.length > 1 && this.epoch === epoch) {
          const rest = streams.filter((stream) => !byStream.has(stream));
          const more = parseReadReply(await this.connection.callBuffer('XREADGROUP', 'GROUP', group, memberId, 'COUNT', maxBatchSize, 'STREAMS', ...rest, ...rest.map(() => '>')));
          for (const [stream, entries] of more) byStream.set(stream, entries);
        }
        // The connection dropped during the read: ioredis sent it again, and the first reply may be lost with
        // entries now pending for us. Replay the pending list of each partition before reading on.
        const interrupted = this.epoch !== epoch;
        for (const w of workers) {
          w.inRead = false;
          const entries = byStream.get(w.stream);
          if (interrupted) w.markForRecovery();
          else if (entries) w.take(entries);
        }
        failures = 0;
      } catch (err) {
        this.blockedOn = null;
        for (const w of workers) {
          w.inRead = false;
          w.markForRecovery();
        }
        if (this.host.state() !== 'running') break;
        const code = redisReplyCode(err);
        // NOGROUP: the stream (and its group) vanished before the read; UNBLOCKED: while the read waited.
        this.host.report(err, 'reading streams');
        if (code === 'NOGROUP' || code === 'UNBLOCKED') {
          await this.host.ensureGroups(streams).catch((e: unknown) => this.host.report(e, 'recreating consumer groups'));
        }
        failures += 1;
        await this.waitForChange(backoff(failures));
      }
    }
  }

  /** Something changed: re-evaluate what to read, cutting a blocked read short when it reads the wrong set. */
  wake(): void {
    const resume = this.wakeUp;
    this.wakeUp = null;
    resume?.();
    const blockedOn = this.blockedOn;
    if (blockedOn === null) return;
    if (this.host.state() !== 'running') {
      void this.unblock(this.readSeq);
      return;
    }
    const wanted = this.host.readable();
    if (wanted.length !== blockedOn.size || wanted.some((w) => !blockedOn.has(w.stream))) void this.unblock(this.readSeq);
  }

  /** Ends the read at once, as a crash would: the reply is never handled. */
  disconnect(): void {
    const resume = this.wakeUp;
    this.wakeUp = null;
    resume?.();
    this.connection.disconnect();
  }

  async quit(): Promise<void> {
    try {
      await this.connection.quit();
    } catch {
      this.connection.disconnect();
    }
  }

  private waitForChange(timeoutMs = this.host.blockMs): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, timeoutMs);
      this.wakeUp = (): void => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * CLIENT UNBLOCK may arrive before the read reaches Redis (they travel on different connections);
   * it then answers 0, and is tried again a few times while that read is still in flight.
   */
  private async unblock(read: number): Promise<void> {
    if (this.unblocking) return;
    this.unblocking = true;
    try {
      for (let attempt = 0; attempt < 6 && this.readSeq === read && this.blockedOn !== null && this.clientId !== null; attempt += 1) {
        const unblocked = await this.host.client.client('UNBLOCK', this.clientId);
        if (unblocked === 1) return;
        await new Promise((resolve) => setTimeout(resolve, 2 ** attempt));
      }
    } catch (err) {
      if (this.host.state() !== 'aborted') this.host.report(err, 'unblocking the reader');
    } finally {
      this.unblocking = false;
    }
  }
}
