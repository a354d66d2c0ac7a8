import { newId, type WalletUpdated } from '../../schemas';
import type { EventFeed } from '../feeds/event.feed';
import { submitWaitMs } from '../feeds/wait-budget';
import { ActionRejectedError, NotFoundError, ValidationError } from '../gateway.errors';
import type { IdempotentSubmitter, SubmitOutcome } from '../submissions/idempotent.submitter';
import { SubmissionNotRecordedError } from '../submissions/idempotent.submitter';
import { requestHash } from '../submissions/request-hash';
import { canonicalAction } from './wallet-action.request';
import type { NewWalletAction, StoredWalletAction, WalletActionStore } from './wallet-action.store';
import type { WalletStore } from './wallet.store';
import type { ActionRequest, ActionResult, ActionView, ResolvedAction, WalletRecord } from './types';

export interface WalletActionServiceDeps {
  actions: WalletActionStore;
  wallets: Pick<WalletStore, 'findWallets'>;
  submitter: IdempotentSubmitter<NewWalletAction, StoredWalletAction>;
  /** `wallet.updates`, by action id. */
  feed: EventFeed<WalletUpdated>;
  /** Longest an action call waits for the ledger's decision (also when the client set no deadline). */
  maxWaitMs: number;
  now?: () => number;
}

/** An action as answered: the stored row without the gateway's bookkeeping columns. */
export function actionView(row: StoredWalletAction): ActionView {
  return {
    actionId: row.actionId,
    idempotencyKey: row.idempotencyKey,
    kind: row.kind,
    status: row.status,
    reasonCode: row.reasonCode,
    reason: row.reason,
    amountMinor: row.amountMinor,
    currency: row.currency,
    walletId: row.walletId,
    counterpartyWalletId: row.counterpartyWalletId,
    voidsActionId: row.voidsActionId,
    voidedByActionId: row.voidedByActionId,
    ledgerTransactionId: row.ledgerTransactionId,
    externalReference: row.externalReference,
    description: row.description,
    createdAt: row.createdAt,
    decidedAt: row.decidedAt,
    settledAt: row.settledAt,
  };
}

/** The merchant's wallet `walletId`, or NOT_FOUND (another merchant's wallet included). */
function ownWallet(wallets: ReadonlyMap<string, WalletRecord>, walletId: string): WalletRecord {
  const wallet = wallets.get(walletId);
  if (wallet === undefined) throw new NotFoundError(`wallet ${walletId} not found`);
  return wallet;
}

/** The action's currency: the wallet's, which the client's own currency (when given) must be. */
function currencyOf(wallet: WalletRecord, expected: string | null): string {
  if (expected !== null && expected !== wallet.currency) {
    throw new ValidationError('currency', `is ${expected}, but wallet ${wallet.walletId} holds ${wallet.currency}`);
  }
  return wallet.currency;
}

/**
 * TopUp, Use, Transfer, Void and GetAction, transport-free: the gRPC handlers adapt these. The
 * gateway checks what it can see (fields, ownership, currencies), records the action under the
 * merchant's idempotency key, publishes its BalanceActionRequested and waits for the ledger's
 * decision; the ledger decides everything that needs balances.
 */
export class WalletActionService {
  private readonly now: () => number;

  constructor(private readonly deps: WalletActionServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Resolves, records (idempotently) and publishes the action, then waits for the ledger's
   * decision until shortly before `deadline` (epoch ms). Answers the action (PENDING when the
   * decision does not come in time); throws an {@link ActionRejectedError} when the ledger
   * rejected it.
   */
  async act(merchantId: string, request: ActionRequest, deadline: number): Promise<ActionResult> {
    const action = await this.resolve(merchantId, request);
    const { row, replayed } = await this.record(merchantId, action);
    let view = actionView(row);
    if (replayed) view = (await this.read(merchantId, row.actionId)) ?? view;
    if (view.status === 'PENDING') {
      const decided = await this.deps.feed.wait(row.actionId, submitWaitMs(deadline, this.now(), this.deps.maxWaitMs));
      // The row is the truth (a void's own status is not its update's): the ledger updates it in
      // the transaction whose commit publishes the update. No update in time: PENDING, at once.
      if (decided !== null) view = (await this.read(merchantId, row.actionId)) ?? view;
    }
    if (view.status === 'REJECTED') throw new ActionRejectedError(view.actionId, view.reasonCode ?? 'REJECTED', view.reason ?? 'rejected by the ledger');
    return { action: view, replayed };
  }

  /** Records the action under its idempotency key and publishes it (batched with others). */
  private async record(merchantId: string, action: ResolvedAction): Promise<SubmitOutcome<StoredWalletAction>> {
    const canonical = canonicalAction(action);
    try {
      return await this.deps.submitter.submit({
        actionId: newId(),
        merchantId,
        idempotencyKey: action.idempotencyKey,
        requestHash: requestHash(canonical),
        requestJson: canonical,
        action,
        createdAt: this.now(),
      });
    } catch (err) {
      if (err instanceof SubmissionNotRecordedError && action.voidsActionId !== null) throw await this.alreadyVoided(action.voidsActionId, err);
      throw err;
    }
  }

  /** The merchant's action; a {@link NotFoundError} for an unknown id or another merchant's action. */
  async get(merchantId: string, actionId: string): Promise<ActionView> {
    const view = await this.read(merchantId, actionId);
    if (view === undefined) throw new NotFoundError(`action ${actionId} not found`);
    return view;
  }

  private async read(merchantId: string, actionId: string): Promise<ActionView | undefined> {
    const row = await this.deps.actions.getAction(merchantId, actionId);
    return row === undefined ? undefined : actionView(row);
  }

  /** The request checked against the merchant's wallets (and, for a void, its actions). */
  private async resolve(merchantId: string, request: ActionRequest): Promise<ResolvedAction> {
    const base = { idempotencyKey: request.idempotencyKey, counterpartyWalletId: null, voidsActionId: null, externalReference: null, description: null };
    switch (request.kind) {
      case 'TOP_UP':
      case 'USAGE': {
        const wallets = await this.deps.wallets.findWallets(merchantId, [request.walletId]);
        const currency = currencyOf(ownWallet(wallets, request.walletId), request.currency);
        const text = request.kind === 'TOP_UP' ? { externalReference: request.externalReference } : { description: request.description };
        return { ...base, ...text, kind: request.kind, walletId: request.walletId, amountMinor: request.amountMinor, currency };
      }
      case 'TRANSFER': {
        const wallets = await this.deps.wallets.findWallets(merchantId, [request.walletId, request.counterpartyWalletId]);
        const from = ownWallet(wallets, request.walletId);
        const to = ownWallet(wallets, request.counterpartyWalletId);
        if (to.currency !== from.currency) {
          throw new ValidationError('to_wallet_id', `holds ${to.currency}, but from_wallet_id holds ${from.currency}: a transfer stays in one currency`);
        }
        return {
          ...base,
          kind: 'TRANSFER',
          walletId: from.walletId,
          counterpartyWalletId: to.walletId,
          amountMinor: request.amountMinor,
          currency: currencyOf(from, request.currency),
          description: request.description,
        };
      }
      case 'VOID': {
        const voided = await this.deps.actions.getAction(merchantId, request.voidsActionId);
        if (voided === undefined) throw new NotFoundError(`action ${request.voidsActionId} not found`);
        if (voided.currency === null) throw new Error(`action ${voided.actionId} has no currency`);
        return { ...base, kind: 'VOID', walletId: voided.walletId, amountMinor: null, currency: voided.currency, voidsActionId: voided.actionId };
      }
    }
  }

  /**
   * A void that `wallet_actions` refused: the action it voids has a void already (its
   * `voids_action_id` is unique), recorded under another key. The ledger would reject it
   * ALREADY_VOIDED; the gateway answers the same without recording it.
   */
  private async alreadyVoided(voidsActionId: string, cause: Error): Promise<Error> {
    const existing = await this.deps.actions.findVoidOf(voidsActionId);
    if (existing === undefined) return cause;
    return new ActionRejectedError(
      null,
      'ALREADY_VOIDED',
      `ALREADY_VOIDED: action ${voidsActionId} already has a void, action ${existing.actionId} (${existing.status}); an action is voided at most once`,
    );
  }
}
