import { expectedEffects, LOGGED_EVENT_TYPES, verifyRun, type AnsweredOrder, type FinalStatus, type LogCounts, type WalletRow } from '../../../bench/pipeline/run.verifier';

type MutableFacts = {
  requests: Map<string, string>;
  payments: Map<string, 'CAPTURED' | 'DECLINED'>;
  ledgerTransactions: Map<string, number>;
  projection: Map<string, { status: 'PENDING' | 'COMPLETED' | 'FAILED'; netMinor: number | null }>;
  logs: Map<string, Partial<LogCounts>>;
  notifications: Map<string, number>;
  wallets: Map<string, WalletRow>;
  sumOfAllAccounts: number;
  unbalancedTransactions: number;
};

/** The fewest log rows an order of `status` may leave, plus `extra`. */
function logsOf(status: FinalStatus, extra: Partial<LogCounts> = {}): Partial<LogCounts> {
  const expected = expectedEffects(status).logs;
  return { ...Object.fromEntries(LOGGED_EVENT_TYPES.map((type) => [type, expected[type].min])), ...extra };
}

/** Facts of a clean run: orders o1 (COMPLETED, net 975) and o2 (FAILED) of merchant m1, o3 (COMPLETED, net 1950) of m2. */
function cleanRun(): { answers: AnsweredOrder[]; facts: MutableFacts } {
  const facts: MutableFacts = {
    requests: new Map([
      ['o1', 'm1'],
      ['o2', 'm1'],
      ['o3', 'm2'],
    ]),
    payments: new Map([
      ['o1', 'CAPTURED'],
      ['o2', 'DECLINED'],
      ['o3', 'CAPTURED'],
    ]),
    ledgerTransactions: new Map([
      ['o1', 1],
      ['o3', 1],
    ]),
    projection: new Map([
      ['o1', { status: 'COMPLETED', netMinor: 975 }],
      ['o2', { status: 'FAILED', netMinor: null }],
      ['o3', { status: 'COMPLETED', netMinor: 1950 }],
    ]),
    logs: new Map([
      ['o1', logsOf('COMPLETED')],
      ['o2', logsOf('FAILED')],
      ['o3', logsOf('COMPLETED', { WalletSettled: 1, ErpConfirmation: 1 })],
    ]),
    notifications: new Map([
      ['o1', 2],
      ['o3', 2],
    ]),
    wallets: new Map([
      ['m1', { walletId: 'w1', postedMinor: 0, pendingInMinor: 975, pendingOutMinor: 0 }],
      ['m2', { walletId: 'w2', postedMinor: 0, pendingInMinor: 1950, pendingOutMinor: 0 }],
    ]),
    sumOfAllAccounts: 0,
    unbalancedTransactions: 0,
  };
  const answers: AnsweredOrder[] = [
    { orderId: 'o1', status: 'C', netMinor: 975 },
    { orderId: 'o2', status: 'F', netMinor: 0 },
    { orderId: 'o3', status: 'C', netMinor: 1950 },
  ];
  return { answers, facts };
}

const verify = (answers: AnsweredOrder[], facts: MutableFacts) => verifyRun(answers, facts);

describe('verifyRun', () => {
  it('passes a run where every order took effect exactly once and the money adds up', () => {
    const { answers, facts } = cleanRun();
    const v = verify(answers, facts);
    expect(v).toMatchObject({ accepted: 3, unanswered: 0, applied: 3, lost: 0, duplicated: 0, inconsistent: 0, completed: 2, failed: 1, ok: true });
    expect(v.balances).toEqual({ sumOfAllAccounts: 0, unbalancedTransactions: 0, walletsChecked: 2, walletMismatches: 0, ok: true });
    expect(v.problems).toEqual([]);
  });

  it('counts an order with a missing effect as lost, and the wallet short of its net', () => {
    const { answers, facts } = cleanRun();
    facts.ledgerTransactions.delete('o1');
    facts.wallets.set('m1', { walletId: 'w1', postedMinor: 0, pendingInMinor: 0, pendingOutMinor: 0 });
    const v = verify(answers, facts);
    expect(v).toMatchObject({ lost: 1, duplicated: 0, applied: 2, ok: false });
    expect(v.balances.walletMismatches).toBe(1);
    expect(v.problems.join('\n')).toMatch(/o1 \(COMPLETED\): ledger transactions 0, expected 1/);
  });

  it('counts an extra log row or notification as duplicated', () => {
    const { answers, facts } = cleanRun();
    facts.notifications.set('o3', 4);
    facts.logs.set('o1', logsOf('COMPLETED', { WalletUpdated: 2 }));
    const v = verify(answers, facts);
    expect(v).toMatchObject({ lost: 0, duplicated: 2, applied: 1, ok: false });
  });

  it('accepts a sale settled once, not twice', () => {
    const { answers, facts } = cleanRun();
    facts.logs.set('o1', logsOf('COMPLETED', { WalletSettled: 1 }));
    expect(verify(answers, facts).ok).toBe(true);
    facts.logs.set('o1', logsOf('COMPLETED', { ErpConfirmation: 2 }));
    expect(verify(answers, facts)).toMatchObject({ duplicated: 1, ok: false });
  });

  it('counts one order answered to two calls as duplicated', () => {
    const { answers, facts } = cleanRun();
    const v = verify([...answers, { orderId: 'o1', status: 'C', netMinor: 975 }], facts);
    expect(v.duplicated).toBe(1);
    expect(v.accepted).toBe(3);
    expect(v.ok).toBe(false);
  });

  it('flags an answer that contradicts MySQL as inconsistent', () => {
    const { answers, facts } = cleanRun();
    const lying = answers.map((a) => (a.orderId === 'o2' ? { ...a, status: 'C' as const, netMinor: 500 } : a));
    const v = verify(lying, facts);
    expect(v.inconsistent).toBe(1);
    expect(v.ok).toBe(false);
  });

  it('checks orders the gateway recorded without answering, and answers it never recorded', () => {
    const { answers, facts } = cleanRun();
    // o3's caller timed out: still checked, and still expected in the wallet.
    const v1 = verify(answers.filter((a) => a.orderId !== 'o3'), facts);
    expect(v1).toMatchObject({ accepted: 2, unanswered: 1, applied: 3, ok: true });
    // An answer for an order with no order_requests row is lost.
    const v2 = verify([...answers, { orderId: 'ghost', status: 'C', netMinor: 1 }], facts);
    expect(v2.lost).toBe(1);
  });

  it('resolves a PENDING answer from the payment and the projection', () => {
    const { answers, facts } = cleanRun();
    const pending = answers.map((a) => (a.orderId === 'o3' ? { orderId: 'o3', status: 'P' as const, netMinor: 0 } : a));
    expect(verify(pending, facts)).toMatchObject({ applied: 3, completed: 2, ok: true });
    facts.payments.delete('o3');
    expect(verify(pending, facts)).toMatchObject({ lost: 1, ok: false });
  });

  it('fails when the accounts do not sum to zero or a transaction does not balance', () => {
    const { answers, facts } = cleanRun();
    facts.sumOfAllAccounts = 1;
    expect(verify(answers, facts).balances.ok).toBe(false);
    facts.sumOfAllAccounts = 0;
    facts.unbalancedTransactions = 2;
    const v = verify(answers, facts);
    expect(v.balances.ok).toBe(false);
    expect(v.ok).toBe(false);
  });

  it('accepts sales the ERP already confirmed (posted) as part of the wallet', () => {
    const { answers, facts } = cleanRun();
    facts.wallets.set('m1', { walletId: 'w1', postedMinor: 975, pendingInMinor: 0, pendingOutMinor: 0 });
    expect(verify(answers, facts).balances.ok).toBe(true);
  });
});
