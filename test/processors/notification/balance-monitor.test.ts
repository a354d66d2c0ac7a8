import { detectCrossings, thresholdStateOf, type BalanceThreshold, type WalletChange } from '../../../processors/notification';
import type { WalletUpdated } from '../../../schemas';

const base: WalletUpdated = {
  walletId: 'w1',
  merchantId: 'm1',
  ledgerTransactionId: 'ltx',
  cause: 'USAGE',
  status: 'HELD',
  actionId: 'a',
  orderId: null,
  amountMinor: 0,
  currency: 'USD',
  balances: { postedMinor: 0, pendingInMinor: 0, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 0 },
  lines: [],
  reason: null,
  occurredAt: 0,
};

/** WalletUpdated events of `walletId` whose shadow balances are `shadows`, in order. */
function changes(walletId: string, shadows: readonly number[]): WalletChange[] {
  return shadows.map((shadowMinor, i) => ({
    eventId: `${walletId}-e${i}`,
    correlationId: `c${i}`,
    event: { ...base, walletId, balances: { ...base.balances, shadowMinor } },
  }));
}

function threshold(overrides: Partial<BalanceThreshold> & Pick<BalanceThreshold, 'id' | 'direction' | 'thresholdMinor'>): BalanceThreshold {
  return { walletId: 'w1', merchantId: 'm1', lastState: null, ...overrides };
}

describe('balance monitor crossings', () => {
  it('puts a balance equal to the threshold ABOVE it', () => {
    expect(thresholdStateOf(5_000, 5_000)).toBe('ABOVE');
    expect(thresholdStateOf(4_999, 5_000)).toBe('BELOW');
    expect(thresholdStateOf(-1, 0)).toBe('BELOW');
  });

  it('alerts once per crossing into the alerting side, not per event on it', () => {
    const below = threshold({ id: 't1', direction: 'BELOW', thresholdMinor: 5_000 });
    const seq = changes('w1', [8_000, 4_000, 3_000, 2_000, 6_000, 4_500, 4_000]);
    const { alerts, states } = detectCrossings([below], seq);
    expect(alerts.map((a) => a.change.eventId)).toEqual(['w1-e1', 'w1-e5']);
    expect(states).toEqual(new Map([['t1', 'BELOW']]));
  });

  it('alerts on the first observation only when it is already on the alerting side', () => {
    const low = threshold({ id: 'low', direction: 'BELOW', thresholdMinor: 5_000 });
    const high = threshold({ id: 'high', direction: 'ABOVE', thresholdMinor: 5_000 });
    const first = detectCrossings([low, high], changes('w1', [3_000]));
    expect(first.alerts.map((a) => a.threshold.id)).toEqual(['low']);
    expect(first.states).toEqual(
      new Map([
        ['low', 'BELOW'],
        ['high', 'BELOW'],
      ]),
    );
    // Reaching the threshold exactly is a crossing of an ABOVE threshold.
    const second = detectCrossings([{ ...low, lastState: 'BELOW' }, { ...high, lastState: 'BELOW' }], changes('w1', [5_000, 7_000]));
    expect(second.alerts.map((a) => [a.threshold.id, a.change.eventId])).toEqual([['high', 'w1-e0']]);
    expect(second.states).toEqual(
      new Map([
        ['low', 'ABOVE'],
        ['high', 'ABOVE'],
      ]),
    );
  });

  it('continues from the stored state and reports no state that did not change', () => {
    const below = threshold({ id: 't1', direction: 'BELOW', thresholdMinor: 0, lastState: 'BELOW' });
    const { alerts, states } = detectCrossings([below], changes('w1', [-10, -20]));
    expect(alerts).toEqual([]);
    expect(states.size).toBe(0);
    // Leaving and coming back within one batch: one alert, the state ends where it began.
    const round = detectCrossings([below], changes('w1', [10, -5]));
    expect(round.alerts.map((a) => a.change.eventId)).toEqual(['w1-e1']);
    expect(round.states.size).toBe(0);
  });

  it('keeps wallets apart', () => {
    const t1 = threshold({ id: 't1', direction: 'BELOW', thresholdMinor: 100, lastState: 'ABOVE' });
    const t2 = threshold({ id: 't2', walletId: 'w2', direction: 'BELOW', thresholdMinor: 100, lastState: 'ABOVE' });
    const { alerts, states } = detectCrossings([t1, t2], [...changes('w1', [500]), ...changes('w2', [50]), ...changes('w3', [0])]);
    expect(alerts.map((a) => [a.threshold.id, a.change.eventId])).toEqual([['t2', 'w2-e0']]);
    expect(states).toEqual(new Map([['t2', 'BELOW']]));
  });
});
