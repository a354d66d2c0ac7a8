import type { OrderCompleted } from '../../../schemas';
import { EventFeed } from '../../../gateway/feeds/event.feed';
import { submitWaitMs } from '../../../gateway/feeds/wait-budget';

function completion(orderId: string, status: 'COMPLETED' | 'FAILED' = 'COMPLETED'): OrderCompleted {
  return {
    orderId,
    merchantId: 'm',
    status,
    totalMinor: 1000,
    currency: 'USD',
    feeMinor: 30,
    netMinor: 970,
    walletId: null,
    ledgerTransactionId: null,
    failureReason: status === 'FAILED' ? 'declined' : null,
    completedAt: 1_700_000_000_000,
  };
}

const orderFeed = (maxRecent: number): EventFeed<OrderCompleted> => new EventFeed<OrderCompleted>(maxRecent, (c) => c.orderId);

describe('EventFeed', () => {
  it('resolves a waiter when its event arrives', async () => {
    const feed = orderFeed(10);
    const waiting = feed.wait('o1', 10_000);
    expect(feed.waiting).toBe(1);
    feed.record([completion('o2'), completion('o1', 'FAILED')]);
    await expect(waiting).resolves.toMatchObject({ orderId: 'o1', status: 'FAILED' });
    expect(feed.waiting).toBe(0);
  });

  it('answers at once for an event recorded before the waiter came', async () => {
    const feed = orderFeed(10);
    feed.record([completion('o1')]);
    await expect(feed.wait('o1', 10_000)).resolves.toMatchObject({ orderId: 'o1' });
    expect(feed.lookup('o1')?.status).toBe('COMPLETED');
  });

  it('resolves null after the timeout and forgets the waiter', async () => {
    const feed = orderFeed(10);
    await expect(feed.wait('o1', 5)).resolves.toBeNull();
    expect(feed.waiting).toBe(0);
  });

  it('keeps only the most recent events; none with maxRecent 0', () => {
    const feed = orderFeed(2);
    feed.record([completion('a'), completion('b'), completion('c')]);
    expect(feed.lookup('a')).toBeUndefined();
    expect(feed.lookup('b')).toBeDefined();
    expect(feed.lookup('c')).toBeDefined();
    const none = orderFeed(0);
    none.record([completion('a')]);
    expect(none.lookup('a')).toBeUndefined();
  });

  it('skips events whose key is null', () => {
    const feed = new EventFeed<{ id: string | null; n: number }>(10, (e) => e.id);
    const seen: unknown[] = [];
    feed.follow('x', (e) => seen.push(e));
    feed.record([{ id: null, n: 1 }, { id: 'x', n: 2 }]);
    expect(seen).toEqual([{ id: 'x', n: 2 }]);
  });

  it('followers see every later event of their key, in order, until they unfollow', () => {
    const feed = orderFeed(10);
    feed.record([completion('o1')]);
    const seen: (string | null)[] = [];
    const unfollow = feed.follow('o1', (c) => seen.push(c === null ? null : c.status));
    feed.record([completion('o1', 'FAILED'), completion('o2'), completion('o1')]);
    expect(seen).toEqual(['FAILED', 'COMPLETED']);
    expect(feed.waiting).toBe(1);
    unfollow();
    feed.record([completion('o1')]);
    expect(seen).toHaveLength(2);
    expect(feed.waiting).toBe(0);
  });

  it('close answers every listener and follower with null, and later ones at once', async () => {
    const feed = orderFeed(10);
    const seen: (OrderCompleted | null)[] = [];
    feed.listen('o1', (c) => seen.push(c));
    feed.follow('o9', (c) => seen.push(c));
    const waiting = feed.wait('o2', 10_000);
    feed.close();
    await expect(waiting).resolves.toBeNull();
    expect(seen).toEqual([null, null]);
    await expect(feed.wait('o3', 10_000)).resolves.toBeNull();
    feed.follow('o4', (c) => seen.push(c));
    expect(seen).toEqual([null, null, null]);
    expect(feed.isClosed).toBe(true);
  });

  it('an unlistened listener is not called', () => {
    const feed = orderFeed(10);
    const seen: unknown[] = [];
    const unlisten = feed.listen('o1', (c) => seen.push(c));
    unlisten();
    feed.record([completion('o1')]);
    expect(seen).toEqual([]);
  });
});

describe('submitWaitMs', () => {
  const now = 1_000_000;
  it('waits up to the configured maximum without a deadline', () => {
    expect(submitWaitMs(Infinity, now, 10_000)).toBe(10_000);
  });
  it('keeps back 50 ms before a near deadline', () => {
    expect(submitWaitMs(now + 300, now, 10_000)).toBe(250);
  });
  it('keeps back 10 % of a far deadline', () => {
    expect(submitWaitMs(now + 5_000, now, 10_000)).toBe(4_500);
  });
  it('never waits past the maximum, nor less than zero', () => {
    expect(submitWaitMs(now + 60_000, now, 10_000)).toBe(10_000);
    expect(submitWaitMs(now + 20, now, 10_000)).toBe(0);
    expect(submitWaitMs(now - 5, now, 10_000)).toBe(0);
  });
});
