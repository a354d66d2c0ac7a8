import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { WalletClient, WalletView, WalletWatchEvent } from '../../gateway';
import { actionRejectionOf } from '../../gateway';
import { deriveId } from '../../schemas';
import { eventually } from './gateway.harness';
import type { WalletHarness } from './wallet.harness';
import { grpcError, key, otherMerchant, startWalletHarness } from './wallet.harness';

const personal = (wallets: WalletClient, currency = 'USD'): Promise<WalletView> => wallets.createWallet({ kind: 'PERSONAL', currency, name: 'Main' });

async function count(h: WalletHarness, sql: string, values: unknown[]): Promise<number> {
  const [rows] = await h.db.pool.query(`SELECT COUNT(*) AS n FROM ${sql}`, values);
  return Number((rows as { n: number }[])[0]?.n);
}

describe('WalletService over gRPC (the test plays the ledger)', () => {
  let h: WalletHarness;

  beforeAll(async () => {
    h = await startWalletHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  describe('CreateWallet and GetWallet', () => {
    it('creates personal, enterprise (with a credit limit and a child) and reseller wallets', async () => {
      const main = await personal(h.wallets);
      expect(main).toMatchObject({ kind: 'PERSONAL', currency: 'USD', name: 'Main', parentWalletId: null, creditLimitMinor: 0, childLimitMinor: null });
      expect(main).toMatchObject({ isDefault: false, spendableMinor: 0, poolAvailableMinor: null });
      expect(main.balances).toEqual({ postedMinor: 0, pendingInMinor: 0, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 0 });
      expect(await h.wallets.getWallet(main.walletId)).toEqual(main);

      const corp = await h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'EUR', creditLimitMinor: '500000' });
      expect(corp).toMatchObject({ kind: 'ENTERPRISE', name: null, creditLimitMinor: 500_000, spendableMinor: 500_000, poolAvailableMinor: 500_000 });
      expect(corp.balances.availableMinor).toBe(500_000);
      const team = await h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'EUR', parentWalletId: corp.walletId, childLimitMinor: 20_000 });
      expect(team).toMatchObject({ parentWalletId: corp.walletId, childLimitMinor: 20_000, creditLimitMinor: 0, spendableMinor: 20_000, poolAvailableMinor: 500_000 });

      const reseller = await h.wallets.createWallet({ kind: 'RESELLER', currency: 'GBP' });
      const shop = await h.wallets.createWallet({ kind: 'RESELLER', currency: 'GBP', parentWalletId: reseller.walletId, name: 'Sub-shop' });
      expect(shop).toMatchObject({ kind: 'RESELLER', parentWalletId: reseller.walletId, name: 'Sub-shop', childLimitMinor: null });
    });

    it("reads the merchant's default wallet", async () => {
      expect(await h.wallets.getWallet(h.merchant.walletId)).toMatchObject({ walletId: h.merchant.walletId, kind: 'PERSONAL', isDefault: true, currency: 'USD' });
    });

    it('refuses a parent of another kind, currency or level (INVALID_ARGUMENT), or of another merchant (NOT_FOUND)', async () => {
      const corp = await h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD' });
      const child = await h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD', parentWalletId: corp.walletId });
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => h.wallets.createWallet({ kind: 'RESELLER', currency: 'USD', parentWalletId: corp.walletId }), /^parent_wallet_id: is a ENTERPRISE wallet/],
        [() => h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'EUR', parentWalletId: corp.walletId }), /^currency: /],
        [() => h.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD', parentWalletId: child.walletId }), /^parent_wallet_id: is a child wallet itself/],
        [() => h.wallets.createWallet({ kind: 'PERSONAL', currency: 'USD', creditLimitMinor: 1 }), /^credit_limit_minor: /],
      ];
      for (const [call, message] of cases) {
        const err = await grpcError(call());
        expect(err.code).toBe(status.INVALID_ARGUMENT);
        expect(err.details).toMatch(message);
      }
      const other = await otherMerchant(h);
      const foreign = await grpcError(other.wallets.createWallet({ kind: 'ENTERPRISE', currency: 'USD', parentWalletId: corp.walletId }));
      expect(foreign.code).toBe(status.NOT_FOUND);
    });
  });

  describe('balance actions', () => {
    it('TopUp answers HELD once the ledger decided, and publishes one BalanceActionRequested keyed by wallet', async () => {
      const wallet = await personal(h.wallets);
      const idempotencyKey = key();
      const { action, replayed } = await h.wallets.topUp(
        { idempotencyKey, walletId: wallet.walletId, amountMinor: '2500', externalReference: 'bank-1', currency: 'USD' },
        { timeoutMs: 5_000 },
      );
      expect(replayed).toBe(false);
      expect(action).toMatchObject({
        kind: 'TOP_UP',
        status: 'HELD',
        reasonCode: null,
        amountMinor: 2500,
        currency: 'USD',
        walletId: wallet.walletId,
        counterpartyWalletId: null,
        voidsActionId: null,
        ledgerTransactionId: deriveId(action.actionId, 'ledger-transaction'),
        externalReference: 'bank-1',
        idempotencyKey,
      });
      expect(action.decidedAt).not.toBeNull();
      expect(h.requested(action.actionId)).toEqual([
        {
          actionId: action.actionId,
          merchantId: h.merchant.merchantId,
          kind: 'TOP_UP',
          walletId: wallet.walletId,
          counterpartyWalletId: null,
          amountMinor: 2500,
          currency: 'USD',
          voidsActionId: null,
          externalReference: 'bank-1',
          description: null,
          idempotencyKey,
          requestedAt: action.createdAt,
        },
      ]);
      const message = h.requestMessages.find((m) => m.headers.correlationId === action.actionId);
      expect(message?.key).toBe(wallet.walletId);
      expect(message?.headers.eventId).toBe(deriveId(action.actionId, 'BalanceActionRequested'));
      expect(await h.wallets.getAction(action.actionId)).toEqual(action);
    });

    it('Use answers HELD; beyond the funds it fails FAILED_PRECONDITION with the reason, and the action stays recorded', async () => {
      const wallet = await personal(h.wallets);
      h.ledger.allowance.set(wallet.walletId, 700);
      const ok = await h.wallets.use({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 700, description: 'Pro plan' }, { timeoutMs: 5_000 });
      expect(ok.action).toMatchObject({ kind: 'USAGE', status: 'HELD', amountMinor: 700, description: 'Pro plan', externalReference: null });

      const input = { idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 701, description: 'Pro plan' };
      const err = await grpcError(h.wallets.use(input, { timeoutMs: 5_000 }));
      expect(err.code).toBe(status.FAILED_PRECONDITION);
      expect(err.details).toBe('INSUFFICIENT_FUNDS: available 700 < 701');
      const rejection = actionRejectionOf(err);
      expect(rejection?.reasonCode).toBe('INSUFFICIENT_FUNDS');
      const actionId = rejection?.actionId ?? '';
      expect(await h.wallets.getAction(actionId)).toMatchObject({
        actionId,
        kind: 'USAGE',
        status: 'REJECTED',
        reasonCode: 'INSUFFICIENT_FUNDS',
        reason: 'INSUFFICIENT_FUNDS: available 700 < 701',
        amountMinor: 701,
      });
      // A retry fails the same way, without a second request to the ledger.
      const again = await grpcError(h.wallets.use(input, { timeoutMs: 5_000 }));
      expect(again.code).toBe(status.FAILED_PRECONDITION);
      expect(actionRejectionOf(again)).toEqual({ reasonCode: 'INSUFFICIENT_FUNDS', actionId, message: err.details });
      expect(h.requested(actionId)).toHaveLength(1);
    });

    it('Transfer answers HELD for two wallets of the merchant; refuses itself, other currencies and other merchants', async () => {
      const from = await personal(h.wallets);
      const to = await personal(h.wallets);
      const { action } = await h.wallets.transfer(
        { idempotencyKey: key(), fromWalletId: from.walletId, toWalletId: to.walletId, amountMinor: 300, description: 'rebalance' },
        { timeoutMs: 5_000 },
      );
      expect(action).toMatchObject({ kind: 'TRANSFER', status: 'HELD', walletId: from.walletId, counterpartyWalletId: to.walletId, amountMinor: 300 });
      expect(h.requestMessages.find((m) => m.headers.correlationId === action.actionId)?.key).toBe(from.walletId);

      const self = await grpcError(h.wallets.transfer({ idempotencyKey: key(), fromWalletId: from.walletId, toWalletId: from.walletId, amountMinor: 1 }));
      expect(self.code).toBe(status.INVALID_ARGUMENT);
      expect(self.details).toMatch(/^to_wallet_id: must differ from from_wallet_id/);
      const euros = await personal(h.wallets, 'EUR');
      const mixed = await grpcError(h.wallets.transfer({ idempotencyKey: key(), fromWalletId: from.walletId, toWalletId: euros.walletId, amountMinor: 1 }));
      expect(mixed.code).toBe(status.INVALID_ARGUMENT);
      expect(mixed.details).toMatch(/^to_wallet_id: holds EUR, but from_wallet_id holds USD/);
      const wrongCurrency = await grpcError(
        h.wallets.transfer({ idempotencyKey: key(), fromWalletId: from.walletId, toWalletId: to.walletId, amountMinor: 1, currency: 'EUR' }),
      );
      expect(wrongCurrency.details).toMatch(/^currency: is EUR, but wallet .* holds USD/);
      const other = await otherMerchant(h);
      const theirs = await personal(other.wallets);
      for (const [fromId, toId] of [
        [from.walletId, theirs.walletId],
        [theirs.walletId, to.walletId],
      ] as const) {
        const err = await grpcError(h.wallets.transfer({ idempotencyKey: key(), fromWalletId: fromId, toWalletId: toId, amountMinor: 1 }));
        expect(err.code).toBe(status.NOT_FOUND);
        expect(err.details).toBe(`wallet ${theirs.walletId} not found`);
      }
    });

    it('Void answers POSTED for a held action (now VOIDED); a second void under another key is ALREADY_VOIDED', async () => {
      const wallet = await personal(h.wallets);
      const { action: topUp } = await h.wallets.topUp({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 900, externalReference: 'r' });
      const { action } = await h.wallets.voidAction({ idempotencyKey: key(), actionId: topUp.actionId }, { timeoutMs: 5_000 });
      expect(action).toMatchObject({ kind: 'VOID', status: 'POSTED', voidsActionId: topUp.actionId, walletId: wallet.walletId, amountMinor: null, currency: 'USD' });
      expect(h.requested(action.actionId)[0]).toMatchObject({ kind: 'VOID', walletId: wallet.walletId, voidsActionId: topUp.actionId, amountMinor: null });
      expect(await h.wallets.getAction(topUp.actionId)).toMatchObject({ status: 'VOIDED', voidedByActionId: action.actionId });

      const second = await grpcError(h.wallets.voidAction({ idempotencyKey: key(), actionId: topUp.actionId }));
      expect(second.code).toBe(status.FAILED_PRECONDITION);
      expect(actionRejectionOf(second)).toMatchObject({ reasonCode: 'ALREADY_VOIDED', actionId: null });
      expect(second.details).toContain(`already has a void, action ${action.actionId}`);
      expect(await count(h, 'wallet_actions WHERE voids_action_id = ?', [topUp.actionId])).toBe(1);
    });

    it("Void of an unknown action or of another merchant's is NOT_FOUND", async () => {
      const other = await otherMerchant(h);
      const theirs = await personal(other.wallets);
      const { action } = await other.wallets.topUp({ idempotencyKey: key(), walletId: theirs.walletId, amountMinor: 5, externalReference: 'r' });
      for (const actionId of [action.actionId, randomUUID()]) {
        const err = await grpcError(h.wallets.voidAction({ idempotencyKey: key(), actionId }));
        expect(err.code).toBe(status.NOT_FOUND);
        expect(err.details).toBe(`action ${actionId} not found`);
      }
      expect(await h.wallets.getAction(action.actionId).catch((e: { code: number }) => e.code)).toBe(status.NOT_FOUND);
    });

    it('a retry with the same key returns the same action, requested from the ledger once', async () => {
      const wallet = await personal(h.wallets);
      const input = { idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 42, externalReference: 'bank-7' };
      const results = await Promise.all([1, 2, 3].map(() => h.wallets.topUp(input, { timeoutMs: 5_000 })));
      const again = await h.wallets.topUp({ ...input, currency: 'USD' }, { timeoutMs: 5_000 });
      const ids = new Set([...results, again].map((r) => r.action.actionId));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(again).toMatchObject({ replayed: true, action: { status: 'HELD' } });
      const [actionId = ''] = [...ids];
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(h.requested(actionId)).toHaveLength(1);
      expect(await count(h, 'wallet_actions WHERE idempotency_key = ?', [input.idempotencyKey])).toBe(1);
    });

    it('ALREADY_EXISTS for the same key with a changed request, of the same kind or another', async () => {
      const wallet = await personal(h.wallets);
      const input = { idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 42, externalReference: 'bank-7' };
      await h.wallets.topUp(input);
      const changed = await grpcError(h.wallets.topUp({ ...input, amountMinor: 43 }));
      expect(changed.code).toBe(status.ALREADY_EXISTS);
      expect(changed.details).toContain(`idempotency key "${input.idempotencyKey}" was already used for a different request`);
      const otherKind = await grpcError(h.wallets.use({ idempotencyKey: input.idempotencyKey, walletId: wallet.walletId, amountMinor: 42, description: 'x' }));
      expect(otherKind.code).toBe(status.ALREADY_EXISTS);
    });

    it('answers PENDING shortly before a near deadline when the ledger has not decided; GetAction tells it later', async () => {
      const wallet = await personal(h.wallets);
      h.ledger.answering = false;
      try {
        const started = Date.now();
        // A deadline 1 s away: the gateway keeps back 10 % (at least 50 ms) to answer in.
        const { action } = await h.wallets.topUp({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 10, externalReference: 'r' }, { timeoutMs: 1_000 });
        const elapsed = Date.now() - started;
        expect(action).toMatchObject({ status: 'PENDING', decidedAt: null, ledgerTransactionId: null });
        expect(elapsed).toBeGreaterThanOrEqual(850);
        expect(elapsed).toBeLessThan(1_000);
        await eventually(() => h.requested(action.actionId).length === 1);
        expect(await h.wallets.getAction(action.actionId)).toMatchObject({ status: 'PENDING' });
      } finally {
        h.ledger.answering = true;
      }
    });

    it('refuses bad fields with INVALID_ARGUMENT naming the field, recording nothing', async () => {
      const wallet = await personal(h.wallets);
      const w = wallet.walletId;
      const cases: [() => Promise<unknown>, string][] = [
        [() => h.wallets.topUp({ idempotencyKey: 'v-1', walletId: w, amountMinor: 0, externalReference: 'r' }), 'amount_minor'],
        [() => h.wallets.topUp({ idempotencyKey: 'v-2', walletId: w, amountMinor: '9007199254740992', externalReference: 'r' }), 'amount_minor'],
        [() => h.wallets.topUp({ idempotencyKey: 'v-3', walletId: 'nope', amountMinor: 1, externalReference: 'r' }), 'wallet_id'],
        [() => h.wallets.topUp({ idempotencyKey: 'v-4', walletId: w, amountMinor: 1, externalReference: '' }), 'external_reference'],
        [() => h.wallets.topUp({ idempotencyKey: 'v-5', walletId: w, amountMinor: 1, externalReference: 'r', currency: 'EUR' }), 'currency'],
        [() => h.wallets.topUp({ idempotencyKey: '', walletId: w, amountMinor: 1, externalReference: 'r' }), 'idempotency_key'],
        [() => h.wallets.use({ idempotencyKey: 'v-6', walletId: w, amountMinor: -3, description: 'd' }), 'amount_minor'],
        [() => h.wallets.use({ idempotencyKey: 'v-7', walletId: w, amountMinor: 3, description: 'd'.repeat(501) }), 'description'],
        [() => h.wallets.transfer({ idempotencyKey: 'v-8', fromWalletId: w, toWalletId: '', amountMinor: 3 }), 'to_wallet_id'],
        [() => h.wallets.voidAction({ idempotencyKey: 'v-9', actionId: 'x' }), 'action_id'],
        [() => h.wallets.getWallet('x'), 'wallet_id'],
        [() => h.wallets.getAction(''), 'action_id'],
        [() => h.wallets.listTransactions(w, { pageSize: 101 }), 'page_size'],
        [() => h.wallets.listTransactions(w, { pageToken: 'bm90IGEgdG9rZW4' }), 'page_token'],
        [() => h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: '9007199254740992', direction: 'BELOW' }), 'threshold_minor'],
        [() => h.wallets.deleteBalanceThreshold('t'), 'threshold_id'],
        [() => h.wallets.createWallet({ kind: 'PERSONAL', currency: 'usd' }), 'currency'],
      ];
      for (const [call, field] of cases) {
        const err = await grpcError(call());
        expect(err.code).toBe(status.INVALID_ARGUMENT);
        expect(err.details.startsWith(`${field}: `)).toBe(true);
      }
      expect(await count(h, "wallet_actions WHERE idempotency_key LIKE 'v-%'", [])).toBe(0);
    });
  });

  describe('authentication and ownership', () => {
    it('UNAUTHENTICATED for every call without a key or with an unknown one', async () => {
      const w = h.merchant.walletId;
      for (const apiKey of [null, `psk_${randomUUID()}`]) {
        const client = h.newWalletClient(apiKey);
        const calls: (() => Promise<unknown>)[] = [
          () => client.createWallet({ kind: 'PERSONAL', currency: 'USD' }),
          () => client.getWallet(w),
          () => client.topUp({ idempotencyKey: key(), walletId: w, amountMinor: 1, externalReference: 'r' }),
          () => client.use({ idempotencyKey: key(), walletId: w, amountMinor: 1, description: 'd' }),
          () => client.transfer({ idempotencyKey: key(), fromWalletId: w, toWalletId: randomUUID(), amountMinor: 1 }),
          () => client.voidAction({ idempotencyKey: key(), actionId: randomUUID() }),
          () => client.getAction(randomUUID()),
          () => client.listTransactions(w),
          async () => {
            for await (const event of client.watchWallet(w)) return event;
            return undefined;
          },
          () => client.setBalanceThreshold({ walletId: w, thresholdMinor: 0, direction: 'BELOW' }),
          () => client.listBalanceThresholds(w),
          () => client.deleteBalanceThreshold(randomUUID()),
        ];
        for (const call of calls) expect((await grpcError(call())).code).toBe(status.UNAUTHENTICATED);
      }
    });

    it("NOT_FOUND for another merchant's wallet in every call, as for an unknown one", async () => {
      const other = await otherMerchant(h);
      const theirs = (await personal(other.wallets)).walletId;
      for (const w of [theirs, randomUUID()]) {
        const calls: (() => Promise<unknown>)[] = [
          () => h.wallets.getWallet(w),
          () => h.wallets.topUp({ idempotencyKey: key(), walletId: w, amountMinor: 1, externalReference: 'r' }),
          () => h.wallets.use({ idempotencyKey: key(), walletId: w, amountMinor: 1, description: 'd' }),
          () => h.wallets.listTransactions(w),
          async () => {
            for await (const event of h.wallets.watchWallet(w)) return event;
            return undefined;
          },
          () => h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: 0, direction: 'BELOW' }),
          () => h.wallets.listBalanceThresholds(w),
        ];
        for (const call of calls) {
          const err = await grpcError(call());
          expect(err.code).toBe(status.NOT_FOUND);
          expect(err.details).toBe(`wallet ${w} not found`);
        }
      }
      const { threshold } = await other.wallets.setBalanceThreshold({ walletId: theirs, thresholdMinor: 100, direction: 'BELOW' });
      expect((await grpcError(h.wallets.deleteBalanceThreshold(threshold.thresholdId))).code).toBe(status.NOT_FOUND);
      expect(await other.wallets.listBalanceThresholds(theirs)).toHaveLength(1);
    });
  });

  describe('WatchWallet', () => {
    it('streams a snapshot, then each change of the wallet as it happens, until the client cancels', async () => {
      const wallet = await personal(h.wallets);
      const other = await personal(h.wallets);
      const seen: WalletWatchEvent[] = [];
      let stop = false;
      const watching = (async () => {
        for await (const event of h.wallets.watchWallet(wallet.walletId)) {
          seen.push(event);
          if (stop) break;
        }
      })();
      await eventually(() => seen.length === 1);
      expect(seen[0]).toEqual({ type: 'snapshot', wallet });

      const topUp = await h.wallets.topUp({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 1000, externalReference: 'r' });
      await h.wallets.topUp({ idempotencyKey: key(), walletId: other.walletId, amountMinor: 1, externalReference: 'r' });
      const usage = await h.wallets.use({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 400, description: 'd' });
      const transfer = await h.wallets.transfer({ idempotencyKey: key(), fromWalletId: other.walletId, toWalletId: wallet.walletId, amountMinor: 1 });
      await eventually(() => seen.length === 4);
      const updates = seen.slice(1).map((e) => (e.type === 'update' ? e.update : undefined));
      expect(updates.map((u) => [u?.actionId, u?.cause, u?.status, u?.amountMinor, u?.balances.shadowMinor])).toEqual([
        [topUp.action.actionId, 'TOP_UP', 'HELD', 1000, 1000],
        [usage.action.actionId, 'USAGE', 'HELD', -400, 600],
        [transfer.action.actionId, 'TRANSFER_IN', 'HELD', 1, 601],
      ]);
      expect(updates[0]).toMatchObject({ walletId: wallet.walletId, currency: 'USD', lines: [{ account: wallet.walletId, amountMinor: 1000 }], reason: null });

      stop = true;
      await h.wallets.topUp({ idempotencyKey: key(), walletId: wallet.walletId, amountMinor: 5, externalReference: 'r' });
      await watching;
      expect(seen).toHaveLength(5);
    });
  });

  describe('balance thresholds', () => {
    it('sets (idempotently), lists lowest first, and deletes', async () => {
      const wallet = await personal(h.wallets);
      const w = wallet.walletId;
      const low = await h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: 1000, direction: 'BELOW' });
      expect(low).toMatchObject({ created: true, threshold: { walletId: w, thresholdMinor: 1000, direction: 'BELOW' } });
      const same = await h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: '1000', direction: 'BELOW' });
      expect(same).toEqual({ created: false, threshold: low.threshold });
      const high = await h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: 1000, direction: 'ABOVE' });
      const credit = await h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: -50_000, direction: 'BELOW' });
      expect(high.created && credit.created).toBe(true);
      expect((await h.wallets.listBalanceThresholds(w)).map((t) => t.thresholdId)).toEqual([
        credit.threshold.thresholdId,
        low.threshold.thresholdId,
        high.threshold.thresholdId,
      ]);
      const [rows] = await h.db.pool.query('SELECT merchant_id, last_state FROM balance_thresholds WHERE id = ?', [low.threshold.thresholdId]);
      expect(rows).toEqual([{ merchant_id: h.merchant.merchantId, last_state: null }]);

      await h.wallets.deleteBalanceThreshold(low.threshold.thresholdId);
      expect((await h.wallets.listBalanceThresholds(w)).map((t) => t.thresholdId)).toEqual([credit.threshold.thresholdId, high.threshold.thresholdId]);
      const again = await grpcError(h.wallets.deleteBalanceThreshold(low.threshold.thresholdId));
      expect(again.code).toBe(status.NOT_FOUND);
      const direction = await grpcError(h.wallets.setBalanceThreshold({ walletId: w, thresholdMinor: 1, direction: 'SIDEWAYS' as 'BELOW' }));
      expect(direction.code).toBe(status.INVALID_ARGUMENT);
      expect(direction.details).toMatch(/^direction: /);
    });

    it('RESOURCE_EXHAUSTED past 50 thresholds on one wallet', async () => {
      const wallet = await personal(h.wallets);
      for (let i = 0; i < 50; i += 1) await h.wallets.setBalanceThreshold({ walletId: wallet.walletId, thresholdMinor: i * 100, direction: 'ABOVE' });
      const err = await grpcError(h.wallets.setBalanceThreshold({ walletId: wallet.walletId, thresholdMinor: 99_999, direction: 'ABOVE' }));
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      // An existing one is still answered.
      expect((await h.wallets.setBalanceThreshold({ walletId: wallet.walletId, thresholdMinor: 4900, direction: 'ABOVE' })).created).toBe(false);
    });
  });
});
