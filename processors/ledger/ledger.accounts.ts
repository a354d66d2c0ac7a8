import { deriveId } from '../../schemas';
import type { AccountSpec, SystemAccountCode } from './types';

/** The id of a merchant's default wallet in `currency` (order-path.md): the same everywhere it is made. */
export function defaultWalletId(merchantId: string, currency: string): string {
  return deriveId('default-wallet', merchantId, currency);
}

/** The id of the system account `code` in `currency`. */
export function systemAccountId(code: SystemAccountCode, currency: string): string {
  return deriveId('system-account', code, currency);
}

export function defaultWalletSpec(merchantId: string, currency: string): AccountSpec {
  return { id: defaultWalletId(merchantId, currency), merchantId, kind: 'personal', systemCode: null, currency, isDefault: true };
}

export function systemAccountSpec(code: SystemAccountCode, currency: string): AccountSpec {
  return { id: systemAccountId(code, currency), merchantId: null, kind: 'system', systemCode: code, currency, isDefault: false };
}
