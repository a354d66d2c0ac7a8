import type { Pool, Row } from '../../storage/mysql';
import { bool, epochMs, num, numOrNull, rowsOf, str, strOrNull } from '../../storage/mysql';
import type { WalletKindName, WalletRecord } from './types';

const COLUMNS = 'id, kind, currency, name, parent_account_id, credit_limit_minor, child_limit_minor, is_default, created_at';

const KINDS: Readonly<Record<string, WalletKindName>> = { personal: 'PERSONAL', enterprise: 'ENTERPRISE', reseller: 'RESELLER' };

function toRecord(row: Row): WalletRecord {
  const stored = str(row, 'kind');
  const kind = Object.hasOwn(KINDS, stored) ? KINDS[stored] : undefined;
  if (kind === undefined) throw new TypeError(`column kind: ${stored} is not a wallet kind`);
  return {
    walletId: str(row, 'id'),
    kind,
    currency: str(row, 'currency'),
    name: strOrNull(row, 'name'),
    parentWalletId: strOrNull(row, 'parent_account_id'),
    creditLimitMinor: num(row, 'credit_limit_minor'),
    childLimitMinor: numOrNull(row, 'child_limit_minor'),
    isDefault: bool(row, 'is_default'),
    createdAt: epochMs(row, 'created_at'),
  };
}

/** Reads of the merchant's wallets (`accounts` rows other than system accounts). */
export class WalletStore {
  constructor(private readonly pool: Pool) {}

  /** Those of `walletIds` that are wallets of `merchantId`, by id (one SELECT). */
  async findWallets(merchantId: string, walletIds: readonly string[]): Promise<Map<string, WalletRecord>> {
    if (walletIds.length === 0) return new Map();
    const [rows] = await this.pool.query(
      `SELECT ${COLUMNS} FROM accounts
       WHERE id IN (${walletIds.map(() => '?').join(', ')}) AND merchant_id = ? AND kind <> 'system'`,
      [...walletIds, merchantId],
    );
    return new Map(rowsOf(rows).map((row) => [str(row, 'id'), toRecord(row)]));
  }
}
