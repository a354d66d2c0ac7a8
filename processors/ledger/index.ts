export { createLedgerProcessor, LEDGER_PROCESSOR_NAME } from './ledger.processor';
export type { LedgerProcessorOptions } from './options';
export { resolveLedgerProcessorOptions } from './options';
export { platformFeeMinor, splitSale } from './fees';
export { defaultWalletId, defaultWalletSpec, systemAccountId, systemAccountSpec } from './ledger.accounts';
export { accountIdsToLock, balancesOf, causeOf, planLedgerBatch, saleAccountSpecs, saleTransactionId, validateCommand } from './ledger.core';
export type { LedgerPlan, LedgerSnapshot, PlanContext, SkipReason } from './ledger.core';
export { classifyStorageError, isLedgerError, LedgerError } from './ledger.errors';
export type { LedgerErrorCode } from './ledger.errors';
export type {
  AccountKind,
  AccountSpec,
  AccountState,
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
