import type { MessageHeaders } from '../types';

/** A message as one partition stores it: its own copy of the bytes and headers. */
export interface StoredMessage {
  readonly offset: number;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<MessageHeaders>;
}

/** Compact the backing array once this many trimmed slots sit at its front (and they are at least half of it). */
const COMPACT_AFTER = 1024;

/**
 * The messages of one partition of one topic, in order, numbered by offset from 0.
 * Trimming advances a head index instead of shifting the array, so appends, reads and trims stay cheap.
 */
export class PartitionLog {
  private items: StoredMessage[] = [];
  private head = 0;
  private nextOffset = 0;
  private waiters = new Set<() => void>();

  /** Offset of the oldest retained message (equal to {@link endOffset} when nothing is retained). */
  get startOffset(): number {
    return this.nextOffset - (this.items.length - this.head);
  }

  /** Offset the next appended message gets. */
  get endOffset(): number {
    return this.nextOffset;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  append(key: string, value: Buffer, headers: Readonly<MessageHeaders>): void {
    this.items.push({ offset: this.nextOffset, key, value, headers });
    this.nextOffset += 1;
  }

  /** Up to `max` messages from offset `from` (or from the oldest retained one, if `from` was trimmed). */
  read(from: number, max: number): StoredMessage[] {
    const start = this.head + Math.max(0, from - this.startOffset);
    if (start >= this.items.length) return [];
    return this.items.slice(start, Math.min(start + max, this.items.length));
  }

  /** Drops every message before `offset`; returns how many were dropped. */
  trimBefore(offset: number): number {
    const drop = Math.min(offset - this.startOffset, this.size);
    if (drop <= 0) return 0;
    this.head += drop;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return drop;
  }

  /** Calls `wake` once, at the next append (registered waiters are woken by {@link wakeWaiters}). */
  addWaiter(wake: () => void): void {
    this.waiters.add(wake);
  }

  removeWaiter(wake: () => void): void {
    this.waiters.delete(wake);
  }

  /** Wakes every worker waiting for this partition; called once per publish, after its appends. */
  wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}
