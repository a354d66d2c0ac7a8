import { ValidationError } from '../gateway.errors';
import type { Fields } from '../validation/field.rules';
import {
  asFields,
  checkCurrency,
  checkIdempotencyKey,
  checkMinorUnits,
  checkOptionalText,
  checkSignedMinorUnits,
  checkText,
  checkUuid,
  requireString,
} from '../validation/field.rules';
import type { ActionRequest, ThresholdDirectionName, WalletKindName, WalletRequest } from './types';

/** Limits of wallet requests (field names in messages are the proto's). */
export const WALLET_LIMITS = {
  maxNameLength: 200,
  maxExternalReferenceLength: 128,
  maxDescriptionLength: 500,
  maxThresholdsPerWallet: 50,
} as const;

/**
 * Validates wallet requests as proto-loader decodes them (camelCase keys, int64 as decimal
 * strings, enums by name). Each throws a {@link ValidationError} for the first rule broken, in
 * field order, naming the field as the proto does (`amount_minor: must be ≥ 1`).
 */

const WALLET_KINDS: ReadonlyMap<unknown, WalletKindName> = new Map([
  ['WALLET_KIND_PERSONAL', 'PERSONAL'],
  ['WALLET_KIND_ENTERPRISE', 'ENTERPRISE'],
  ['WALLET_KIND_RESELLER', 'RESELLER'],
]);

const DIRECTIONS: ReadonlyMap<unknown, ThresholdDirectionName> = new Map([
  ['THRESHOLD_DIRECTION_BELOW', 'BELOW'],
  ['THRESHOLD_DIRECTION_ABOVE', 'ABOVE'],
]);

/** An optional currency: empty means "the wallet's". */
function optionalCurrency(field: string, value: unknown): string | null {
  return requireString(field, value) === '' ? null : checkCurrency(field, value);
}

/** A field of a proto3 `optional` int64: absent (undefined) stays null. */
function optionalMinorUnits(fields: Fields, name: string, field: string): number | null {
  const value = fields[name];
  return value === undefined || value === null ? null : checkMinorUnits(field, value, 0n);
}

function amountOf(fields: Fields): number {
  return checkMinorUnits('amount_minor', fields.amountMinor, 1n);
}

export function validateTopUp(request: unknown): ActionRequest {
  const fields = asFields('request', request);
  return {
    kind: 'TOP_UP',
    idempotencyKey: checkIdempotencyKey('idempotency_key', fields.idempotencyKey),
    walletId: checkUuid('wallet_id', fields.walletId, 'a wallet id'),
    amountMinor: amountOf(fields),
    externalReference: checkText('external_reference', fields.externalReference, WALLET_LIMITS.maxExternalReferenceLength),
    currency: optionalCurrency('currency', fields.currency),
  };
}

export function validateUse(request: unknown): ActionRequest {
  const fields = asFields('request', request);
  return {
    kind: 'USAGE',
    idempotencyKey: checkIdempotencyKey('idempotency_key', fields.idempotencyKey),
    walletId: checkUuid('wallet_id', fields.walletId, 'a wallet id'),
    amountMinor: amountOf(fields),
    description: checkText('description', fields.description, WALLET_LIMITS.maxDescriptionLength),
    currency: optionalCurrency('currency', fields.currency),
  };
}

export function validateTransfer(request: unknown): ActionRequest {
  const fields = asFields('request', request);
  const idempotencyKey = checkIdempotencyKey('idempotency_key', fields.idempotencyKey);
  const walletId = checkUuid('from_wallet_id', fields.fromWalletId, 'a wallet id');
  const counterpartyWalletId = checkUuid('to_wallet_id', fields.toWalletId, 'a wallet id');
  if (counterpartyWalletId === walletId) throw new ValidationError('to_wallet_id', 'must differ from from_wallet_id: a wallet cannot transfer to itself');
  return {
    kind: 'TRANSFER',
    idempotencyKey,
    walletId,
    counterpartyWalletId,
    amountMinor: amountOf(fields),
    description: checkOptionalText('description', fields.description, WALLET_LIMITS.maxDescriptionLength),
    currency: optionalCurrency('currency', fields.currency),
  };
}

export function validateVoid(request: unknown): ActionRequest {
  const fields = asFields('request', request);
  return {
    kind: 'VOID',
    idempotencyKey: checkIdempotencyKey('idempotency_key', fields.idempotencyKey),
    voidsActionId: checkUuid('action_id', fields.actionId, 'an action id'),
  };
}

/** The field checks of CreateWallet; the parent's checks need the database (see the wallet service). */
export function validateCreateWallet(request: unknown): WalletRequest {
  const fields = asFields('request', request);
  const kind = WALLET_KINDS.get(fields.kind);
  if (kind === undefined) throw new ValidationError('kind', 'must be WALLET_KIND_PERSONAL, WALLET_KIND_ENTERPRISE or WALLET_KIND_RESELLER');
  const currency = checkCurrency('currency', fields.currency);
  const name = checkOptionalText('name', fields.name, WALLET_LIMITS.maxNameLength);
  const creditLimitMinor = checkMinorUnits('credit_limit_minor', fields.creditLimitMinor, 0n);
  const parentText = requireString('parent_wallet_id', fields.parentWalletId);
  const parentWalletId = parentText === '' ? null : checkUuid('parent_wallet_id', parentText, 'a wallet id');
  const childLimitMinor = optionalMinorUnits(fields, 'childLimitMinor', 'child_limit_minor');
  if (creditLimitMinor > 0 && kind !== 'ENTERPRISE') throw new ValidationError('credit_limit_minor', 'only an ENTERPRISE wallet may have a credit limit');
  if (creditLimitMinor > 0 && parentWalletId !== null) {
    throw new ValidationError('credit_limit_minor', "a child wallet has no credit limit of its own: it spends from its parent's pool");
  }
  if (parentWalletId !== null && kind === 'PERSONAL') throw new ValidationError('parent_wallet_id', 'only ENTERPRISE and RESELLER wallets have child wallets');
  if (childLimitMinor !== null && (kind !== 'ENTERPRISE' || parentWalletId === null)) {
    throw new ValidationError('child_limit_minor', 'only a child wallet of an ENTERPRISE wallet has a child limit');
  }
  return { kind, currency, name, creditLimitMinor, parentWalletId, childLimitMinor };
}

/** The `<name>` id field of a request (`wallet_id`, `action_id`, `threshold_id`). */
export function idOf(request: unknown, name: string, field: string, what: string): string {
  return checkUuid(field, asFields('request', request)[name], what);
}

export interface ThresholdRequest {
  walletId: string;
  thresholdMinor: number;
  direction: ThresholdDirectionName;
}

export function validateSetThreshold(request: unknown): ThresholdRequest {
  const fields = asFields('request', request);
  const walletId = checkUuid('wallet_id', fields.walletId, 'a wallet id');
  const thresholdMinor = checkSignedMinorUnits('threshold_minor', fields.thresholdMinor);
  const direction = DIRECTIONS.get(fields.direction);
  if (direction === undefined) throw new ValidationError('direction', 'must be THRESHOLD_DIRECTION_BELOW or THRESHOLD_DIRECTION_ABOVE');
  return { walletId, thresholdMinor, direction };
}
