import { shadowEffects, verifyWalletRun, type ActionRow, type AnsweredAction, type WalletFigures } from '../../../bench/pipeline/wallet.verifier';

/** Wallets A and B: top-up A 1000, use A 300, transfer A → B 200, top-up B 50, and a rejected usage. */
function cleanRun() {
  const actions = new Map<string, ActionRow>([
    ['t', { kind: 'TOP_UP', status: 'HELD', amountMinor: 1000, walletId: 'A', counterpartyWalletId: null }],
    ['u', { kind: 'USAGE', status: 'HELD', amountMinor: 300, walletId: 'A', counterpartyWalletId: null }],
    ['x', { kind: 'TRANSFER', status: 'HELD', amountMinor: 200, walletId: 'A', counterpartyWalletId: 'B' }],
    ['b', { kind: 'TOP_UP', status: 'POSTED', amountMinor: 50, walletId: 'B', counterpartyWalletId: null }],
    ['r', { kind: 'USAGE', status: 'REJECTED', amountMinor: 99, walletId: 'A', counterpartyWalletId: null }],
  ]);
  const ledgerTransactions = new Map([
    ['t', 1],
    ['u', 1],
    ['x', 1],
    ['b', 1],
  ]);
  const wallets = new Map<string, WalletFigures>([
    ['A', { postedMinor: 0, pendingInMinor: 1000, pendingOutMinor: 500 }],
    ['B', { postedMinor: 50, pendingInMinor: 200, pendingOutMinor: 0 }],
  ]);
  const answers: AnsweredAction[] = [
    { actionId: 't', status: 'H', amountMinor: 1000 },
    { actionId: 'u', status: 'H', amountMinor: 300 },
    { actionId: 'x', status: 'H', amountMinor: 200 },
    { actionId: 'b', status: 'H', amountMinor: 50 },
  ];
  return { answers, facts: { actions, ledgerTransactions, wallets } };
}

describe('verifyWalletRun', () => {
  it('passes when every action was decided once and the wallets hold the sum of their actions', () => {
    const { answers, facts } = cleanRun();
    expect(verifyWalletRun(answers, facts)).toMatchObject({
      accepted: 4,
      unanswered: 1,
      applied: 5,
      lost: 0,
      duplicated: 0,
      inconsistent: 0,
      held: 4,
      rejected: 1,
      walletsChecked: 2,
      walletMismatches: 0,
      ok: true,
    });
  });

  it('flags a held action without its ledger transaction as lost and one with two as duplicated', () => {
    const { answers, facts } = cleanRun();
    facts.ledgerTransactions.delete('t');
    facts.ledgerTransactions.set('u', 2);
    expect(verifyWalletRun(answers, facts)).toMatchObject({ lost: 1, duplicated: 1, ok: false });
  });

  it('flags an action never decided, or answered but not recorded, as lost', () => {
    const { answers, facts } = cleanRun();
    facts.actions.set('t', { kind: 'TOP_UP', status: 'PENDING', amountMinor: 1000, walletId: 'A', counterpartyWalletId: null });
    const v = verifyWalletRun([...answers, { actionId: 'ghost', status: 'H', amountMinor: 1 }], facts);
    expect(v.lost).toBe(2);
  });

  it('flags a held answer for a rejected action, and a wrong amount, as inconsistent', () => {
    const { answers, facts } = cleanRun();
    const v = verifyWalletRun([...answers.slice(1), { actionId: 't', status: 'H', amountMinor: 999 }, { actionId: 'r', status: 'H', amountMinor: 99 }], facts);
    expect(v.inconsistent).toBe(2);
  });

  it('flags a wallet whose shadow balance is not the sum of its actions', () => {
    const { answers, facts } = cleanRun();
    facts.wallets.set('B', { postedMinor: 0, pendingInMinor: 200, pendingOutMinor: 0 });
    const v = verifyWalletRun(answers, facts);
    expect(v.walletMismatches).toBe(1);
    expect(v.ok).toBe(false);
  });
});

describe('shadowEffects', () => {
  it('moves money only for held or posted actions; a transfer moves it between two wallets', () => {
    expect(shadowEffects({ kind: 'TRANSFER', status: 'HELD', amountMinor: 5, walletId: 'A', counterpartyWalletId: 'B' })).toEqual([
      ['A', -5],
      ['B', 5],
    ]);
    expect(shadowEffects({ kind: 'USAGE', status: 'RELEASED', amountMinor: 5, walletId: 'A', counterpartyWalletId: null })).toEqual([]);
  });
});
