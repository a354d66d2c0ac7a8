import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import type { CreatedMerchant, WalletClient } from '../../gateway';
import { createWalletClient } from '../../gateway';
import type { BalanceActionRequested, HoldStatus, WalletBalances, WalletUpdated } from '../../schemas';
import type { IncomingMessage } from '../../streams';
import { deriveId, toMessage, TOPICS } from '../../schemas';
import type { GatewayHarness, HarnessOptions } from './gateway.harness';
import { codec, startGatewayHarness } from './gateway.harness';

/** The rejection of `work` as a gRPC error. */
export async function grpcError(work: Promise<unknown>): Promise<ServiceError> {
  try {
    await work;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('the call succeeded');
}

/**
 * Plays the ledger for gateway tests (a fake at our own port: the topics): consumes
 * `balance.actions`, decides each action, writes the decision into `wallet_actions` as the ledger
 * does, then publishes WalletUpdated (one per wallet touched). A debit above the wallet's
 * `allowance` is REJECTED `INSUFFICIENT_FUNDS`; a void is POSTED and its target VOIDED; anything
 * else is HELD. While `answering` is false, actions are recorded but not decided.
 */
export interface FakeLedger {
  answering: boolean;
  /** The most a wallet may be debited by one action (default 10 000). */
  allowance: Map<string, number>;
  /** Every BalanceActionRequested seen, in order. */
  requested: BalanceActionRequested[];
  /** Every WalletUpdated it published. */
  published: WalletUpdated[];
}

export interface WalletHarness extends GatewayHarness {
  wallets: WalletClient;
  newWalletClient(apiKey: string | null): WalletClient;
  ledger: FakeLedger;
  /** The BalanceActionRequested of `actionId` the ledger received (one per publish). */
  requested(actionId: string): BalanceActionRequested[];
  /** The messages they came in. */
  requestMessages: IncomingMessage[];
}

const DEFAULT_ALLOWANCE = 10_000;

function balances(shadow: number): WalletBalances {
  return { postedMinor: 0, pendingInMinor: Math.max(shadow, 0), pendingOutMinor: Math.max(-shadow, 0), availableMinor: 0, shadowMinor: shadow };
}

export async function startWalletHarness(options: HarnessOptions & { fakeLedger?: boolean } = {}): Promise<WalletHarness> {
  const h = await startGatewayHarness(options);
  const clients: WalletClient[] = [];
  const shadows = new Map<string, number>();
  const ledger: FakeLedger = { answering: true, allowance: new Map(), requested: [], published: [] };
  const requestMessages: IncomingMessage[] = [];

  const decide = async (action: BalanceActionRequested): Promise<void> => {
    const eventId = deriveId(action.actionId, 'BalanceActionRequested');
    const ledgerTransactionId = deriveId(action.actionId, 'ledger-transaction');
    const amount = action.amountMinor ?? 0;
    const debit = action.kind === 'USAGE' || action.kind === 'TRANSFER';
    let status: 'HELD' | 'REJECTED' | 'POSTED' = 'HELD';
    let reasonCode: string | null = null;
    let reason: string | null = null;
    if (debit && amount > (ledger.allowance.get(action.walletId) ?? DEFAULT_ALLOWANCE)) {
      status = 'REJECTED';
      reasonCode = 'INSUFFICIENT_FUNDS';
      reason = `INSUFFICIENT_FUNDS: available ${ledger.allowance.get(action.walletId) ?? DEFAULT_ALLOWANCE} < ${amount}`;
    }
    if (action.kind === 'VOID') status = 'POSTED';
    const now = new Date();
    await h.db.pool.query(
      'UPDATE wallet_actions SET status = ?, reason_code = ?, reason = ?, ledger_transaction_id = ?, decided_at = ?, settled_at = ? WHERE id = ?',
      [status, reasonCode, reason, ledgerTransactionId, now, status === 'POSTED' ? now : null, action.actionId],
    );
    if (action.voidsActionId !== null) {
      await h.db.pool.query("UPDATE wallet_actions SET status = 'VOIDED', voided_by_action_id = ?, settled_at = ? WHERE id = ?", [
        action.actionId,
        now,
        action.voidsActionId,
      ]);
    }
    const cause: WalletUpdated['cause'] = action.kind === 'TRANSFER' ? 'TRANSFER_OUT' : action.kind;
    const changes: [string, number, WalletUpdated['cause']][] =
      status === 'REJECTED'
        ? [[action.walletId, 0, cause]]
        : action.kind === 'TRANSFER' && action.counterpartyWalletId !== null
          ? [
              [action.walletId, -amount, 'TRANSFER_OUT'],
              [action.counterpartyWalletId, amount, 'TRANSFER_IN'],
            ]
          : [[action.walletId, action.kind === 'USAGE' ? -amount : action.kind === 'TOP_UP' ? amount : 0, cause]];
    const hold: HoldStatus = status === 'POSTED' ? 'VOIDED' : status;
    const messages = changes.map(([walletId, change, cause]) => {
      const shadow = (shadows.get(walletId) ?? 0) + change;
      shadows.set(walletId, shadow);
      const event: WalletUpdated = {
        walletId,
        merchantId: action.merchantId,
        ledgerTransactionId,
        cause,
        status: hold,
        actionId: action.actionId,
        orderId: null,
        amountMinor: change,
        currency: action.currency ?? 'USD',
        balances: balances(shadow),
        lines: change === 0 ? [] : [{ account: walletId, amountMinor: change }],
        reason,
        occurredAt: now.getTime(),
      };
      ledger.published.push(event);
      return toMessage(codec, {
        type: 'WalletUpdated',
        event,
        eventId: deriveId(eventId, 'WalletUpdated', walletId),
        key: walletId,
        correlationId: action.actionId,
        causationId: eventId,
      });
    });
    await h.memory.publish(TOPICS.walletUpdates, messages);
  };

  if (options.fakeLedger !== false) {
    await h.memory.subscribe({
      topics: [TOPICS.balanceActions],
      group: `test-fake-ledger-${randomUUID()}`,
      handler: async (batch) => {
        for (const message of batch) {
          const action = codec.decodeAs('BalanceActionRequested', message.value);
          requestMessages.push(message);
          ledger.requested.push(action);
          if (ledger.answering) await decide(action);
        }
      },
    });
  }

  const newWalletClient = (apiKey: string | null): WalletClient => {
    const client = createWalletClient(h.grpcAddress, apiKey);
    clients.push(client);
    return client;
  };
  const wallets = newWalletClient(h.merchant.apiKey);
  const close = h.close;
  return {
    ...h,
    wallets,
    newWalletClient,
    ledger,
    requested: (actionId) => ledger.requested.filter((a) => a.actionId === actionId),
    requestMessages,
    close: async () => {
      for (const client of clients) client.close();
      await close();
    },
  };
}

/** A second merchant with its own wallet client. */
export async function otherMerchant(h: WalletHarness): Promise<{ merchant: CreatedMerchant; wallets: WalletClient }> {
  const merchant = await h.newMerchant();
  return { merchant, wallets: h.newWalletClient(merchant.apiKey) };
}

export const key = (): string => `k-${randomUUID()}`;
