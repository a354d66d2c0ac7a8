export { createLedgerProcessor, LEDGER_PROCESSOR_NAME } from './ledger.processor';
export type { LedgerProcessorOptions } from './options';
export { resolveLedgerProcessorOptions } from './options';
export { platformFeeMinor, splitSale } from './fees';
export { defaultWalletId, defaultWalletSpec, systemAccountId, systemAccountSpec } from './ledger.accounts';
export {
  accountIdsToLock,
  accountLockPlan,
  actionIdsToLock,
  balancesOf,
  causeOf,
  planLedgerBatch,
  saleAccountSpecs,
  saleTransactionId,
  transactionIdsToLock,
  validateCommand,
} from './ledger.core';
export type { AccountLockPlan, LedgerPlan, LedgerSnapshot, PlanContext, SkipReason } from './ledger.core';
export { fundsShortfall, poolAvailableOf } from './ledger.balances';
export { actionTransactionId } from './wallet-actions.core';
export { classifyStorageError, isLedgerError, LedgerError } from './ledger.errors';
export type { LedgerErrorCode } from './ledger.errors';
export { createWallet, getWalletBalances, listWalletTransactions } from './wallet.service';
export type { CreateWalletInput, ListWalletTransactionsOptions, WalletBalancesView, WalletKind, WalletRow, WalletTransactionView } from './wallet.service';
export { importOpeningBalances, openingBalanceTransactionId } from './opening-balance.import';
export type { ImportOpeningBalancesOptions, OpeningBalanceResult, OpeningBalanceRow } from './opening-balance.import';
export { isWalletError, WalletError } from './wallet.errors';
export type { WalletErrorCode } from './wallet.errors';
export type {
  AccountKind,
  AccountSpec,
  AccountState,
  ActionReasonCode,
  ActionRecord,
  ActionStatus,
  ActionUpdate,
  LedgerCommand,
  LedgerEntry,
  LedgerOutput,
  LedgerProcessorDeps,
  LedgerTransaction,
  LedgerTransactionKind,
  SourceEvent,
  StatusChange,
  SystemAccountCode,
} from './types';
