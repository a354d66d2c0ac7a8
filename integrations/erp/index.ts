/**
 * The ERP integration: the `ErpClient` port, its HTTP adapter, webhook signatures, and the ERP
 * simulator. Nothing outside `integrations/erp/` imports past this file.
 */
export type { BatchCreateItem, BatchCreateOutcome, CreatedJournalEntry, ErpClient, JournalEntry, JournalEntryPage, JournalEntryRequest, JournalEntryStatus, JournalLine, ListJournalEntriesQuery } from './types';
export { JOURNAL_ENTRY_STATUSES } from './types';
export type { HttpErpClientOptions } from './options';
export { HTTP_ERP_DEFAULTS } from './options';
export { ErpError, isErpError, type ErpErrorCode, type ErpErrorDetails } from './erp.errors';
export { createHttpErpClient } from './http.erp';
export { debitTotal } from './journal-entry.wire';
export { ERP_SIGNATURE_HEADER, ERP_TIMESTAMP_HEADER, signErpWebhook, verifyErpWebhook } from './webhook.signature';
export type { VerifyWebhookInput, WebhookSignatureCheck, WebhookSignatureProblem } from './webhook.signature';
export * from './simulator';
