import { LimitExceededError, NotFoundError } from '../gateway.errors';
import type { ThresholdStore } from './threshold.store';
import type { ThresholdView } from './types';
import type { ThresholdRequest } from './wallet.validation';
import { WALLET_LIMITS } from './wallet.validation';
import type { WalletStore } from './wallet.store';

/** SetBalanceThreshold, ListBalanceThresholds and DeleteBalanceThreshold, transport-free. */
export class ThresholdService {
  constructor(
    private readonly thresholds: ThresholdStore,
    private readonly wallets: Pick<WalletStore, 'findWallets'>,
  ) {}

  /** Sets a threshold on the merchant's wallet (idempotent: the same one again is answered as it is). */
  async set(merchantId: string, request: ThresholdRequest): Promise<{ threshold: ThresholdView; created: boolean }> {
    await this.requireWallet(merchantId, request.walletId);
    const max = WALLET_LIMITS.maxThresholdsPerWallet;
    const stored = await this.thresholds.insert({ ...request, merchantId }, max);
    if (stored === undefined) throw new LimitExceededError(`wallet ${request.walletId} has ${max} balance thresholds already, the most a wallet may have`);
    return stored;
  }

  async list(merchantId: string, walletId: string): Promise<ThresholdView[]> {
    await this.requireWallet(merchantId, walletId);
    return this.thresholds.list(merchantId, walletId);
  }

  async delete(merchantId: string, thresholdId: string): Promise<void> {
    if (!(await this.thresholds.delete(merchantId, thresholdId))) throw new NotFoundError(`balance threshold ${thresholdId} not found`);
  }

  private async requireWallet(merchantId: string, walletId: string): Promise<void> {
    const wallets = await this.wallets.findWallets(merchantId, [walletId]);
    if (!wallets.has(walletId)) throw new NotFoundError(`wallet ${walletId} not found`);
  }
}
