/**
 * Fixtures for the wallet path: merchants, wallets (through `createWallet`), and balance actions
 * recorded and published as the gateway does it (a PENDING `wallet_actions` row, then
 * BalanceActionRequested on balance.actions, key = wallet id, event id derived from the action id).
 */
import { createHash, randomUUID } from 'node:crypto';
import { actionTransactionId, createWallet, type CreateWalletInput, type WalletRow } from '../../../processors/ledger';
import { deriveId, TOPICS, type BalanceActionKind, type EventEnvelope } from '../../../schemas';
import type { Pool } from '../../../storage/mysql';
import { erpConfirmation } from './ledger.events';
import type { Harness } from './processor.harness';

export async function insertMerchant(pool: Pool, currency = 'EUR'): Promise<string> {
  const id = randomUUID();
  await pool.query('INSERT INTO merchants (id, name, email, phone, default_currency, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    `Merchant ${id.slice(0, 8)}`,
    `m-${id.slice(0, 8)}@example.com`,
    '+15550100000',
    currency,
    new Date(),
  ]);
  return id;
}

export function wallet(pool: Pool, merchantId: string, input: Omit<CreateWalletInput, 'merchantId' | 'currency'> & { currency?: string }): Promise<WalletRow> {
  return createWallet(pool, { currency: 'EUR', ...input, merchantId });
}

export interface ActionInput {
  merchantId: string;
  walletId: string;
  amountMinor?: number | null;
  currency?: string | null;
  counterpartyWalletId?: string | null;
  voidsActionId?: string | null;
  actionId?: string;
}

export function action(kind: BalanceActionKind, input: ActionInput): EventEnvelope<'BalanceActionRequested'> {
  const actionId = input.actionId ?? randomUUID();
  const eventId = deriveId(actionId, 'BalanceActionRequested');
  return {
    type: 'BalanceActionRequested',
    eventId,
    key: input.walletId,
    correlationId: actionId,
    causationId: eventId,
    event: {
      actionId,
      merchantId: input.merchantId,
      kind,
      walletId: input.walletId,
      counterpartyWalletId: input.counterpartyWalletId ?? null,
      amountMinor: input.amountMinor === undefined ? null : input.amountMinor,
      currency: input.currency === undefined ? 'EUR' : input.currency,
      voidsActionId: input.voidsActionId ?? null,
      externalReference: kind === 'TOP_UP' ? `ext-${actionId.slice(0, 8)}` : null,
      description: kind === 'USAGE' ? 'API calls' : null,
      idempotencyKey: `key-${actionId}`,
      requestedAt: 1_732_230_000_000,
    },
  };
}

export const topUp = (merchantId: string, walletId: string, amountMinor: number, currency = 'EUR'): EventEnvelope<'BalanceActionRequested'> =>
  action('TOP_UP', { merchantId, walletId, amountMinor, currency });
export const usage = (merchantId: string, walletId: string, amountMinor: number, currency = 'EUR'): EventEnvelope<'BalanceActionRequested'> =>
  action('USAGE', { merchantId, walletId, amountMinor, currency });
export const transfer = (merchantId: string, from: string, to: string, amountMinor: number, currency = 'EUR'): EventEnvelope<'BalanceActionRequested'> =>
  action('TRANSFER', { merchantId, walletId: from, counterpartyWalletId: to, amountMinor, currency });
export const voidOf = (target: EventEnvelope<'BalanceActionRequested'>, currency: string | null = target.event.currency): EventEnvelope<'BalanceActionRequested'> =>
  action('VOID', { merchantId: target.event.merchantId, walletId: target.event.walletId, voidsActionId: target.event.actionId, currency });

/** Inserts the `wallet_actions` rows as the gateway does (PENDING, published); a second void of one action is skipped by the UNIQUE key, as at the gateway. */
export async function recordActions(pool: Pool, envelopes: readonly EventEnvelope<'BalanceActionRequested'>[]): Promise<void> {
  if (envelopes.length === 0) return;
  const now = new Date();
  await pool.query(
    `INSERT IGNORE INTO wallet_actions
       (id, merchant_id, idempotency_key, request_hash, request_json, kind, wallet_id, counterparty_wallet_id, amount_minor, currency,
        voids_action_id, external_reference, description, status, published, created_at)
     VALUES ?`,
    [
      envelopes.map(({ event: e }) => {
        const json = JSON.stringify(e);
        return [
          e.actionId,
          e.merchantId,
          e.idempotencyKey,
          createHash('sha256').update(json).digest('hex'),
          json,
          e.kind,
          e.walletId,
          e.counterpartyWalletId,
          e.amountMinor,
          e.currency,
          e.voidsActionId,
          e.externalReference,
          e.description,
          'PENDING',
          1,
          now,
        ];
      }),
    ],
  );
}

/** Records the actions, then publishes them on balance.actions. */
export async function submit(h: Harness, envelopes: readonly EventEnvelope<'BalanceActionRequested'>[]): Promise<void> {
  await recordActions(h.pool, envelopes);
  await h.publish(TOPICS.balanceActions, envelopes);
}

/** The ERP's verdict on an action's ledger transaction. */
export function verdictOn(target: EventEnvelope<'BalanceActionRequested'>, outcome: 'CONFIRMED' | 'REJECTED', reason: string | null = null): EventEnvelope<'ErpConfirmation'> {
  return erpConfirmation(actionTransactionId(target.event.actionId), target.event.walletId, outcome, reason ?? (outcome === 'REJECTED' ? 'ERP said no' : null));
}

export interface ActionRow {
  status: string;
  reason_code: string | null;
  reason: string | null;
  ledger_transaction_id: string | null;
  voided_by_action_id: string | null;
  decided: number;
  settled: number;
}

export async function actionRow(pool: Pool, actionId: string): Promise<ActionRow | undefined> {
  const [result] = await pool.query(
    `SELECT status, reason_code, reason, ledger_transaction_id, voided_by_action_id, decided_at IS NOT NULL AS decided, settled_at IS NOT NULL AS settled
     FROM wallet_actions WHERE id = ?`,
    [actionId],
  );
  if (!Array.isArray(result)) throw new Error('expected rows');
  return (result as ActionRow[])[0];
}

/** Balances of one account as numbers. */
export async function accountBalances(pool: Pool, id: string): Promise<{ posted: number; pendingIn: number; pendingOut: number }> {
  const [result] = await pool.query('SELECT posted_minor, pending_in_minor, pending_out_minor FROM accounts WHERE id = ?', [id]);
  if (!Array.isArray(result)) throw new Error('expected rows');
  const row = (result as Record<string, unknown>[])[0];
  if (row === undefined) throw new Error(`no account ${id}`);
  return { posted: Number(row.posted_minor), pendingIn: Number(row.pending_in_minor), pendingOut: Number(row.pending_out_minor) };
}
