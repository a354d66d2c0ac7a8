/**
 * What the benchmark reads back from MySQL: whether the pipeline has drained, the facts the
 * verifier checks, and how many rows an order costs in each table (the database ceiling's mix).
 */
import { num, rowsOf, str, type Pool } from '../../storage/mysql';
import { LOGGED_EVENT_TYPES, type LogCounts, type LoggedEventType, type RunFacts, type WalletRow } from './run.verifier';
import type { ActionKind, ActionRow, ActionStatus, WalletFacts, WalletFigures } from './wallet.verifier';

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [result] = await pool.query(sql, params);
  const row = rowsOf(result)[0];
  return row === undefined ? 0 : num(row, 'n');
}

export interface DrainState {
  /** Orders the gateway has recorded but not yet published. */
  unpublished: number;
  /** Orders recorded since the mark. */
  requests: number;
  /** … of which the logger's projection holds the final status. */
  finalInProjection: number;
  /** Sales credited since the mark. */
  sales: number;
  /** Audit log rows since the mark, and how many there will be once everything is through. */
  logRows: number;
  expectedLogRows: number;
  /** Wallet actions the ledger has not decided yet (0 where the build has no wallet path). */
  undecidedActions: number;
  /** ERP records not yet confirmed or rejected (0 where the build has no erp-sync). */
  unconfirmedAtErp: number;
  drained: boolean;
}

async function hasTable(pool: Pool, table: string): Promise<boolean> {
  return (await count(pool, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table])) > 0;
}

/**
 * Everything since `since` is through the pipeline: published, paid, credited, logged and notified.
 * Every order logs OrderSubmitted, its payment outcome and OrderCompleted; a sale also WalletUpdated
 * and two NotificationDelivered; every wallet action is decided. The time-ranged counts use indexes,
 * so polling stays cheap. (Wallet actions' own log rows have no fixed count: {@link waitForDrain}
 * also waits for the log to stop growing.)
 */
export async function readDrainState(pool: Pool, since: Date): Promise<DrainState> {
  const unpublished = await count(pool, 'SELECT COUNT(*) AS n FROM order_requests WHERE published = 0');
  const requests = await count(pool, 'SELECT COUNT(*) AS n FROM order_requests WHERE published = 1 AND created_at >= ?', [since]);
  const finalInProjection = await count(pool, "SELECT COUNT(*) AS n FROM orders WHERE status IN ('COMPLETED', 'FAILED') AND submitted_at >= ?", [since]);
  const sales = await count(pool, "SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'SALE' AND created_at >= ?", [since]);
  const logRows = await count(pool, 'SELECT COUNT(*) AS n FROM log_entries WHERE produced_at >= ?', [since]);
  const expectedLogRows = 3 * requests + 3 * sales;
  const undecidedActions = (await hasTable(pool, 'wallet_actions'))
    ? await count(pool, "SELECT COUNT(*) AS n FROM wallet_actions WHERE status = 'PENDING' AND created_at >= ?", [since])
    : 0;
  // Where erp-sync runs: ledger transactions still on their way to (or waiting for) the ERP.
  const unconfirmedAtErp = (await hasTable(pool, 'erp_records'))
    ? await count(pool, "SELECT COUNT(*) AS n FROM erp_records WHERE status IN ('PENDING', 'SENT', 'CANCEL_PENDING') AND created_at >= ?", [since])
    : 0;
  return {
    unpublished,
    requests,
    finalInProjection,
    sales,
    logRows,
    expectedLogRows,
    undecidedActions,
    unconfirmedAtErp,
    drained: unpublished === 0 && finalInProjection >= requests && logRows >= expectedLogRows && undecidedActions === 0 && unconfirmedAtErp === 0,
  };
}

/**
 * Polls until drained, with the audit log no longer growing between two polls, or until `timeoutMs`
 * passed; returns the last state and how long it took.
 */
export async function waitForDrain(pool: Pool, since: Date, timeoutMs: number, pollMs = 250): Promise<{ state: DrainState; waitedMs: number }> {
  const started = Date.now();
  let previousLogRows = -1;
  for (;;) {
    const state = await readDrainState(pool, since);
    const waitedMs = Date.now() - started;
    if ((state.drained && state.logRows === previousLogRows) || waitedMs >= timeoutMs) return { state, waitedMs };
    previousLogRows = state.logRows;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Reads every fact {@link verifyRun} checks. The bench database holds only this run's orders. */
export async function collectRunFacts(pool: Pool): Promise<RunFacts> {
  const query = async (sql: string): Promise<ReturnType<typeof rowsOf>> => rowsOf((await pool.query(sql))[0]);

  const requests = new Map<string, string>();
  for (const row of await query('SELECT order_id, merchant_id FROM order_requests')) requests.set(str(row, 'order_id'), str(row, 'merchant_id'));

  const payments = new Map<string, 'CAPTURED' | 'DECLINED'>();
  for (const row of await query('SELECT order_id, outcome FROM payments')) {
    payments.set(str(row, 'order_id'), str(row, 'outcome') === 'CAPTURED' ? 'CAPTURED' : 'DECLINED');
  }

  const ledgerTransactions = new Map<string, number>();
  for (const row of await query('SELECT order_id, COUNT(*) AS n FROM ledger_transactions WHERE order_id IS NOT NULL GROUP BY order_id')) {
    ledgerTransactions.set(str(row, 'order_id'), num(row, 'n'));
  }

  const projection = new Map<string, { status: 'PENDING' | 'COMPLETED' | 'FAILED'; netMinor: number | null }>();
  for (const row of await query('SELECT id, status, net_minor FROM orders')) {
    const status = str(row, 'status');
    projection.set(str(row, 'id'), {
      status: status === 'COMPLETED' || status === 'FAILED' ? status : 'PENDING',
      netMinor: row.net_minor === null ? null : num(row, 'net_minor'),
    });
  }

  // A WalletUpdated is the sale's hold (HELD) or its later settlement: counted apart.
  const held = "JSON_VALUE(payload, '$.status') = 'HELD'";
  const condition = (type: LoggedEventType): string =>
    type === 'WalletUpdated' ? `event_type = 'WalletUpdated' AND ${held}` : type === 'WalletSettled' ? `event_type = 'WalletUpdated' AND NOT (${held})` : `event_type = '${type}'`;
  const columns = LOGGED_EVENT_TYPES.map((type) => `SUM(${condition(type)}) AS \`${type}\``).join(', ');
  const logs = new Map<string, Partial<LogCounts>>();
  for (const row of await query(`SELECT correlation_id, ${columns} FROM log_entries GROUP BY correlation_id`)) {
    const counts: Partial<LogCounts> = {};
    for (const type of LOGGED_EVENT_TYPES) counts[type] = num(row, type);
    logs.set(str(row, 'correlation_id'), counts);
  }

  // A notification names the WalletUpdated event it is about; that event's log row names the order (an
  // unlogged WalletUpdated already counts its order as lost).
  const notifications = new Map<string, number>();
  for (const row of await query(
    `SELECT l.correlation_id, COUNT(*) AS n FROM notifications n JOIN log_entries l ON l.event_id = n.source_event_id
     WHERE l.event_type = 'WalletUpdated' AND JSON_VALUE(l.payload, '$.status') = 'HELD' GROUP BY l.correlation_id`,
  )) {
    notifications.set(str(row, 'correlation_id'), num(row, 'n'));
  }

  const wallets = new Map<string, WalletRow>();
  for (const row of await query('SELECT id, merchant_id, posted_minor, pending_in_minor, pending_out_minor FROM accounts WHERE is_default = 1 AND merchant_id IS NOT NULL')) {
    wallets.set(str(row, 'merchant_id'), {
      walletId: str(row, 'id'),
      postedMinor: num(row, 'posted_minor'),
      pendingInMinor: num(row, 'pending_in_minor'),
      pendingOutMinor: num(row, 'pending_out_minor'),
    });
  }

  const [sumRows] = await pool.query('SELECT COALESCE(SUM(posted_minor + pending_in_minor - pending_out_minor), 0) AS n FROM accounts');
  const sumRow = rowsOf(sumRows)[0];
  const unbalancedTransactions = await count(
    pool,
    'SELECT COUNT(*) AS n FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_minor) <> 0) AS unbalanced',
  );
  return {
    requests,
    payments,
    ledgerTransactions,
    projection,
    logs,
    notifications,
    wallets,
    sumOfAllAccounts: sumRow === undefined ? 0 : num(sumRow, 'n'),
    unbalancedTransactions,
  };
}

/** Tables an order writes to, and how many rows per order the run left in each. */
export type RowMix = Record<string, number>;

/**
 * Rows per order in each table the order path writes. Outbox rows are deleted once published, so
 * their number is counted from the log: the ERP confirmations (the webhook route and erp-sync publish
 * through the outbox; the processors publish what their inbox rows keep).
 */
export async function measureRowMix(pool: Pool): Promise<{ orders: number; mix: RowMix }> {
  const orders = await count(pool, 'SELECT COUNT(*) AS n FROM order_requests');
  const tables = ['order_requests', 'payments', 'inbox', 'ledger_transactions', 'ledger_entries', 'log_entries', 'orders', 'transactions', 'notifications'];
  if (await hasTable(pool, 'erp_records')) tables.push('erp_records');
  const mix: RowMix = {};
  if (orders === 0) return { orders, mix };
  for (const table of tables) mix[table] = (await count(pool, `SELECT COUNT(*) AS n FROM \`${table}\``)) / orders;
  mix.outbox = (await count(pool, "SELECT COUNT(*) AS n FROM log_entries WHERE event_type = 'ErpConfirmation'")) / orders;
  return { orders, mix };
}

const ACTION_KINDS: readonly ActionKind[] = ['TOP_UP', 'USAGE', 'TRANSFER', 'VOID'];
const ACTION_STATUSES: readonly ActionStatus[] = ['PENDING', 'HELD', 'REJECTED', 'POSTED', 'RELEASED', 'VOIDED'];

function oneOf<T extends string>(value: string, allowed: readonly T[], column: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new TypeError(`${column}: unexpected value ${value}`);
  return found;
}

/** The wallet scenario's actions (on `walletIds`), their ledger transactions and the wallets' figures. */
export async function collectWalletFacts(pool: Pool, walletIds: readonly string[]): Promise<WalletFacts> {
  const actions = new Map<string, ActionRow>();
  const ledgerTransactions = new Map<string, number>();
  const wallets = new Map<string, WalletFigures>();
  if (walletIds.length === 0) return { actions, ledgerTransactions, wallets };
  const [actionRows] = await pool.query(
    'SELECT id, kind, status, amount_minor, wallet_id, counterparty_wallet_id FROM wallet_actions WHERE wallet_id IN (?) OR counterparty_wallet_id IN (?)',
    [walletIds, walletIds],
  );
  for (const row of rowsOf(actionRows)) {
    actions.set(str(row, 'id'), {
      kind: oneOf(str(row, 'kind'), ACTION_KINDS, 'wallet_actions.kind'),
      status: oneOf(str(row, 'status'), ACTION_STATUSES, 'wallet_actions.status'),
      amountMinor: row.amount_minor === null ? null : num(row, 'amount_minor'),
      walletId: str(row, 'wallet_id'),
      counterpartyWalletId: row.counterparty_wallet_id === null ? null : str(row, 'counterparty_wallet_id'),
    });
  }
  const [ledgerRows] = await pool.query(
    'SELECT action_id, COUNT(*) AS n FROM ledger_transactions WHERE action_id IS NOT NULL AND wallet_id IN (?) GROUP BY action_id',
    [walletIds],
  );
  for (const row of rowsOf(ledgerRows)) ledgerTransactions.set(str(row, 'action_id'), num(row, 'n'));
  const [walletRows] = await pool.query('SELECT id, posted_minor, pending_in_minor, pending_out_minor FROM accounts WHERE id IN (?)', [walletIds]);
  for (const row of rowsOf(walletRows)) {
    wallets.set(str(row, 'id'), { postedMinor: num(row, 'posted_minor'), pendingInMinor: num(row, 'pending_in_minor'), pendingOutMinor: num(row, 'pending_out_minor') });
  }
  return { actions, ledgerTransactions, wallets };
}
