import { withTransaction, type PoolConnection } from '../../storage/mysql';
import { TOPICS, toMessage } from '../../schemas';
import { readInbox, recordInbox } from '../../storage/inbox';
import type { OutboxMessage } from '../../storage/outbox';
import { skipRecentlyPublished, type DecodedMessage, type Processor } from '../runtime';
import type { LedgerSnapshot } from './ledger.batch';
import { accountLockPlan, actionIdsToLock, planLedgerBatch, saleAccountSpecs, transactionIdsToLock, validateCommand, type LedgerPlan } from './ledger.core';
import { classifyStorageError, LedgerError } from './ledger.errors';
import {
  ensureAccounts,
  findCreditedOrders,
  findPoolChildren,
  findPools,
  insertTransactions,
  lockAccounts,
  lockTransactions,
  requireAccounts,
  saveBalances,
  addSystemBalances,
  updateStatuses,
} from './ledger.store';
import { resolveLedgerProcessorOptions } from './options';
import type { AccountState, LedgerCommand, LedgerProcessorDeps } from './types';
import { actionAccountSpecs } from './wallet-actions.core';
import { lockActions, updateActions } from './wallet-actions.store';

/** The processor's name: its consumer group and inbox consumer. */
export const LEDGER_PROCESSOR_NAME = 'ledger';

const KNOWN_ACCOUNTS_LIMIT = 100_000;

/**
 * The wallet ledger: credits sales (`PaymentCompleted` → a HELD SALE transaction, `WalletUpdated` +
 * `OrderCompleted`), fails declined orders (`PaymentFailed` → `OrderCompleted` FAILED), decides
 * balance actions (`BalanceActionRequested` → a HELD transaction or a rejection, `WalletUpdated` per
 * wallet; see `wallet-actions.core`) and settles holds on the ERP's verdict (`ErpConfirmation` →
 * POSTED or REJECTED, the action POSTED or RELEASED, `WalletUpdated`).
 *
 * One MySQL transaction (READ COMMITTED, see `withTransaction`) per batch: read the inbox; lock the
 * named ledger transactions, then the `wallet_actions` rows, then every touched account (with the
 * whole enterprise pool of each wallet an action names) in id order, one statement each; plan the
 * batch in memory in event order (`ledger.core`); write it set-based (one multi-row statement per
 * table, one status update per target status, one update of all changed actions) after an inbox row
 * per event that holds the outputs it caused; commit; publish, before the batch is acknowledged.
 *
 * Duplicates change nothing and publish nothing new: a redelivered event is stopped by the inbox,
 * and the outputs recorded with it are published again unless this process published them itself
 * (a crash or a failed publish may have kept them from going out; downstream dedupes them by id); a
 * second `PaymentCompleted` for an already credited order (another event id) is skipped (the first
 * one published the outputs); an action that is no longer PENDING is skipped; an ERP verdict on a transaction that is no longer HELD is skipped. A lock
 * conflict (deadlock, lock wait timeout) throws a retryable `LEDGER_LOCK_CONFLICT`.
 */
export function createLedgerProcessor(deps: LedgerProcessorDeps): Processor {
  const { feeBps } = resolveLedgerProcessorOptions(deps.options);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: LEDGER_PROCESSOR_NAME });
  const publish = skipRecentlyPublished(deps.publish);
  // Accounts are never deleted: once seen, a batch need not ask for them again (bounded memory).
  const knownAccounts = new Set<string>();

  /** Creates the sale accounts and the system accounts of actions that do not exist yet. */
  async function ensureBatchAccounts(commands: readonly LedgerCommand[]): Promise<void> {
    const specs = commands
      .flatMap((c) => (c.type === 'PaymentCompleted' ? saleAccountSpecs(c.event) : c.type === 'BalanceActionRequested' ? actionAccountSpecs(c.event) : []))
      .filter((s) => !knownAccounts.has(s.id));
    if (specs.length === 0) return;
    await ensureAccounts(deps.pool, specs);
    if (knownAccounts.size + specs.length > KNOWN_ACCOUNTS_LIMIT) knownAccounts.clear();
    for (const spec of specs) knownAccounts.add(spec.id);
  }

  /** Applies the batch; `messages` are its outputs and those recorded with the events handled before. */
  async function apply(commands: readonly LedgerCommand[]): Promise<{ messages: OutboxMessage[]; again: number; plan: LedgerPlan | null }> {
    const at = now();
    return withTransaction(deps.pool, async (connection, writes) => {
      const seen = await readInbox(connection, LEDGER_PROCESSOR_NAME, commands.map((c) => c.source.eventId));
      const again = [...seen.values()].flat();
      const todo = commands.filter((c) => !seen.has(c.source.eventId));
      if (todo.length === 0) return { messages: again, again: again.length, plan: null };
      const snapshot = await lockBatch(connection, todo);
      // System accounts were read unlocked: what the batch adds to them is written as increments, last.
      const systemBefore = new Map(
        [...snapshot.accounts.values()].filter((a) => a.kind === 'system').map((a) => [a.id, { posted: a.postedMinor, pendingIn: a.pendingInMinor, pendingOut: a.pendingOutMinor }]),
      );
      const plan = planLedgerBatch(todo, snapshot, { feeBps, now: at });
      const messages = plan.outputs.map((output) => ({ ...toMessage(deps.codec, output), topic: output.topic }));
      // The writes go with the COMMIT in one round trip: the inbox first, the system increments last (shortest lock).
      await recordInbox(
        writes,
        LEDGER_PROCESSOR_NAME,
        todo.map((c) => c.source.eventId),
        messages,
        new Date(at),
      );
      await insertTransactions(writes, plan.transactions);
      await saveBalances(
        writes,
        plan.accounts.filter((a) => a.kind !== 'system'),
        at,
      );
      await updateStatuses(writes, plan.statusChanges);
      await updateActions(writes, plan.actionUpdates);
      await addSystemBalances(
        writes,
        plan.accounts
          .filter((a) => a.kind === 'system')
          .map((a) => {
            const before = systemBefore.get(a.id) ?? { posted: 0n, pendingIn: 0n, pendingOut: 0n };
            return { id: a.id, postedMinor: a.postedMinor - before.posted, pendingInMinor: a.pendingInMinor - before.pendingIn, pendingOutMinor: a.pendingOutMinor - before.pendingOut };
          }),
        at,
      );
      return { messages: [...again, ...messages], again: again.length, plan };
    });
  }

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const commands = toCommands(batch);
    if (commands.length === 0) return;
    let applied: Awaited<ReturnType<typeof apply>>;
    try {
      await ensureBatchAccounts(commands);
      applied = await apply(commands);
    } catch (err) {
      throw classifyStorageError(err);
    }
    const { messages, again, plan } = applied;
    if (plan === null) {
      log.debug({ events: commands.length, republished: again }, 'batch already handled; its outputs published again');
      await publish(messages);
      return;
    }
    for (const skip of plan.skipped) log.warn(skip, 'event changed nothing');
    log.info(
      { events: commands.length, transactions: plan.transactions.length, settled: plan.statusChanges.length, actions: plan.actionUpdates.length, outputs: messages.length, republished: again },
      'ledger batch committed',
    );
    await publish(messages);
  }

  return { name: LEDGER_PROCESSOR_NAME, topics: [TOPICS.paymentsCompleted, TOPICS.balanceActions, TOPICS.erpConfirmations], handle };
}

/**
 * Locks what the batch reads, always in one order: ledger transactions, then actions, then accounts
 * (each set in id order, one statement). Enterprise pools: the pools of the wallets actions name are
 * found first (a plain read: parents never change), locked with the rest, then checked again under
 * the lock, because a child created in between (`createWallet` locks the parent) must count too.
 */
async function lockBatch(connection: PoolConnection, commands: readonly LedgerCommand[]): Promise<LedgerSnapshot> {
  const transactions = await lockTransactions(connection, transactionIdsToLock(commands));
  const actions = await lockActions(connection, actionIdsToLock(commands, transactions));
  const creditedOrders = await findCreditedOrders(
    connection,
    commands.flatMap((c) => (c.type === 'PaymentCompleted' || c.type === 'PaymentFailed' ? [c.event.orderId] : [])),
  );
  const lockPlan = accountLockPlan(commands, transactions);
  const pools = await findPools(connection, lockPlan.poolSeeds);
  const accounts = await lockAccounts(connection, [...lockPlan.required, ...lockPlan.wallets, ...pools.tops, ...pools.children]);
  if (pools.tops.length > 0) {
    const late = (await findPoolChildren(connection, pools.tops)).filter((id) => !accounts.has(id));
    // Rare (a child created between the read and the lock); may deadlock, which is retried.
    for (const [id, account] of await lockAccounts(connection, late)) accounts.set(id, account);
  }
  requireAccounts(accounts, lockPlan.required);
  return { accounts, transactions, creditedOrders, actions, pools: poolsOf(accounts, pools.tops) };
}

/** Each enterprise pool the batch locked: its top-level wallet and all its children. */
function poolsOf(accounts: ReadonlyMap<string, AccountState>, tops: readonly string[]): Map<string, string[]> {
  const pools = new Map<string, string[]>(tops.filter((id) => accounts.has(id)).map((id) => [id, []]));
  for (const account of accounts.values()) {
    if (account.parentAccountId !== null) pools.get(account.parentAccountId)?.push(account.id);
  }
  return pools;
}

/** The batch as commands, each input event once, in batch order; throws on an event the ledger does not handle. */
function toCommands(batch: readonly DecodedMessage[]): LedgerCommand[] {
  const seen = new Set<string>();
  const commands: LedgerCommand[] = [];
  for (const message of batch) {
    const eventId = message.headers.eventId;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    const correlationId = message.headers.correlationId;
    let command: LedgerCommand;
    switch (message.type) {
      case 'PaymentCompleted':
        command = { type: message.type, event: message.event, source: { eventId, correlationId: correlationId || message.event.orderId } };
        break;
      case 'PaymentFailed':
        command = { type: message.type, event: message.event, source: { eventId, correlationId: correlationId || message.event.orderId } };
        break;
      case 'ErpConfirmation':
        command = { type: message.type, event: message.event, source: { eventId, correlationId: correlationId || message.event.ledgerTransactionId } };
        break;
      case 'BalanceActionRequested':
        command = { type: message.type, event: message.event, source: { eventId, correlationId: correlationId || message.event.actionId } };
        break;
      default:
        throw new LedgerError('LEDGER_UNEXPECTED_EVENT', `unexpected ${message.type} on ${message.topic}`);
    }
    validateCommand(command);
    commands.push(command);
  }
  return commands;
}
