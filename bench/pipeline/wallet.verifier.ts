/**
 * After the wallet scenario has drained: every action the gateway accepted was decided once, holds
 * exactly one ledger transaction (none when rejected), and each wallet's shadow balance is the sum
 * of its held and posted actions. Pure: facts from MySQL, answers from the load generator.
 */
import type { AnswerCode } from './types';

export type ActionKind = 'TOP_UP' | 'USAGE' | 'TRANSFER' | 'VOID';
export type ActionStatus = 'PENDING' | 'HELD' | 'REJECTED' | 'POSTED' | 'RELEASED' | 'VOIDED';

export interface AnsweredAction {
  actionId: string;
  status: AnswerCode;
  amountMinor: number;
}

export interface ActionRow {
  kind: ActionKind;
  status: ActionStatus;
  amountMinor: number | null;
  walletId: string;
  counterpartyWalletId: string | null;
}

export interface WalletFigures {
  postedMinor: number;
  pendingInMinor: number;
  pendingOutMinor: number;
}

export interface WalletFacts {
  /** wallet_actions rows on the scenario's wallets, by action id. */
  actions: ReadonlyMap<string, ActionRow>;
  /** Ledger transactions per action id. */
  ledgerTransactions: ReadonlyMap<string, number>;
  /** The scenario's wallets. */
  wallets: ReadonlyMap<string, WalletFigures>;
}

export interface WalletVerification {
  accepted: number;
  unanswered: number;
  applied: number;
  lost: number;
  duplicated: number;
  inconsistent: number;
  held: number;
  rejected: number;
  walletsChecked: number;
  walletMismatches: number;
  problems: string[];
  ok: boolean;
}

/** Statuses whose money moved (a hold, or a confirmed hold). */
const MOVED: readonly ActionStatus[] = ['HELD', 'POSTED'];
const MAX_PROBLEMS = 20;

/** What an action adds to each wallet's shadow balance (posted + pending_in − pending_out). */
export function shadowEffects(action: ActionRow): [string, number][] {
  if (!MOVED.includes(action.status) || action.amountMinor === null) return [];
  const amount = action.amountMinor;
  switch (action.kind) {
    case 'TOP_UP':
      return [[action.walletId, amount]];
    case 'USAGE':
      return [[action.walletId, -amount]];
    case 'TRANSFER':
      return action.counterpartyWalletId === null
        ? [[action.walletId, -amount]]
        : [
            [action.walletId, -amount],
            [action.counterpartyWalletId, amount],
          ];
    case 'VOID':
      return [];
  }
}

export function verifyWalletRun(answers: readonly AnsweredAction[], facts: WalletFacts): WalletVerification {
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const answered = new Map<string, AnsweredAction>();
  let duplicated = 0;
  for (const answer of answers) {
    if (answered.has(answer.actionId)) {
      duplicated += 1;
      note(`action ${answer.actionId} was answered to two different calls`);
    } else answered.set(answer.actionId, answer);
  }
  let lost = 0;
  let inconsistent = 0;
  let applied = 0;
  let held = 0;
  let rejected = 0;
  for (const actionId of new Set([...answered.keys(), ...facts.actions.keys()])) {
    const answer = answered.get(actionId);
    const row = facts.actions.get(actionId);
    let isLost = false;
    let isDuplicated = false;
    let isInconsistent = false;
    if (row === undefined) {
      isLost = true;
      note(`action ${actionId} was answered but has no wallet_actions row`);
    } else if (row.status === 'PENDING') {
      isLost = true;
      note(`action ${actionId} (${row.kind}) was never decided (still PENDING)`);
    } else {
      const moved = MOVED.includes(row.status);
      if (moved) held += 1;
      else rejected += 1;
      if (answer !== undefined && (answer.status === 'H' || answer.status === 'O') !== moved) {
        isInconsistent = true;
        note(`action ${actionId} was answered ${answer.status} but is ${row.status}`);
      }
      if (answer !== undefined && row.amountMinor !== null && answer.amountMinor !== row.amountMinor) {
        isInconsistent = true;
        note(`action ${actionId} asked for ${answer.amountMinor} but recorded ${row.amountMinor}`);
      }
      // A rejected action moved nothing; a released or voided hold keeps its (settled) transaction.
      const expected = row.status === 'REJECTED' ? 0 : 1;
      const actual = facts.ledgerTransactions.get(actionId) ?? 0;
      if (actual < expected) {
        isLost = true;
        note(`action ${actionId} (${row.kind} ${row.status}): ${actual} ledger transactions, expected ${expected}`);
      } else if (actual > expected) {
        isDuplicated = true;
        note(`action ${actionId} (${row.kind} ${row.status}): ${actual} ledger transactions, expected ${expected}`);
      }
    }
    if (isLost) lost += 1;
    if (isDuplicated) duplicated += 1;
    if (isInconsistent) inconsistent += 1;
    if (!isLost && !isDuplicated && !isInconsistent) applied += 1;
  }

  const expectedShadow = new Map<string, number>();
  for (const row of facts.actions.values()) {
    for (const [walletId, delta] of shadowEffects(row)) expectedShadow.set(walletId, (expectedShadow.get(walletId) ?? 0) + delta);
  }
  let walletMismatches = 0;
  for (const [walletId, figures] of facts.wallets) {
    const shadow = figures.postedMinor + figures.pendingInMinor - figures.pendingOutMinor;
    const expected = expectedShadow.get(walletId) ?? 0;
    if (shadow !== expected) {
      walletMismatches += 1;
      note(`wallet ${walletId}: shadow ${shadow} (posted ${figures.postedMinor}, pending in ${figures.pendingInMinor}, out ${figures.pendingOutMinor}), expected ${expected} from its actions`);
    }
  }
  const unanswered = [...facts.actions.keys()].filter((id) => !answered.has(id)).length;
  return {
    accepted: answered.size,
    unanswered,
    applied,
    lost,
    duplicated,
    inconsistent,
    held,
    rejected,
    walletsChecked: facts.wallets.size,
    walletMismatches,
    problems,
    ok: lost === 0 && duplicated === 0 && inconsistent === 0 && walletMismatches === 0,
  };
}
