/**
 * Wallets as the gateway's WalletService needs them from the ledger, which owns their money:
 * creating one (with the rules of wallet-path.md on kinds, parents and limits), its balances
 * (the ledger's formulas, enterprise pools included) and the ledger transactions that touch it.
 */
import { randomUUID } from 'node:crypto';
import { isCurrencyCode } from '../../money';
import { withTransaction, type Pool } from '../../storage/mysql';
import { availableOf, committedOf, poolAvailableOf, poolTopOf, shadowOf, toSafeNumber } from './ledger.balances';
import type { AccountState, LedgerTransactionKind } from './types';
import type { HoldStatus } from '../../schemas';
import { WalletError } from './wallet.errors';
import { insertWallets, merchantExists, selectPool, selectWallet, selectWalletEntries, type StoredWallet } from './wallet.store';

/** The kinds of wallet a merchant may create (system accounts are the ledger's own). */
export type WalletKind = 'personal' | 'enterprise' | 'reseller';

export interface CreateWalletInput {
  merchantId: string;
  /** Either case: `enterprise` or `ENTERPRISE`. */
  kind: WalletKind | Uppercase<WalletKind>;
  /** ISO 4217. */
  currency: string;
  name?: string | null | undefined;
  /** Enterprise top-level wallets only: how far below zero `available` may go (default 0). */
  creditLimitMinor?: number | null | undefined;
  /** Makes the wallet a child of this one (same merchant, kind and currency; enterprise or reseller). */
  parentWalletId?: string | null | undefined;
  /** Enterprise children only: how much the child may owe its parent's pool (default: no limit but the pool). */
  childLimitMinor?: number | null | undefined;
}

/** A wallet as stored, without balances. Money in minor units. */
export interface WalletRow {
  walletId: string;
  merchantId: string;
  kind: WalletKind;
  currency: string;
  name: string | null;
  parentWalletId: string | null;
  creditLimitMinor: number;
  childLimitMinor: number | null;
  isDefault: boolean;
  /** Epoch ms. */
  createdAt: number;
}

/** A wallet's figures (design.md §1) in minor units. */
export interface WalletBalancesView {
  walletId: string;
  merchantId: string;
  kind: WalletKind;
  currency: string;
  parentWalletId: string | null;
  postedMinor: number;
  pendingInMinor: number;
  pendingOutMinor: number;
  /** posted − pending_out + credit limit (an enterprise child's may be negative: it draws on the pool). */
  availableMinor: number;
  /** posted + pending_in − pending_out. */
  shadowMinor: number;
  creditLimitMinor: number;
  childLimitMinor: number | null;
  /** Enterprise wallets: the pool's available (the parent's available plus each child's posted − pending_out). */
  poolAvailableMinor?: number;
  /** The largest debit the ledger would accept now (the funds rule), never below 0. */
  spendableMinor: number;
}

/** A ledger transaction as it touches one wallet. */
export interface WalletTransactionView {
  ledgerTransactionId: string;
  kind: LedgerTransactionKind;
  status: HoldStatus;
  /** Signed change of this wallet's balance (positive: credit). */
  amountMinor: number;
  /** The transaction's gross amount (a sale's order total). */
  transactionAmountMinor: number;
  currency: string;
  actionId: string | null;
  orderId: string | null;
  /** For a compensating VOID transaction: the transaction it reverses. */
  reversesTransactionId: string | null;
  memo: string;
  /** Epoch ms. */
  createdAt: number;
  settledAt: number | null;
}

export interface ListWalletTransactionsOptions {
  /** 1..1000. */
  pageSize: number;
  /** Cursor: only transactions created before this (epoch ms), or at it with an id below `beforeId`. */
  beforeCreatedAt?: number | undefined;
  beforeId?: string | undefined;
}

const MAX_NAME = 200;
const MAX_PAGE = 1_000;

/**
 * Creates a wallet for the merchant; throws a {@link WalletError}: `WALLET_INVALID` (with the field),
 * `MERCHANT_NOT_FOUND`, `PARENT_NOT_FOUND` (absent or another merchant's), `PARENT_INVALID`. A child
 * is created while its parent's row is locked, so a ledger batch that locked the parent's pool sees
 * either all of its children or waits for the new one.
 */
export async function createWallet(pool: Pool, input: CreateWalletInput): Promise<WalletRow> {
  const kind = walletKindOf(input.kind);
  const { merchantId, currency } = input;
  if (!isCurrencyCode(currency)) throw new WalletError('WALLET_INVALID', `currency must be an ISO 4217 code, got "${currency}"`, 'currency');
  const name = input.name === undefined || input.name === null || input.name.trim() === '' ? null : input.name.trim();
  if (name !== null && name.length > MAX_NAME) throw new WalletError('WALLET_INVALID', `name must be at most ${MAX_NAME} characters`, 'name');
  const parentId = input.parentWalletId ?? null;
  const creditLimit = limitOf(input.creditLimitMinor, 'creditLimitMinor') ?? 0;
  const childLimit = limitOf(input.childLimitMinor, 'childLimitMinor');
  if (creditLimit > 0 && (kind !== 'enterprise' || parentId !== null)) {
    throw new WalletError('WALLET_INVALID', 'only a top-level enterprise wallet may have a credit limit', 'creditLimitMinor');
  }
  if (childLimit !== null && (kind !== 'enterprise' || parentId === null)) {
    throw new WalletError('WALLET_INVALID', 'only a child wallet of an enterprise wallet may have a child limit', 'childLimitMinor');
  }
  if (parentId !== null && kind === 'personal') throw new WalletError('WALLET_INVALID', 'a personal wallet cannot have a parent', 'parentWalletId');

  return withTransaction(pool, async (connection) => {
    if (!(await merchantExists(connection, merchantId))) throw new WalletError('MERCHANT_NOT_FOUND', `merchant ${merchantId} not found`);
    if (parentId !== null) {
      const parent = await selectWallet(connection, parentId, true);
      if (parent === undefined || parent.merchantId !== merchantId) throw new WalletError('PARENT_NOT_FOUND', `wallet ${parentId} not found`, 'parentWalletId');
      const problem =
        parent.kind !== kind
          ? `a ${kind} wallet cannot be the child of a ${parent.kind} wallet`
          : parent.parentAccountId !== null
            ? `wallet ${parentId} is itself a child wallet (no grandchildren)`
            : parent.currency !== currency
              ? `wallet ${parentId} holds ${parent.currency}, not ${currency}`
              : null;
      if (problem !== null) throw new WalletError('PARENT_INVALID', problem, 'parentWalletId');
    }
    const wallet = { id: randomUUID(), merchantId, kind, name, currency, parentAccountId: parentId, creditLimitMinor: creditLimit, childLimitMinor: childLimit, createdAt: Date.now() };
    await insertWallets(connection, [wallet]);
    return {
      walletId: wallet.id,
      merchantId,
      kind,
      currency,
      name,
      parentWalletId: parentId,
      creditLimitMinor: creditLimit,
      childLimitMinor: childLimit,
      isDefault: false,
      createdAt: wallet.createdAt,
    };
  });
}

/** The wallet's figures; an enterprise wallet's include its pool. Throws `WALLET_NOT_FOUND` (also for a system account). */
export async function getWalletBalances(pool: Pool, walletId: string): Promise<WalletBalancesView> {
  const wallet = await selectWallet(pool, walletId);
  if (wallet === undefined || wallet.kind === 'system' || wallet.merchantId === null) throw new WalletError('WALLET_NOT_FOUND', `wallet ${walletId} not found`);
  const state = stateOf(wallet);
  const view: WalletBalancesView = {
    walletId,
    merchantId: wallet.merchantId,
    kind: wallet.kind,
    currency: wallet.currency,
    parentWalletId: wallet.parentAccountId,
    postedMinor: toSafeNumber(wallet.postedMinor, walletId),
    pendingInMinor: toSafeNumber(wallet.pendingInMinor, walletId),
    pendingOutMinor: toSafeNumber(wallet.pendingOutMinor, walletId),
    availableMinor: toSafeNumber(availableOf(state), walletId),
    shadowMinor: toSafeNumber(shadowOf(state), walletId),
    creditLimitMinor: toSafeNumber(wallet.creditLimitMinor, walletId),
    childLimitMinor: wallet.childLimitMinor === null ? null : toSafeNumber(wallet.childLimitMinor, walletId),
    spendableMinor: 0,
  };
  const topId = poolTopOf(state);
  if (topId === null) return { ...view, spendableMinor: Math.max(0, view.availableMinor) };
  // One statement: the pool as of one moment.
  const members = (await selectPool(pool, topId)).map(stateOf);
  const top = members.find((m) => m.id === topId);
  if (top === undefined) throw new WalletError('WALLET_NOT_FOUND', `the parent wallet ${topId} of wallet ${walletId} not found`);
  const self = members.find((m) => m.id === walletId) ?? state;
  const poolAvailable = poolAvailableOf(
    top,
    members.filter((m) => m.id !== topId),
  );
  let spendable = poolAvailable;
  if (self.parentAccountId !== null && self.childLimitMinor !== null) {
    const headroom = self.childLimitMinor + committedOf(self);
    if (headroom < spendable) spendable = headroom;
  }
  return { ...view, poolAvailableMinor: toSafeNumber(poolAvailable, topId), spendableMinor: toSafeNumber(spendable > 0n ? spendable : 0n, walletId) };
}

/**
 * Up to `pageSize` ledger transactions touching the wallet, newest first (by creation time, then id,
 * descending), with each one's status and signed amount for this wallet. The next page starts
 * before the last one returned: `{ beforeCreatedAt: last.createdAt, beforeId: last.ledgerTransactionId }`.
 * Rejected-at-request actions made no transaction and are not listed. Throws `WALLET_NOT_FOUND`,
 * `WALLET_INVALID` (a bad page size or cursor).
 */
export async function listWalletTransactions(pool: Pool, walletId: string, options: ListWalletTransactionsOptions): Promise<WalletTransactionView[]> {
  const { pageSize, beforeCreatedAt, beforeId } = options;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) {
    throw new WalletError('WALLET_INVALID', `pageSize must be an integer within 1..${MAX_PAGE}, got ${String(pageSize)}`, 'pageSize');
  }
  if (beforeCreatedAt !== undefined && !Number.isSafeInteger(beforeCreatedAt)) {
    throw new WalletError('WALLET_INVALID', 'beforeCreatedAt must be epoch milliseconds', 'beforeCreatedAt');
  }
  if (beforeId !== undefined && beforeCreatedAt === undefined) throw new WalletError('WALLET_INVALID', 'beforeId needs beforeCreatedAt', 'beforeId');
  const wallet = await selectWallet(pool, walletId);
  if (wallet === undefined || wallet.kind === 'system') throw new WalletError('WALLET_NOT_FOUND', `wallet ${walletId} not found`);
  const before = beforeCreatedAt === undefined ? null : { createdAt: beforeCreatedAt, transactionId: beforeId ?? null };
  const rows = await selectWalletEntries(pool, walletId, pageSize, before);
  return rows.map((row) => ({
    ledgerTransactionId: row.transactionId,
    kind: row.kind,
    status: row.status,
    amountMinor: row.amountMinor,
    transactionAmountMinor: row.transactionAmountMinor,
    currency: row.currency,
    actionId: row.actionId,
    orderId: row.orderId,
    reversesTransactionId: row.reversesTransactionId,
    memo: row.memo,
    createdAt: row.createdAt,
    settledAt: row.settledAt,
  }));
}

function walletKindOf(kind: string): WalletKind {
  const lower = kind.toLowerCase();
  if (lower === 'personal' || lower === 'enterprise' || lower === 'reseller') return lower;
  throw new WalletError('WALLET_INVALID', `kind must be personal, enterprise or reseller, got "${kind}"`, 'kind');
}

function limitOf(value: number | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value) || value < 0) throw new WalletError('WALLET_INVALID', `${field} must be a non-negative safe integer of minor units, got ${String(value)}`, field);
  return value;
}

function stateOf(wallet: StoredWallet): AccountState {
  return { ...wallet, systemCode: null };
}
