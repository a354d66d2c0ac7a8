import type { ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { WalletUpdated } from '../../schemas';
import type { EventFeed } from '../feeds/event.feed';
import { LimitExceededError, UnavailableError } from '../gateway.errors';
import type { ThresholdService } from '../wallets/threshold.service';
import type { ActionRequest } from '../wallets/types';
import type { WalletActionService } from '../wallets/wallet-action.service';
import type { WalletService } from '../wallets/wallet.service';
import {
  idOf,
  validateCreateWallet,
  validateSetThreshold,
  validateTopUp,
  validateTransfer,
  validateUse,
  validateVoid,
} from '../wallets/wallet.validation';
import type { CallContext } from './call.context';
import { admit, authenticate, deadlineMs, failStream, refuseWhileStopping, unary } from './call.context';
import { requestField } from './order.wire';
import type {
  ActionResponseWire,
  ActionWire,
  ListTransactionsResponseWire,
  ThresholdWire,
  WalletUpdateWire,
  WalletWire,
  WatchWalletResponseWire,
} from './wallet.wire';
import { actionToWire, thresholdToWire, transactionToWire, walletToWire, walletUpdateToWire } from './wallet.wire';

/** Most updates a WatchWallet stream may hold unread before the watcher is cut off. */
export const MAX_UNREAD_UPDATES = 1_000;

export interface WalletHandlerDeps extends CallContext {
  wallets: WalletService;
  actions: WalletActionService;
  thresholds: ThresholdService;
  /** `wallet.updates`, by wallet id (WatchWallet follows it). */
  walletFeed: EventFeed<WalletUpdated>;
}

/** The WalletService implementation for `server.addService`. */
export function createWalletHandlers(deps: WalletHandlerDeps): UntypedServiceImplementation {
  const { wallets, actions, thresholds, walletFeed, log } = deps;

  const action = (validate: (request: unknown) => ActionRequest) =>
    unary<ActionResponseWire>(log, async (call) => {
      const release = admit(deps);
      try {
        const merchantId = await authenticate(deps, call);
        refuseWhileStopping(deps);
        const request = validate(call.request);
        const result = await actions.act(merchantId, request, deadlineMs(call.getDeadline()));
        return { action: actionToWire(result.action), replayed: result.replayed };
      } finally {
        release();
      }
    });

  const walletIdOf = (call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>): string =>
    idOf(call.request, 'walletId', 'wallet_id', 'a wallet id');

  const watchWallet = (call: ServerWritableStream<unknown, WatchWalletResponseWire>): void => {
    let unfollow: () => void = () => undefined;
    let ended = false;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      unfollow();
      if (!call.cancelled) failStream(call, err, log);
    };
    const watch = async (): Promise<void> => {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      const walletId = walletIdOf(call);
      await wallets.record(merchantId, walletId);
      // Follow first, then read the snapshot: nothing falls between the two. Updates that come
      // while the snapshot is read are sent after it (their balances may already be in it).
      const early: WalletUpdateWire[] = [];
      let live = false;
      const send = (update: WalletUpdateWire): void => {
        if (call.writableLength >= MAX_UNREAD_UPDATES) {
          end(new LimitExceededError(`the watcher read too slowly: ${MAX_UNREAD_UPDATES} updates were waiting; watch again`));
          return;
        }
        call.write({ update });
      };
      unfollow = walletFeed.follow(walletId, (update) => {
        if (ended) return;
        if (update === null) {
          end(new UnavailableError('gateway', 'the gateway is shutting down; watch again to follow the wallet'));
          return;
        }
        const wire = walletUpdateToWire(update);
        if (live) send(wire);
        else early.push(wire);
      });
      call.on('cancelled', () => {
        ended = true;
        unfollow();
      });
      if (call.cancelled) {
        ended = true;
        unfollow();
        return;
      }
      const snapshot = await wallets.get(merchantId, walletId);
      if (ended) return;
      call.write({ snapshot: walletToWire(snapshot) });
      live = true;
      for (const update of early.splice(0)) if (!ended) send(update);
    };
    watch().catch(end);
  };

  return {
    CreateWallet: unary<WalletWire>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      return walletToWire(await wallets.create(merchantId, validateCreateWallet(call.request)));
    }),
    GetWallet: unary<WalletWire>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      return walletToWire(await wallets.get(merchantId, walletIdOf(call)));
    }),
    TopUp: action(validateTopUp),
    Use: action(validateUse),
    Transfer: action(validateTransfer),
    Void: action(validateVoid),
    GetAction: unary<ActionWire>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      return actionToWire(await actions.get(merchantId, idOf(call.request, 'actionId', 'action_id', 'an action id')));
    }),
    ListTransactions: unary<ListTransactionsResponseWire>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      const walletId = walletIdOf(call);
      const pageSize = requestField(call.request, 'pageSize');
      const pageToken = requestField(call.request, 'pageToken');
      const page = await wallets.listTransactions(
        merchantId,
        walletId,
        typeof pageSize === 'number' ? pageSize : Number.NaN,
        typeof pageToken === 'string' ? pageToken : '',
      );
      return { transactions: page.transactions.map(transactionToWire), nextPageToken: page.nextPageToken };
    }),
    WatchWallet: watchWallet,
    SetBalanceThreshold: unary<{ threshold: ThresholdWire; created: boolean }>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      const { threshold, created } = await thresholds.set(merchantId, validateSetThreshold(call.request));
      return { threshold: thresholdToWire(threshold), created };
    }),
    ListBalanceThresholds: unary<{ thresholds: ThresholdWire[] }>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      return { thresholds: (await thresholds.list(merchantId, walletIdOf(call))).map(thresholdToWire) };
    }),
    DeleteBalanceThreshold: unary<Record<string, never>>(log, async (call) => {
      const merchantId = await authenticate(deps, call);
      refuseWhileStopping(deps);
      await thresholds.delete(merchantId, idOf(call.request, 'thresholdId', 'threshold_id', 'a threshold id'));
      return {};
    }),
  };
}
