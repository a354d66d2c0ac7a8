import type { PoolConnection } from '../../storage/mysql';
import { claimInbox } from '../../storage/inbox';
import { lockThresholds, saveThresholdStates } from './balance-thresholds.store';
import { notificationId, thresholdSource, type NotificationSource } from './delivery-plan';
import { existingNotificationIds } from './notifications.store';
import type { BalanceThreshold, ThresholdState, WalletChange } from './types';
import { NOTIFICATION_CHANNELS } from './types';

/** The inbox consumer under which the WalletUpdated events a monitor has evaluated are recorded. */
export const BALANCE_MONITOR_INBOX = 'notification.balance-monitor';

/**
 * The side of `thresholdMinor` a balance is on: `ABOVE` when `balanceMinor >= thresholdMinor`
 * (reaching the threshold counts as above), else `BELOW`.
 */
export function thresholdStateOf(balanceMinor: number, thresholdMinor: number): ThresholdState {
  return balanceMinor >= thresholdMinor ? 'ABOVE' : 'BELOW';
}

/** A threshold that `change` moved into its alerting state. */
export interface Crossing {
  threshold: BalanceThreshold;
  change: WalletChange;
}

/**
 * Walks `changes` (in their wallets' event order) past each threshold of their wallet. The monitored
 * figure is the shadow balance after the change (`balances.shadowMinor`). A crossing is a change of
 * state (see {@link thresholdStateOf}) from the threshold's `lastState`; a NULL `lastState` (never
 * observed) counts as different from both. A crossing INTO the threshold's direction (BELOW for a
 * BELOW threshold, ABOVE for an ABOVE one) alerts; a crossing back out only records the state, so
 * a balance that stays on the alerting side alerts once, and again only after it has left it.
 *
 * Returns the alerts in event order and the new `last_state` of every threshold whose state changed.
 */
export function detectCrossings(
  thresholds: readonly BalanceThreshold[],
  changes: readonly WalletChange[],
): { alerts: Crossing[]; states: Map<string, ThresholdState> } {
  const byWallet = groupByWallet(thresholds);
  const current = new Map<string, ThresholdState | null>(thresholds.map((t) => [t.id, t.lastState]));
  const alerts: Crossing[] = [];
  for (const change of changes) {
    for (const threshold of byWallet.get(change.event.walletId) ?? []) {
      const state = thresholdStateOf(change.event.balances.shadowMinor, threshold.thresholdMinor);
      if (state === current.get(threshold.id)) continue;
      current.set(threshold.id, state);
      if (state === threshold.direction) alerts.push({ threshold, change });
    }
  }
  const states = new Map<string, ThresholdState>();
  for (const t of thresholds) {
    const state = current.get(t.id);
    if (state !== undefined && state !== null && state !== t.lastState) states.set(t.id, state);
  }
  return { alerts, states };
}

export interface BalanceMonitor {
  /** The wallets of `changes` that may have thresholds: all but those found without any less than `cacheMs` ago. */
  watchedWallets(changes: readonly WalletChange[]): string[];
  /**
   * In the batch's transaction: locks the thresholds of the watched wallets of `changes`, records the
   * changes of those wallets in the inbox, detects crossings for the ones not evaluated before and
   * stores the thresholds' new `last_state`. Returns the alerts to deliver: the new ones, plus those of
   * already evaluated (redelivered) changes that have delivery rows, so a batch retried after a
   * transient send failure sends what is still pending. The alert's source id is derived from
   * (event id, threshold id), so its deliveries are recorded once whatever happens.
   */
  check(connection: PoolConnection, changes: readonly WalletChange[]): Promise<NotificationSource[]>;
}

/**
 * Balance monitors over `balance_thresholds`. Which wallets have no threshold is cached for `cacheMs`
 * (a threshold set meanwhile is observed from the first change after that); thresholds themselves
 * and their `last_state` are always read locked in the batch's transaction.
 */
export function createBalanceMonitor(options: { cacheMs: number; now: () => number }): BalanceMonitor {
  /** Wallets found without thresholds, until when. */
  const unwatched = new Map<string, number>();

  function watchedWallets(changes: readonly WalletChange[]): string[] {
    const t = options.now();
    const wallets = new Set<string>();
    for (const c of changes) {
      const until = unwatched.get(c.event.walletId);
      if (until === undefined || until <= t) wallets.add(c.event.walletId);
    }
    return [...wallets];
  }

  function remember(walletIds: readonly string[], thresholds: readonly BalanceThreshold[]): void {
    const t = options.now();
    const watched = new Set(thresholds.map((th) => th.walletId));
    for (const id of walletIds) {
      if (watched.has(id)) unwatched.delete(id);
      else unwatched.set(id, t + options.cacheMs);
    }
    // Drop expired entries now and then, so wallets seen once do not stay forever.
    if (unwatched.size > 10_000) for (const [id, until] of unwatched) if (until <= t) unwatched.delete(id);
  }

  async function check(connection: PoolConnection, changes: readonly WalletChange[]): Promise<NotificationSource[]> {
    const walletIds = watchedWallets(changes);
    if (walletIds.length === 0) return [];
    const thresholds = await lockThresholds(connection, walletIds);
    remember(walletIds, thresholds);
    const byWallet = groupByWallet(thresholds);
    const monitored = changes.filter((c) => byWallet.has(c.event.walletId));
    if (monitored.length === 0) return [];

    const fresh = await claimInbox(
      connection,
      BALANCE_MONITOR_INBOX,
      monitored.map((c) => c.eventId),
    );
    const { alerts, states } = detectCrossings(
      thresholds,
      monitored.filter((c) => fresh.has(c.eventId)),
    );
    await saveThresholdStates(connection, states);

    const replayed = monitored.filter((c) => !fresh.has(c.eventId)).flatMap((c) => (byWallet.get(c.event.walletId) ?? []).map((t) => thresholdSource(c, t)));
    const recorded = await existingNotificationIds(
      connection,
      replayed.flatMap((s) => NOTIFICATION_CHANNELS.map((channel) => notificationId(s.sourceId, channel))),
    );
    return [
      ...alerts.map((a) => thresholdSource(a.change, a.threshold)),
      ...replayed.filter((s) => NOTIFICATION_CHANNELS.some((channel) => recorded.has(notificationId(s.sourceId, channel)))),
    ];
  }

  return { watchedWallets, check };
}

function groupByWallet(thresholds: readonly BalanceThreshold[]): Map<string, BalanceThreshold[]> {
  const byWallet = new Map<string, BalanceThreshold[]>();
  for (const t of thresholds) {
    const list = byWallet.get(t.walletId);
    if (list === undefined) byWallet.set(t.walletId, [t]);
    else list.push(t);
  }
  return byWallet;
}
