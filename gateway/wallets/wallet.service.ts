import { NotFoundError, ValidationError } from '../gateway.errors';
import { decodePageToken, encodePageToken } from '../paging/page-token';
import type { WalletStore } from './wallet.store';
import type { TransactionView, WalletLedger, WalletRecord, WalletRequest, WalletView } from './types';

export const MAX_TRANSACTIONS_PAGE_SIZE = 100;
export const DEFAULT_TRANSACTIONS_PAGE_SIZE = 50;

export interface TransactionsPage {
  transactions: TransactionView[];
  nextPageToken: string;
}

/** CreateWallet, GetWallet and ListTransactions, transport-free: the gRPC handlers adapt these. */
export class WalletService {
  constructor(
    private readonly wallets: Pick<WalletStore, 'findWallets'>,
    private readonly ledger: WalletLedger,
  ) {}

  /** Creates a wallet of the merchant, after checking its parent (the merchant's, same kind and currency, top-level). */
  async create(merchantId: string, request: WalletRequest): Promise<WalletView> {
    if (request.parentWalletId !== null) {
      const parent = await this.record(merchantId, request.parentWalletId);
      if (parent.kind !== request.kind) {
        throw new ValidationError('parent_wallet_id', `is a ${parent.kind} wallet: a ${request.kind} wallet's parent must be ${request.kind}`);
      }
      if (parent.parentWalletId !== null) throw new ValidationError('parent_wallet_id', 'is a child wallet itself: only a top-level wallet has children');
      if (parent.currency !== request.currency) {
        throw new ValidationError('currency', `is ${request.currency}, but the parent wallet holds ${parent.currency}: a child holds its parent's currency`);
      }
    }
    const walletId = await this.ledger.create(merchantId, request);
    return this.get(merchantId, walletId);
  }

  /** The merchant's wallet with its balances; a {@link NotFoundError} for an unknown id or another merchant's wallet. */
  async get(merchantId: string, walletId: string): Promise<WalletView> {
    const record = await this.record(merchantId, walletId);
    return { ...record, ...(await this.ledger.figures(walletId)) };
  }

  /** Checks the wallet is the merchant's (NOT_FOUND otherwise). */
  async record(merchantId: string, walletId: string): Promise<WalletRecord> {
    const wallet = (await this.wallets.findWallets(merchantId, [walletId])).get(walletId);
    if (wallet === undefined) throw new NotFoundError(`wallet ${walletId} not found`);
    return wallet;
  }

  /** A page of the wallet's transactions, newest first; the page token is bound to the wallet. */
  async listTransactions(merchantId: string, walletId: string, pageSize: number, pageToken: string): Promise<TransactionsPage> {
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_TRANSACTIONS_PAGE_SIZE) {
      throw new ValidationError('page_size', `must be between 0 and ${MAX_TRANSACTIONS_PAGE_SIZE} (0 means ${DEFAULT_TRANSACTIONS_PAGE_SIZE})`);
    }
    const size = pageSize === 0 ? DEFAULT_TRANSACTIONS_PAGE_SIZE : pageSize;
    const before = pageToken === '' ? null : decodePageToken(pageToken, walletId, 'wallet');
    await this.record(merchantId, walletId);
    const rows = await this.ledger.transactions(walletId, size + 1, before);
    const transactions = rows.slice(0, size);
    const last = transactions[transactions.length - 1];
    const nextPageToken =
      rows.length > size && last !== undefined ? encodePageToken({ createdAt: last.createdAt, id: last.ledgerTransactionId }, walletId) : '';
    return { transactions, nextPageToken };
  }
}
