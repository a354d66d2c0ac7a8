import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { HoldStatus, WalletUpdateCause, WalletUpdated } from '../../schemas';
import { ACTION_ID_METADATA, REASON_CODE_METADATA } from '../grpc/status.mapping';
import { WALLET_SERVICE_NAME } from '../grpc/proto.loader';
import type {
  ActionKindName,
  ActionResult,
  ActionStatusName,
  ActionView,
  BalancesView,
  ThresholdDirectionName,
  ThresholdView,
  TransactionView,
  WalletKindName,
  WalletView,
} from '../wallets/types';
import type { CallSettings, ClientOptions } from './service.caller';
import { createServiceCaller, fieldOf, int64Of, textOf, textOrNull } from './service.caller';

/** int64 inputs take a number or a decimal string. */
type Int64Input = number | string;

export interface CreateWalletInput {
  kind: WalletKindName;
  currency: string;
  name?: string;
  creditLimitMinor?: Int64Input;
  parentWalletId?: string;
  childLimitMinor?: Int64Input;
}

export interface TopUpInput {
  idempotencyKey: string;
  walletId: string;
  amountMinor: Int64Input;
  externalReference: string;
  currency?: string;
}

export interface UseInput {
  idempotencyKey: string;
  walletId: string;
  amountMinor: Int64Input;
  description: string;
  currency?: string;
}

export interface TransferInput {
  idempotencyKey: string;
  fromWalletId: string;
  toWalletId: string;
  amountMinor: Int64Input;
  description?: string;
  currency?: string;
}

export interface VoidInput {
  idempotencyKey: string;
  actionId: string;
}

export interface ListTransactionsInput {
  /** 1-100; default (0) 50. */
  pageSize?: number;
  pageToken?: string;
}

/** A change of a wallet as WatchWallet streams it (a WalletUpdated without the merchant id). */
export type WalletUpdateView = Omit<WalletUpdated, 'merchantId'>;

/** What WatchWallet yields: the wallet when the watch began, then each change. */
export type WalletWatchEvent = { type: 'snapshot'; wallet: WalletView } | { type: 'update'; update: WalletUpdateView };

export interface WalletClient {
  createWallet(input: CreateWalletInput, settings?: CallSettings): Promise<WalletView>;
  getWallet(walletId: string, settings?: CallSettings): Promise<WalletView>;
  /** Rejects with FAILED_PRECONDITION when the ledger rejects the action (see {@link actionRejectionOf}). */
  topUp(input: TopUpInput, settings?: CallSettings): Promise<ActionResult>;
  use(input: UseInput, settings?: CallSettings): Promise<ActionResult>;
  transfer(input: TransferInput, settings?: CallSettings): Promise<ActionResult>;
  voidAction(input: VoidInput, settings?: CallSettings): Promise<ActionResult>;
  getAction(actionId: string, settings?: CallSettings): Promise<ActionView>;
  listTransactions(walletId: string, input?: ListTransactionsInput, settings?: CallSettings): Promise<{ transactions: TransactionView[]; nextPageToken: string }>;
  /** The wallet's snapshot, then its changes as they happen; leaving the loop cancels the watch. */
  watchWallet(walletId: string, settings?: CallSettings): AsyncIterable<WalletWatchEvent>;
  setBalanceThreshold(
    input: { walletId: string; thresholdMinor: Int64Input; direction: ThresholdDirectionName },
    settings?: CallSettings,
  ): Promise<{ threshold: ThresholdView; created: boolean }>;
  listBalanceThresholds(walletId: string, settings?: CallSettings): Promise<ThresholdView[]>;
  deleteBalanceThreshold(thresholdId: string, settings?: CallSettings): Promise<void>;
  close(): void;
}

export type WalletClientOptions = ClientOptions;

function enumOf<T extends string>(value: unknown, prefix: string, names: readonly T[], field: string): T {
  const name = typeof value === 'string' && value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
  const found = names.find((n) => n === name);
  if (found === undefined) throw new TypeError(`the server sent ${field} ${String(value)}`);
  return found;
}

const WALLET_KINDS: readonly WalletKindName[] = ['PERSONAL', 'ENTERPRISE', 'RESELLER'];
const ACTION_KINDS: readonly ActionKindName[] = ['TOP_UP', 'USAGE', 'TRANSFER', 'VOID'];
const ACTION_STATUSES: readonly ActionStatusName[] = ['PENDING', 'HELD', 'REJECTED', 'POSTED', 'RELEASED', 'VOIDED'];
const DIRECTIONS: readonly ThresholdDirectionName[] = ['BELOW', 'ABOVE'];
const CAUSES: readonly WalletUpdateCause[] = ['SALE', 'TOP_UP', 'USAGE', 'TRANSFER_IN', 'TRANSFER_OUT', 'VOID', 'OPENING_BALANCE'];
const HOLD_STATUSES: readonly HoldStatus[] = ['HELD', 'POSTED', 'RELEASED', 'REJECTED', 'VOIDED'];

const zeroAsNull = (value: number): number | null => (value === 0 ? null : value);

function balancesFromWire(wire: unknown): BalancesView {
  const field = (name: string): unknown => fieldOf(wire, name);
  return {
    postedMinor: int64Of(field('postedMinor'), 'posted_minor'),
    pendingInMinor: int64Of(field('pendingInMinor'), 'pending_in_minor'),
    pendingOutMinor: int64Of(field('pendingOutMinor'), 'pending_out_minor'),
    availableMinor: int64Of(field('availableMinor'), 'available_minor'),
    shadowMinor: int64Of(field('shadowMinor'), 'shadow_minor'),
  };
}

export function walletFromWire(wire: unknown): WalletView {
  const field = (name: string): unknown => fieldOf(wire, name);
  const childLimit = field('childLimitMinor');
  const poolAvailable = field('poolAvailableMinor');
  return {
    walletId: textOf(field('walletId'), 'wallet_id'),
    kind: enumOf(field('kind'), 'WALLET_KIND_', WALLET_KINDS, 'kind'),
    currency: textOf(field('currency'), 'currency'),
    name: textOrNull(field('name'), 'name'),
    parentWalletId: textOrNull(field('parentWalletId'), 'parent_wallet_id'),
    creditLimitMinor: int64Of(field('creditLimitMinor'), 'credit_limit_minor'),
    childLimitMinor: childLimit === undefined || childLimit === null ? null : int64Of(childLimit, 'child_limit_minor'),
    isDefault: field('isDefault') === true,
    balances: balancesFromWire(field('balances')),
    createdAt: int64Of(field('createdAtMs'), 'created_at_ms'),
    spendableMinor: int64Of(field('spendableMinor'), 'spendable_minor'),
    poolAvailableMinor: poolAvailable === undefined || poolAvailable === null ? null : int64Of(poolAvailable, 'pool_available_minor'),
  };
}

export function actionFromWire(wire: unknown): ActionView {
  const field = (name: string): unknown => fieldOf(wire, name);
  const kind = enumOf(field('kind'), 'ACTION_KIND_', ACTION_KINDS, 'kind');
  const amount = int64Of(field('amountMinor'), 'amount_minor');
  return {
    actionId: textOf(field('actionId'), 'action_id'),
    idempotencyKey: textOf(field('idempotencyKey'), 'idempotency_key'),
    kind,
    status: enumOf(field('status'), 'ACTION_STATUS_', ACTION_STATUSES, 'status'),
    reasonCode: textOrNull(field('reasonCode'), 'reason_code'),
    reason: textOrNull(field('reason'), 'reason'),
    amountMinor: kind === 'VOID' ? zeroAsNull(amount) : amount,
    currency: textOrNull(field('currency'), 'currency'),
    walletId: textOf(field('walletId'), 'wallet_id'),
    counterpartyWalletId: textOrNull(field('counterpartyWalletId'), 'counterparty_wallet_id'),
    voidsActionId: textOrNull(field('voidsActionId'), 'voids_action_id'),
    voidedByActionId: textOrNull(field('voidedByActionId'), 'voided_by_action_id'),
    ledgerTransactionId: textOrNull(field('ledgerTransactionId'), 'ledger_transaction_id'),
    externalReference: textOrNull(field('externalReference'), 'external_reference'),
    description: textOrNull(field('description'), 'description'),
    createdAt: int64Of(field('createdAtMs'), 'created_at_ms'),
    decidedAt: zeroAsNull(int64Of(field('decidedAtMs'), 'decided_at_ms')),
    settledAt: zeroAsNull(int64Of(field('settledAtMs'), 'settled_at_ms')),
  };
}

function actionResultFromWire(wire: unknown): ActionResult {
  return { action: actionFromWire(fieldOf(wire, 'action')), replayed: fieldOf(wire, 'replayed') === true };
}

export function transactionFromWire(wire: unknown): TransactionView {
  const field = (name: string): unknown => fieldOf(wire, name);
  return {
    ledgerTransactionId: textOf(field('ledgerTransactionId'), 'ledger_transaction_id'),
    kind: textOf(field('kind'), 'kind'),
    status: textOf(field('status'), 'status'),
    amountMinor: int64Of(field('amountMinor'), 'amount_minor'),
    currency: textOf(field('currency'), 'currency'),
    actionId: textOrNull(field('actionId'), 'action_id'),
    orderId: textOrNull(field('orderId'), 'order_id'),
    memo: textOf(field('memo'), 'memo'),
    createdAt: int64Of(field('createdAtMs'), 'created_at_ms'),
    settledAt: zeroAsNull(int64Of(field('settledAtMs'), 'settled_at_ms')),
    reversesTransactionId: textOrNull(field('reversesTransactionId'), 'reverses_transaction_id'),
  };
}

export function walletUpdateFromWire(wire: unknown): WalletUpdateView {
  const field = (name: string): unknown => fieldOf(wire, name);
  const lines = field('lines');
  return {
    walletId: textOf(field('walletId'), 'wallet_id'),
    ledgerTransactionId: textOf(field('ledgerTransactionId'), 'ledger_transaction_id'),
    cause: enumOf(field('cause'), '', CAUSES, 'cause'),
    status: enumOf(field('status'), '', HOLD_STATUSES, 'status'),
    actionId: textOrNull(field('actionId'), 'action_id'),
    orderId: textOrNull(field('orderId'), 'order_id'),
    amountMinor: int64Of(field('amountMinor'), 'amount_minor'),
    currency: textOf(field('currency'), 'currency'),
    balances: balancesFromWire(field('balances')),
    lines: (Array.isArray(lines) ? (lines as readonly unknown[]) : []).map((line) => ({
      account: textOf(fieldOf(line, 'account'), 'lines.account'),
      amountMinor: int64Of(fieldOf(line, 'amountMinor'), 'lines.amount_minor'),
    })),
    reason: textOrNull(field('reason'), 'reason'),
    occurredAt: int64Of(field('occurredAtMs'), 'occurred_at_ms'),
  };
}

export function thresholdFromWire(wire: unknown): ThresholdView {
  const field = (name: string): unknown => fieldOf(wire, name);
  return {
    thresholdId: textOf(field('thresholdId'), 'threshold_id'),
    walletId: textOf(field('walletId'), 'wallet_id'),
    thresholdMinor: int64Of(field('thresholdMinor'), 'threshold_minor'),
    direction: enumOf(field('direction'), 'THRESHOLD_DIRECTION_', DIRECTIONS, 'direction'),
    createdAt: int64Of(field('createdAtMs'), 'created_at_ms'),
  };
}

/**
 * The ledger's rejection carried by a failed TopUp/Use/Transfer/Void (FAILED_PRECONDITION with
 * `reason-code` and `action-id` trailing metadata); undefined for any other error.
 */
export function actionRejectionOf(err: unknown): { reasonCode: string; actionId: string | null; message: string } | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || !('metadata' in err)) return undefined;
  const serviceError = err as ServiceError;
  if (serviceError.code !== status.FAILED_PRECONDITION) return undefined;
  const [reasonCode] = serviceError.metadata.get(REASON_CODE_METADATA);
  const [actionId] = serviceError.metadata.get(ACTION_ID_METADATA);
  if (typeof reasonCode !== 'string') return undefined;
  return { reasonCode, actionId: typeof actionId === 'string' ? actionId : null, message: serviceError.details };
}

/**
 * A promise-based WalletService client for tests, the CLI and the bench. `apiKey` null sends no
 * `authorization` metadata. Errors reject as grpc-js `ServiceError`s (`code`, `details`,
 * `metadata`).
 */
export function createWalletClient(address: string, apiKey: string | null, options: WalletClientOptions = {}): WalletClient {
  const caller = createServiceCaller(address, apiKey, WALLET_SERVICE_NAME, options);
  return {
    async createWallet(input, settings) {
      const request = {
        kind: `WALLET_KIND_${input.kind}`,
        currency: input.currency,
        name: input.name ?? '',
        creditLimitMinor: input.creditLimitMinor ?? 0,
        parentWalletId: input.parentWalletId ?? '',
        ...(input.childLimitMinor === undefined ? {} : { childLimitMinor: input.childLimitMinor }),
      };
      return walletFromWire(await caller.unary('CreateWallet', request, settings));
    },
    async getWallet(walletId, settings) {
      return walletFromWire(await caller.unary('GetWallet', { walletId }, settings));
    },
    async topUp(input, settings) {
      return actionResultFromWire(await caller.unary('TopUp', input, settings));
    },
    async use(input, settings) {
      return actionResultFromWire(await caller.unary('Use', input, settings));
    },
    async transfer(input, settings) {
      return actionResultFromWire(await caller.unary('Transfer', input, settings));
    },
    async voidAction(input, settings) {
      return actionResultFromWire(await caller.unary('Void', input, settings));
    },
    async getAction(actionId, settings) {
      return actionFromWire(await caller.unary('GetAction', { actionId }, settings));
    },
    async listTransactions(walletId, input = {}, settings) {
      const response = await caller.unary('ListTransactions', { walletId, pageSize: input.pageSize ?? 0, pageToken: input.pageToken ?? '' }, settings);
      const transactions = fieldOf(response, 'transactions');
      return {
        transactions: Array.isArray(transactions) ? (transactions as readonly unknown[]).map(transactionFromWire) : [],
        nextPageToken: textOf(fieldOf(response, 'nextPageToken'), 'next_page_token'),
      };
    },
    watchWallet(walletId, settings) {
      const messages = caller.stream('WatchWallet', { walletId }, settings);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const message of messages) {
            const which = fieldOf(message, 'event');
            if (which === 'snapshot') yield { type: 'snapshot', wallet: walletFromWire(fieldOf(message, 'snapshot')) };
            else if (which === 'update') yield { type: 'update', update: walletUpdateFromWire(fieldOf(message, 'update')) };
            else throw new TypeError(`the server sent a WatchWallet message without an event (${String(which)})`);
          }
        },
      };
    },
    async setBalanceThreshold(input, settings) {
      const response = await caller.unary(
        'SetBalanceThreshold',
        { walletId: input.walletId, thresholdMinor: input.thresholdMinor, direction: `THRESHOLD_DIRECTION_${input.direction}` },
        settings,
      );
      return { threshold: thresholdFromWire(fieldOf(response, 'threshold')), created: fieldOf(response, 'created') === true };
    },
    async listBalanceThresholds(walletId, settings) {
      const thresholds = fieldOf(await caller.unary('ListBalanceThresholds', { walletId }, settings), 'thresholds');
      return Array.isArray(thresholds) ? (thresholds as readonly unknown[]).map(thresholdFromWire) : [];
    },
    async deleteBalanceThreshold(thresholdId, settings) {
      await caller.unary('DeleteBalanceThreshold', { thresholdId }, settings);
    },
    close() {
      caller.close();
    },
  };
}
