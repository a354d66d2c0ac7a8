import type { Pool, Row } from '../../storage/mysql';
import { epochMs, epochMsOrNull, num, numOrNull, rowsOf, str, strOrNull, textLiteral } from '../../storage/mysql';
import { byIdempotencyKey, compareText } from '../submissions/insert.order';
import type { IdempotencyPair } from '../submissions/types';
import type { ActionKindName, ActionStatusName, ActionView, ResolvedAction } from './types';

/** A row to insert into `wallet_actions`. */
export interface NewWalletAction {
  actionId: string;
  merchantId: string;
  idempotencyKey: string;
  requestHash: string;
  /** The canonical JSON of {@link action}. */
  requestJson: string;
  action: ResolvedAction;
  /** Epoch ms. */
  createdAt: number;
}

/** A row of `wallet_actions` as stored. */
export interface StoredWalletAction extends ActionView {
  merchantId: string;
  requestHash: string;
  requestJson: string;
  published: boolean;
}

const COLUMNS = `id, merchant_id, idempotency_key, request_hash, request_json, kind, wallet_id, counterparty_wallet_id,
  amount_minor, currency, voids_action_id, external_reference, description, status, reason_code, reason,
  ledger_transaction_id, voided_by_action_id, published, created_at, decided_at, settled_at`;

const KINDS: readonly ActionKindName[] = ['TOP_UP', 'USAGE', 'TRANSFER', 'VOID'];
const STATUSES: readonly ActionStatusName[] = ['PENDING', 'HELD', 'REJECTED', 'POSTED', 'RELEASED', 'VOIDED'];

function oneOf<T extends string>(column: string, allowed: readonly T[], value: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new TypeError(`column ${column}: unexpected value ${value}`);
  return found;
}

function toStored(row: Row): StoredWalletAction {
  return {
    actionId: str(row, 'id'),
    merchantId: str(row, 'merchant_id'),
    idempotencyKey: str(row, 'idempotency_key'),
    requestHash: str(row, 'request_hash'),
    requestJson: str(row, 'request_json'),
    kind: oneOf('kind', KINDS, str(row, 'kind')),
    status: oneOf('status', STATUSES, str(row, 'status')),
    reasonCode: strOrNull(row, 'reason_code'),
    reason: strOrNull(row, 'reason'),
    amountMinor: numOrNull(row, 'amount_minor'),
    currency: strOrNull(row, 'currency'),
    walletId: str(row, 'wallet_id'),
    counterpartyWalletId: strOrNull(row, 'counterparty_wallet_id'),
    voidsActionId: strOrNull(row, 'voids_action_id'),
    voidedByActionId: strOrNull(row, 'voided_by_action_id'),
    ledgerTransactionId: strOrNull(row, 'ledger_transaction_id'),
    externalReference: strOrNull(row, 'external_reference'),
    description: strOrNull(row, 'description'),
    published: num(row, 'published') === 1,
    createdAt: epochMs(row, 'created_at'),
    decidedAt: epochMsOrNull(row, 'decided_at'),
    settledAt: epochMsOrNull(row, 'settled_at'),
  };
}

/**
 * The gateway's SQL on `wallet_actions`: set-based statements, one per batch. The gateway writes
 * the request columns and `published`; the ledger owns `status` and the decision columns.
 */
export class WalletActionStore {
  constructor(private readonly pool: Pool) {}

  /**
   * One multi-row INSERT IGNORE: rows whose (merchant, idempotency key) exists already are
   * skipped. (A second void of one action under another key is skipped too, by the UNIQUE
   * voids_action_id: its caller then finds no row of its own key and fails; the ledger would
   * have rejected it ALREADY_VOIDED.) Rows go in the order of the voided action, then of the key:
   * concurrent batches that void the same actions take their locks on the voids key in one order
   * (in any other order, two such batches deadlocked).
   */
  async insertIgnore(rows: readonly NewWalletAction[]): Promise<void> {
    if (rows.length === 0) return;
    const values: unknown[] = [];
    const ordered = [...rows].sort((a, b) => compareText(a.action.voidsActionId ?? '', b.action.voidsActionId ?? '') || byIdempotencyKey(a, b));
    for (const r of ordered) {
      const a = r.action;
      values.push(
        r.actionId,
        r.merchantId,
        r.idempotencyKey,
        r.requestHash,
        textLiteral(r.requestJson),
        a.kind,
        a.walletId,
        a.counterpartyWalletId,
        a.amountMinor,
        a.currency,
        a.voidsActionId,
        a.externalReference,
        a.description,
        new Date(r.createdAt),
      );
    }
    await this.pool.query(
      `INSERT IGNORE INTO wallet_actions
         (id, merchant_id, idempotency_key, request_hash, request_json, kind, wallet_id, counterparty_wallet_id,
          amount_minor, currency, voids_action_id, external_reference, description, status, published, created_at)
       VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?)").join(', ')}`,
      values,
    );
  }

  /** The rows of the given (merchant, idempotency key) pairs, in one SELECT on the unique key. */
  async selectByKeys(keys: readonly IdempotencyPair[]): Promise<StoredWalletAction[]> {
    if (keys.length === 0) return [];
    const [rows] = await this.pool.query(
      `SELECT ${COLUMNS} FROM wallet_actions WHERE ${keys.map(() => '(merchant_id = ? AND idempotency_key = ?)').join(' OR ')}`,
      keys.flatMap((k) => [k.merchantId, k.idempotencyKey]),
    );
    return rowsOf(rows).map(toStored);
  }

  async markPublished(actionIds: readonly string[]): Promise<void> {
    if (actionIds.length === 0) return;
    await this.pool.query(`UPDATE wallet_actions SET published = 1 WHERE id IN (${actionIds.map(() => '?').join(', ')})`, [...actionIds]);
  }

  /** Unpublished rows created before `before` (epoch ms), oldest first. */
  async selectUnpublished(before: number, limit: number): Promise<StoredWalletAction[]> {
    const [rows] = await this.pool.query(
      `SELECT ${COLUMNS} FROM wallet_actions WHERE published = 0 AND created_at < ? ORDER BY created_at LIMIT ?`,
      [new Date(before), limit],
    );
    return rowsOf(rows).map(toStored);
  }

  /** The merchant's action; undefined for an unknown id or another merchant's action. */
  async getAction(merchantId: string, actionId: string): Promise<StoredWalletAction | undefined> {
    const [rows] = await this.pool.query(`SELECT ${COLUMNS} FROM wallet_actions WHERE id = ? AND merchant_id = ?`, [actionId, merchantId]);
    const [row] = rowsOf(rows);
    return row === undefined ? undefined : toStored(row);
  }

  /** The void of `actionId`, if one was recorded (whoever's key it came with). */
  async findVoidOf(actionId: string): Promise<StoredWalletAction | undefined> {
    const [rows] = await this.pool.query(`SELECT ${COLUMNS} FROM wallet_actions WHERE voids_action_id = ?`, [actionId]);
    const [row] = rowsOf(rows);
    return row === undefined ? undefined : toStored(row);
  }
}
