/**
 * Balance arithmetic on locked accounts: holds, posting, release, the figures of design.md §1 and
 * the funds rule of wallet-path.md. BigInt throughout: sums never lose a unit.
 */
import type { WalletBalances } from '../../schemas';
import { LedgerError } from './ledger.errors';
import type { AccountState } from './types';

/** Places an entry of a new HELD transaction: a credit in `pending_in`, a debit in `pending_out`. */
export function hold(account: AccountState, amountMinor: number): void {
  if (amountMinor > 0) account.pendingInMinor += BigInt(amountMinor);
  else account.pendingOutMinor += BigInt(-amountMinor);
}

/** Moves an entry of a HELD transaction from pending to posted. */
export function post(account: AccountState, amountMinor: number): void {
  release(account, amountMinor);
  account.postedMinor += BigInt(amountMinor);
}

/** Takes an entry of a HELD transaction out of pending (rejection or void). */
export function release(account: AccountState, amountMinor: number): void {
  if (amountMinor > 0) account.pendingInMinor -= BigInt(amountMinor);
  else account.pendingOutMinor -= BigInt(-amountMinor);
}

/** posted + pending_in − pending_out: what the merchant sees. */
export function shadowOf(account: AccountState): bigint {
  return account.postedMinor + account.pendingInMinor - account.pendingOutMinor;
}

/** posted − pending_out: the confirmed balance less what is already promised. */
export function committedOf(account: AccountState): bigint {
  return account.postedMinor - account.pendingOutMinor;
}

/** posted − pending_out + credit limit: what the account alone may spend now. */
export function availableOf(account: AccountState): bigint {
  return committedOf(account) + account.creditLimitMinor;
}

/** The figures of design.md §1: available = posted − pending_out + credit limit; shadow = posted + pending_in − pending_out. */
export function balancesOf(account: AccountState): WalletBalances {
  return {
    postedMinor: toSafeNumber(account.postedMinor, account.id),
    pendingInMinor: toSafeNumber(account.pendingInMinor, account.id),
    pendingOutMinor: toSafeNumber(account.pendingOutMinor, account.id),
    availableMinor: toSafeNumber(availableOf(account), account.id),
    shadowMinor: toSafeNumber(shadowOf(account), account.id),
  };
}

export const ZERO_BALANCES: WalletBalances = { postedMinor: 0, pendingInMinor: 0, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 0 };

/**
 * An enterprise pool: the top-level wallet's available plus the committed balance (posted −
 * pending_out) of each of its children. Children draw on it; so does the top-level wallet.
 */
export function poolAvailableOf(top: AccountState, children: readonly AccountState[]): bigint {
  return children.reduce((sum, child) => sum + committedOf(child), availableOf(top));
}

/** The enterprise pool an account belongs to: its parent's, or its own when it is top-level. */
export function poolTopOf(account: AccountState): string | null {
  if (account.kind !== 'enterprise') return null;
  return account.parentAccountId ?? account.id;
}

/** Where the accounts of a batch come from: the account and the members of complete pools. */
export interface AccountLookup {
  account(id: string): AccountState;
  /** The children of enterprise pool `topId`, all locked; undefined when the batch did not lock the pool. */
  poolChildren(topId: string): readonly string[] | undefined;
}

/**
 * The funds rule (wallet-path.md): why debiting `amountMinor` from `accountId` now must be refused
 * (e.g. `available 500 < 700`), or null when it may go ahead. System accounts are never limited. An enterprise wallet (top-level
 * or child) needs its pool to cover the amount; a child with a child limit may not owe its pool
 * more than the limit; every other wallet needs its own available to cover it. Unconfirmed credits
 * (pending_in) never count.
 */
export function fundsShortfall(lookup: AccountLookup, accountId: string, amountMinor: number): string | null {
  const account = lookup.account(accountId);
  if (account.kind === 'system') return null;
  const amount = BigInt(amountMinor);
  const topId = poolTopOf(account);
  if (topId === null) {
    const available = availableOf(account);
    return available >= amount ? null : `available ${available} < ${amount}`;
  }
  const childIds = lookup.poolChildren(topId);
  if (childIds === undefined) throw new LedgerError('LEDGER_ACCOUNT_MISSING', `the pool of enterprise wallet ${topId} was not locked for this batch`);
  const pool = poolAvailableOf(
    lookup.account(topId),
    childIds.map((id) => lookup.account(id)),
  );
  if (pool < amount) return `pool available ${pool} < ${amount}`;
  if (account.parentAccountId !== null && account.childLimitMinor !== null) {
    const owed = -committedOf(account);
    if (owed + amount > account.childLimitMinor) {
      return `child limit ${account.childLimitMinor} exceeded (would owe ${owed + amount})`;
    }
  }
  return null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toSafeNumber(value: bigint, accountId: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    throw new LedgerError('LEDGER_AMOUNT_OVERFLOW', `a balance of account ${accountId} is beyond the safe integer range: ${value}`);
  }
  return Number(value);
}
