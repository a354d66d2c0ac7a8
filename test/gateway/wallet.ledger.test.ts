import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ActionView, WalletUpdateView } from '../../gateway';
import { actionRejectionOf } from '../../gateway';
import { createLedgerProcessor } from '../../processors/ledger';
import { createOutputPublisher, runProcessor } from '../../processors/runtime';
import type { ErpConfirmation } from '../../schemas';
import { deriveId, toMessage, TOPICS } from '../../schemas';
import { codec, eventually, silentLogger } from './gateway.harness';
import type { WalletHarness } from './wallet.harness';
import { grpcError, key, startWalletHarness } from './wallet.harness';

/** The gateway with the real ledger processor behind it, on the memory transport and a fresh database. */
describe('WalletService with the real ledger', () => {
  let h: WalletHarness;

  beforeAll(async () => {
    h = await startWalletHarness({ fakeLedger: false });
    await runProcessor(createLedgerProcessor({ pool: h.db.pool, publish: createOutputPublisher(h.memory), codec, logger: silentLogger, options: { feeBps: 250 } }), {
      transport: h.memory,
      codec,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The ERP confirms an action's ledger transaction, as erp-sync would publish it. */
  async function confirm(action: ActionView): Promise<void> {
    const event: ErpConfirmation = {
      ledgerTransactionId: action.ledgerTransactionId ?? '',
      walletId: action.walletId,
      erpRecordId: `erp-${action.actionId}`,
      outcome: 'CONFIRMED',
      reason: null,
      source: 'WEBHOOK',
      confirmedAt: Date.now(),
    };
    const eventId = randomUUID();
    await h.memory.publish(TOPICS.erpConfirmations, [
      toMessage(codec, { type: 'ErpConfirmation', event, eventId, key: action.walletId, correlationId: action.actionId, causationId: eventId }),
    ]);
  }

  it('holds, rejects, settles, transfers, voids and lists, as the ledger decides', async () => {
    const w1 = (await h.wallets.createWallet({ kind: 'PERSONAL', currency: 'USD', name: 'Ops' })).walletId;
    const w2 = (await h.wallets.createWallet({ kind: 'PERSONAL', currency: 'USD' })).walletId;
    const updates: WalletUpdateView[] = [];
    let snapshots = 0;
    const watching = (async () => {
      for await (const event of h.wallets.watchWallet(w1)) {
        if (event.type === 'snapshot') snapshots += 1;
        else updates.push(event.update);
      }
    })().catch(() => undefined);
    await eventually(() => snapshots === 1);

    // A top-up is held: visible in the shadow balance, not spendable.
    const { action: topUp } = await h.wallets.topUp({ idempotencyKey: key(), walletId: w1, amountMinor: 10_000, externalReference: 'wire-1' }, { timeoutMs: 5_000 });
    expect(topUp).toMatchObject({ status: 'HELD', ledgerTransactionId: deriveId(topUp.actionId, 'ledger-transaction') });
    expect((await h.wallets.getWallet(w1)).balances).toEqual({ postedMinor: 0, pendingInMinor: 10_000, pendingOutMinor: 0, availableMinor: 0, shadowMinor: 10_000 });

    // Unconfirmed credits are not spendable: FAILED_PRECONDITION, the action recorded as REJECTED.
    const short = await grpcError(h.wallets.use({ idempotencyKey: key(), walletId: w1, amountMinor: 500, description: 'API calls' }, { timeoutMs: 5_000 }));
    expect(short.code).toBe(status.FAILED_PRECONDITION);
    expect(short.details).toMatch(/^INSUFFICIENT_FUNDS: /);
    const rejection = actionRejectionOf(short);
    expect(rejection?.reasonCode).toBe('INSUFFICIENT_FUNDS');
    expect(await h.wallets.getAction(rejection?.actionId ?? '')).toMatchObject({ kind: 'USAGE', status: 'REJECTED', reasonCode: 'INSUFFICIENT_FUNDS' });

    // The ERP confirms the top-up: posted, spendable.
    await confirm(topUp);
    await eventually(async () => (await h.wallets.getAction(topUp.actionId)).status === 'POSTED');
    expect(await h.wallets.getWallet(w1)).toMatchObject({
      balances: { postedMinor: 10_000, pendingInMinor: 0, pendingOutMinor: 0, availableMinor: 10_000, shadowMinor: 10_000 },
      spendableMinor: 10_000,
    });

    const { action: usage } = await h.wallets.use({ idempotencyKey: key(), walletId: w1, amountMinor: 2_500, description: 'API calls' }, { timeoutMs: 5_000 });
    expect(usage.status).toBe('HELD');
    const { action: transfer } = await h.wallets.transfer({ idempotencyKey: key(), fromWalletId: w1, toWalletId: w2, amountMinor: 1_000 }, { timeoutMs: 5_000 });
    expect(transfer).toMatchObject({ status: 'HELD', counterpartyWalletId: w2 });
    expect((await h.wallets.getWallet(w2)).balances).toMatchObject({ pendingInMinor: 1_000, availableMinor: 0, shadowMinor: 1_000 });

    // Voiding the held usage releases its hold at once.
    const { action: voided } = await h.wallets.voidAction({ idempotencyKey: key(), actionId: usage.actionId }, { timeoutMs: 5_000 });
    expect(voided).toMatchObject({ kind: 'VOID', status: 'POSTED', voidsActionId: usage.actionId, walletId: w1 });
    expect(await h.wallets.getAction(usage.actionId)).toMatchObject({ status: 'VOIDED', voidedByActionId: voided.actionId });
    expect((await h.wallets.getWallet(w1)).balances).toEqual({ postedMinor: 10_000, pendingInMinor: 0, pendingOutMinor: 1_000, availableMinor: 9_000, shadowMinor: 9_000 });
    const voidOfVoid = await grpcError(h.wallets.voidAction({ idempotencyKey: key(), actionId: voided.actionId }, { timeoutMs: 5_000 }));
    expect(actionRejectionOf(voidOfVoid)?.reasonCode).toBe('CANNOT_VOID_A_VOID');
    // Voiding the posted top-up would debit 10 000 from an available 9 000: refused, recorded.
    const unaffordable = await grpcError(h.wallets.voidAction({ idempotencyKey: key(), actionId: topUp.actionId }, { timeoutMs: 5_000 }));
    expect(unaffordable.code).toBe(status.FAILED_PRECONDITION);
    expect(actionRejectionOf(unaffordable)?.reasonCode).toBe('INSUFFICIENT_FUNDS');
    expect(await h.wallets.getAction(topUp.actionId)).toMatchObject({ status: 'POSTED', voidedByActionId: null });

    // The wallet's transactions, newest first, two to a page (the rejected usage made none).
    const first = await h.wallets.listTransactions(w1, { pageSize: 2 });
    const second = await h.wallets.listTransactions(w1, { pageSize: 2, pageToken: first.nextPageToken });
    expect(second.nextPageToken).toBe('');
    expect([...first.transactions, ...second.transactions].map((t) => [t.kind, t.status, t.amountMinor, t.actionId])).toEqual([
      ['TRANSFER', 'HELD', -1_000, transfer.actionId],
      ['USAGE', 'VOIDED', -2_500, usage.actionId],
      ['TOP_UP', 'POSTED', 10_000, topUp.actionId],
    ]);
    const foreignToken = await grpcError(h.wallets.listTransactions(w2, { pageSize: 2, pageToken: first.nextPageToken }));
    expect(foreignToken.details).toBe('page_token: was issued for another wallet');

    // WatchWallet saw each change of w1 as the ledger made it.
    await eventually(() => updates.length >= 8);
    expect(updates.map((u) => [u.cause, u.status, u.actionId])).toEqual([
      ['TOP_UP', 'HELD', topUp.actionId],
      ['USAGE', 'REJECTED', rejection?.actionId],
      ['TOP_UP', 'POSTED', topUp.actionId],
      ['USAGE', 'HELD', usage.actionId],
      ['TRANSFER_OUT', 'HELD', transfer.actionId],
      ['VOID', 'VOIDED', voided.actionId],
      ['VOID', 'REJECTED', actionRejectionOf(voidOfVoid)?.actionId],
      ['VOID', 'REJECTED', actionRejectionOf(unaffordable)?.actionId],
    ]);
    expect(updates[5]?.balances.availableMinor).toBe(9_000);
    // Stopping the gateway ends the watch.
    await h.gateway.stop();
    await watching;
  });
});
