/**
 * The wallet scenario: balance actions over WalletService, through the ERP simulator where the build
 * runs erp-sync and erp-simulator. Each of the first `--wallet-pairs` merchants gets two wallets, A
 * (ENTERPRISE with a credit limit, so usage is spendable before any ERP confirmation) and B
 * (PERSONAL); the load generator cycles top-up A, use A, transfer A → B, top-up B. The verifier
 * checks each action's decision, its ledger transaction and the wallets' shadow balances (held or
 * posted alike); the drain waits for the ERP to confirm every hold.
 */
import { ROLES } from '../../app';
import { createWalletClient } from '../../gateway';
import type { WalletPairSpec } from './load-generator.client';

/** What the scenario covers in this build. */
export function walletScenarioNote(roles: readonly string[] = ROLES): string {
  return roles.includes('erp-sync') && roles.includes('erp-simulator')
    ? 'TopUp, Use and Transfer over WalletService, each hold sent by erp-sync to the ERP simulator and confirmed by its webhook'
    : 'TopUp, Use and Transfer over WalletService; this build runs no erp-sync/ERP simulator, so holds stay HELD';
}

/** A credit limit large enough that the scenario's usage never runs out (10 million USD). */
const CREDIT_LIMIT_MINOR = 1_000_000_000;

/** Creates an enterprise and a personal USD wallet for each merchant, `concurrency` merchants at a time. */
export async function createWalletPairs(address: string, apiKeys: readonly string[], pairs: number, timeoutMs: number, concurrency = 8): Promise<WalletPairSpec[]> {
  const created: WalletPairSpec[] = new Array<WalletPairSpec>(Math.min(pairs, apiKeys.length));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < created.length) {
      const merchant = next;
      next += 1;
      const key = apiKeys[merchant];
      if (key === undefined) continue;
      const client = createWalletClient(address, key);
      try {
        const a = await client.createWallet({ kind: 'ENTERPRISE', currency: 'USD', name: 'Bench A', creditLimitMinor: CREDIT_LIMIT_MINOR }, { timeoutMs });
        const b = await client.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'Bench B' }, { timeoutMs });
        created[merchant] = { merchant, a: a.walletId, b: b.walletId };
      } finally {
        client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, created.length) }, () => worker()));
  return created;
}
