import { createWallet, getWalletBalances, isWalletError, listWalletTransactions } from '../../processors/ledger';
import type { Pool } from '../../storage/mysql';
import { NotFoundError, ValidationError } from '../gateway.errors';
import type { WalletLedger } from './types';

/** The ledger's field names, as the proto names them. */
const PROTO_FIELDS: Readonly<Record<string, string>> = {
  kind: 'kind',
  currency: 'currency',
  name: 'name',
  creditLimitMinor: 'credit_limit_minor',
  parentWalletId: 'parent_wallet_id',
  childLimitMinor: 'child_limit_minor',
  pageSize: 'page_size',
  beforeCreatedAt: 'page_token',
  beforeId: 'page_token',
};

/**
 * The ledger's wallet errors as gateway errors. The wallet service checks the same rules first
 * (so these are the ledger's last word on a race, e.g. a parent changed meanwhile); anything else
 * stays as it is (INTERNAL).
 */
function translate(err: unknown): unknown {
  if (!isWalletError(err)) return err;
  switch (err.code) {
    case 'WALLET_INVALID':
    case 'PARENT_INVALID': {
      const field = err.field === null ? 'request' : (PROTO_FIELDS[err.field] ?? err.field);
      return new ValidationError(err.code === 'PARENT_INVALID' ? 'parent_wallet_id' : field, err.message);
    }
    case 'PARENT_NOT_FOUND':
    case 'WALLET_NOT_FOUND':
    case 'MERCHANT_NOT_FOUND':
      return new NotFoundError(err.message);
    default:
      return err;
  }
}

async function translated<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw translate(err);
  }
}

/** The {@link WalletLedger} of the ledger module's wallet functions, over the gateway's pool. */
export function createWalletLedger(pool: Pool): WalletLedger {
  return {
    create: async (merchantId, request) => {
      const created = await translated(
        createWallet(pool, {
          merchantId,
          kind: request.kind,
          currency: request.currency,
          name: request.name,
          creditLimitMinor: request.creditLimitMinor,
          parentWalletId: request.parentWalletId,
          childLimitMinor: request.childLimitMinor,
        }),
      );
      return created.walletId;
    },
    figures: async (walletId) => {
      const view = await translated(getWalletBalances(pool, walletId));
      return {
        balances: {
          postedMinor: view.postedMinor,
          pendingInMinor: view.pendingInMinor,
          pendingOutMinor: view.pendingOutMinor,
          availableMinor: view.availableMinor,
          shadowMinor: view.shadowMinor,
        },
        spendableMinor: view.spendableMinor,
        poolAvailableMinor: view.poolAvailableMinor ?? null,
      };
    },
    transactions: async (walletId, limit, before) => {
      const rows = await translated(
        listWalletTransactions(pool, walletId, before === null ? { pageSize: limit } : { pageSize: limit, beforeCreatedAt: before.createdAt, beforeId: before.id }),
      );
      return rows.map((row) => ({
        ledgerTransactionId: row.ledgerTransactionId,
        kind: row.kind,
        status: row.status,
        amountMinor: row.amountMinor,
        currency: row.currency,
        actionId: row.actionId,
        orderId: row.orderId,
        memo: row.memo,
        createdAt: row.createdAt,
        settledAt: row.settledAt,
        reversesTransactionId: row.reversesTransactionId,
      }));
    },
  };
}
