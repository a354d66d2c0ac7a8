import type { JournalEntry, JournalEntryStatus, JournalLine } from '../types';
import type { SimulatorSettings, SimulatorSettingsPatch } from './options';

/** One request the simulator answered. */
export interface SimulatorRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  at: number;
}

/** One decision reported by webhook: an element of a delivery's `{ events: [...] }` body. */
export interface WebhookPayload {
  event: 'journal_entry.confirmed' | 'journal_entry.rejected';
  id: string;
  external_id: string;
  status: 'CONFIRMED' | 'REJECTED';
  reason: string | null;
  /** ISO-8601 time of the decision. */
  at: string;
}

/** One event's part in one delivery attempt (a delivery of n events logs n of these per attempt). */
export interface WebhookDelivery {
  entryId: string;
  event: WebhookPayload['event'];
  attempt: number;
  /** HTTP status of the receiver's answer; null when there was none. */
  status: number | null;
  error: string | null;
  at: number;
}

/** Test and demo controls of a running simulator. */
export interface ErpSimulatorState {
  /** While on, every request is answered 503. */
  outage(on: boolean): void;
  /** Changes latency, failure rate, confirmation delay, rejection rules or webhook target at run time. */
  configure(patch: SimulatorSettingsPatch): void;
  settings(): SimulatorSettings;
  /** Every entry, oldest first (copies). */
  entries(): JournalEntry[];
  entry(id: string): JournalEntry | undefined;
  entriesFor(externalId: string): JournalEntry[];
  /** Decides a PENDING entry now (webhook included); returns it, or undefined when it was not PENDING. */
  decide(id: string, status: 'CONFIRMED' | 'REJECTED', reason?: string): JournalEntry | undefined;
  /** Decides every PENDING entry now by the rejection rules; returns how many. */
  settlePending(): number;
  /** Changes an entry behind paystream's back, without a webhook (reconciliation tests). */
  tamper(id: string, change: { lines?: JournalLine[]; status?: JournalEntryStatus }): void;
  /** Forgets an entry and its idempotency key, as if the ERP lost it (reconciliation tests). */
  forget(id: string): void;
  /** Requests answered so far (the latest 10,000), oldest first. */
  requests(): readonly SimulatorRequest[];
  /** Webhook delivery attempts so far, one record per event and attempt (the latest 10,000), oldest first. */
  webhookDeliveries(): readonly WebhookDelivery[];
}

/** An HTTP ERP with journal entries (see `createErpSimulator`). */
export interface ErpSimulator {
  /** Listens on `port` (default 0: a free port) and `host` (default 127.0.0.1); resolves with the base URL. */
  start(port?: number, host?: string): Promise<string>;
  /** Stops listening, drops open connections, cancels pending decisions and webhook retries. */
  stop(): Promise<void>;
  /** The base URL; throws before `start`. */
  readonly url: string;
  readonly state: ErpSimulatorState;
}
