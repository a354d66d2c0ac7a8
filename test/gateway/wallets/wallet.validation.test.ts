import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../../gateway';
import {
  validateCreateWallet,
  validateSetThreshold,
  validateTopUp,
  validateTransfer,
  validateUse,
  validateVoid,
} from '../../../gateway/wallets/wallet.validation';

const W1 = randomUUID();
const W2 = randomUUID();

/** Requests as proto-loader decodes them: camelCase, int64 as decimal strings, absent scalars as zero values. */
const topUp = (): Record<string, unknown> => ({ idempotencyKey: 'k-1', walletId: W1, amountMinor: '1000', externalReference: 'bank-42', currency: '' });
const use = (): Record<string, unknown> => ({ idempotencyKey: 'k-1', walletId: W1, amountMinor: '1000', description: 'Pro plan', currency: '' });
const transfer = (): Record<string, unknown> => ({
  idempotencyKey: 'k-1',
  fromWalletId: W1,
  toWalletId: W2,
  amountMinor: '1000',
  description: '',
  currency: '',
});
const create = (): Record<string, unknown> => ({
  kind: 'WALLET_KIND_ENTERPRISE',
  currency: 'EUR',
  name: '',
  creditLimitMinor: '0',
  parentWalletId: '',
});

type Case = [string, () => unknown, string];

function fieldOf(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error('the request was accepted');
}

const CASES: Case[] = [
  ['top-up: missing idempotency key', () => validateTopUp({ ...topUp(), idempotencyKey: '' }), 'idempotency_key'],
  ['top-up: idempotency key with a space', () => validateTopUp({ ...topUp(), idempotencyKey: 'a b' }), 'idempotency_key'],
  ['top-up: wallet id not a UUID', () => validateTopUp({ ...topUp(), walletId: 'wallet-1' }), 'wallet_id'],
  ['top-up: wallet id missing', () => validateTopUp({ ...topUp(), walletId: '' }), 'wallet_id'],
  ['top-up: zero amount', () => validateTopUp({ ...topUp(), amountMinor: '0' }), 'amount_minor'],
  ['top-up: negative amount', () => validateTopUp({ ...topUp(), amountMinor: '-5' }), 'amount_minor'],
  ['top-up: amount 2^53', () => validateTopUp({ ...topUp(), amountMinor: '9007199254740992' }), 'amount_minor'],
  ['top-up: amount not an integer', () => validateTopUp({ ...topUp(), amountMinor: '10.5' }), 'amount_minor'],
  ['top-up: blank external reference', () => validateTopUp({ ...topUp(), externalReference: '  ' }), 'external_reference'],
  ['top-up: external reference of 129', () => validateTopUp({ ...topUp(), externalReference: 'x'.repeat(129) }), 'external_reference'],
  ['top-up: unknown currency', () => validateTopUp({ ...topUp(), currency: 'XYZ' }), 'currency'],
  ['usage: blank description', () => validateUse({ ...use(), description: '' }), 'description'],
  ['usage: description of 501', () => validateUse({ ...use(), description: 'é'.repeat(501) }), 'description'],
  ['usage: lower-case currency', () => validateUse({ ...use(), currency: 'usd' }), 'currency'],
  ['transfer: from wallet missing', () => validateTransfer({ ...transfer(), fromWalletId: '' }), 'from_wallet_id'],
  ['transfer: to wallet not a UUID', () => validateTransfer({ ...transfer(), toWalletId: 'x' }), 'to_wallet_id'],
  ['transfer: to itself', () => validateTransfer({ ...transfer(), toWalletId: W1.toUpperCase() }), 'to_wallet_id'],
  ['transfer: description of 501', () => validateTransfer({ ...transfer(), description: 'x'.repeat(501) }), 'description'],
  ['void: action id missing', () => validateVoid({ idempotencyKey: 'k', actionId: '' }), 'action_id'],
  ['create: kind unspecified', () => validateCreateWallet({ ...create(), kind: 'WALLET_KIND_UNSPECIFIED' }), 'kind'],
  ['create: currency missing', () => validateCreateWallet({ ...create(), currency: '' }), 'currency'],
  ['create: name of 201', () => validateCreateWallet({ ...create(), name: 'n'.repeat(201) }), 'name'],
  ['create: negative credit limit', () => validateCreateWallet({ ...create(), creditLimitMinor: '-1' }), 'credit_limit_minor'],
  ['create: credit limit on a personal wallet', () => validateCreateWallet({ ...create(), kind: 'WALLET_KIND_PERSONAL', creditLimitMinor: '5' }), 'credit_limit_minor'],
  ['create: credit limit on a child', () => validateCreateWallet({ ...create(), creditLimitMinor: '5', parentWalletId: W1 }), 'credit_limit_minor'],
  ['create: parent not a UUID', () => validateCreateWallet({ ...create(), parentWalletId: 'p' }), 'parent_wallet_id'],
  ['create: a personal child', () => validateCreateWallet({ ...create(), kind: 'WALLET_KIND_PERSONAL', parentWalletId: W1 }), 'parent_wallet_id'],
  ['create: child limit without a parent', () => validateCreateWallet({ ...create(), childLimitMinor: '5' }), 'child_limit_minor'],
  ['create: child limit on a reseller child', () => validateCreateWallet({ ...create(), kind: 'WALLET_KIND_RESELLER', parentWalletId: W1, childLimitMinor: '5' }), 'child_limit_minor'],
  ['threshold: wallet id', () => validateSetThreshold({ walletId: '', thresholdMinor: '0', direction: 'THRESHOLD_DIRECTION_BELOW' }), 'wallet_id'],
  ['threshold: beyond 2^53 - 1', () => validateSetThreshold({ walletId: W1, thresholdMinor: '-9007199254740992', direction: 'THRESHOLD_DIRECTION_BELOW' }), 'threshold_minor'],
  ['threshold: direction unspecified', () => validateSetThreshold({ walletId: W1, thresholdMinor: '0', direction: 'THRESHOLD_DIRECTION_UNSPECIFIED' }), 'direction'],
];

describe('wallet request validation', () => {
  it.each(CASES)('%s names its field', (_name, work, field) => {
    expect(fieldOf(work)).toBe(field);
  });

  it('accepts good requests, with exact amounts and lower-case ids', () => {
    expect(validateTopUp({ ...topUp(), walletId: W1.toUpperCase(), amountMinor: '9007199254740991' })).toEqual({
      kind: 'TOP_UP',
      idempotencyKey: 'k-1',
      walletId: W1,
      amountMinor: 9_007_199_254_740_991,
      externalReference: 'bank-42',
      currency: null,
    });
    expect(validateUse({ ...use(), currency: 'JPY' })).toMatchObject({ kind: 'USAGE', description: 'Pro plan', currency: 'JPY' });
    expect(validateTransfer(transfer())).toMatchObject({ kind: 'TRANSFER', walletId: W1, counterpartyWalletId: W2, description: null });
    expect(validateVoid({ idempotencyKey: 'v', actionId: W2 })).toEqual({ kind: 'VOID', idempotencyKey: 'v', voidsActionId: W2 });
    expect(validateCreateWallet({ ...create(), creditLimitMinor: '500000', name: 'Ops' })).toEqual({
      kind: 'ENTERPRISE',
      currency: 'EUR',
      name: 'Ops',
      creditLimitMinor: 500_000,
      parentWalletId: null,
      childLimitMinor: null,
    });
    expect(validateCreateWallet({ ...create(), parentWalletId: W1, childLimitMinor: '0' })).toMatchObject({ parentWalletId: W1, childLimitMinor: 0 });
    expect(validateSetThreshold({ walletId: W1, thresholdMinor: '-2500', direction: 'THRESHOLD_DIRECTION_ABOVE' })).toEqual({
      walletId: W1,
      thresholdMinor: -2500,
      direction: 'ABOVE',
    });
  });
});
