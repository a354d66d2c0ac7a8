import { withTransaction } from '../../storage/mysql';
import { TOPICS, toMessage } from '../../schemas';
import { claimInbox } from '../../storage/inbox';
import { appendOutbox, type OutboxMessage } from '../../storage/outbox';
import type { DecodedMessage, Processor } from '../runtime';
import { accountIdsToLock, planLedgerBatch, saleAccountSpecs, validateCommand, type LedgerPlan } from './ledger.core';
import { classifyStorageError, LedgerError } from './ledger.errors';
import { ensureAccounts, findCreditedOrders, insertTransactions, lockAccounts, lockTransactions, saveBalances, updateStatuses } from './ledger.store';
import { resolveLedgerProcessorOptions } from './options';
import type { LedgerCommand, LedgerProcessorDeps } from './types';

/** The processor's name: its consumer group, inbox consumer and outbox producer. */
export const LEDGER_PROCESSOR_NAME = 'ledger';

const KNOWN_ACCOUNTS_LIMIT = 100_000;

/**
 * The wallet ledger: credits sales (`PaymentCompleted` → a HELD SALE transaction, `WalletUpdated` +
 * `OrderCompleted`), fails declined orders (`PaymentFailed` → `OrderCompleted` FAILED) and settles
 * holds on the ERP's verdict (`ErpConfirmation` → POSTED or REJECTED, `WalletUpdated`).
 *
 * One MySQL transaction (READ COMMITTED, see `withTransaction`) per batch: claim the inbox; lock the named transactions, then every touched
 * account in id order (one statement each); plan the batch in memory in event order (`ledger.core`);
 * write it set-based (one multi-row statement per table, one status update per target status); append
 * the outputs to the outbox; commit; publish.
 *
 * Duplicates change nothing and publish nothing new: a redelivered event is stopped by the inbox; a
 * second `PaymentCompleted` for an already credited order (another event id) is skipped (the first
 * one's outputs were committed with it and are published by the outbox); an ERP verdict on a
 * transaction that is no longer HELD is skipped. A lock conflict (deadlock, lock wait timeout) throws
 * a retryable `LEDGER_LOCK_CONFLICT`.
 */
export function createLedgerProcessor(deps: LedgerProcessorDeps): Processor {
  const { feeBps } = resolveLedgerProcessorOptions(deps.options);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ processor: LEDGER_PROCESSOR_NAME });
  // Accounts are never deleted: once seen, a batch need not ask for them again (bounded memory).
  const knownAccounts = new Set<string>();

  async function ensureSaleAccounts(commands: readonly LedgerCommand[]): Promise<void> {
    const specs = commands.flatMap((c) => (c.type === 'PaymentCompleted' ? saleAccountSpecs(c.event) : [])).filter((s) => !knownAccounts.has(s.id));
    if (specs.length === 0) return;
    await ensureAccounts(deps.pool, specs);
    if (knownAccounts.size + specs.length > KNOWN_ACCOUNTS_LIMIT) knownAccounts.clear();
    for (const spec of specs) knownAccounts.add(spec.id);
  }

  async function apply(commands: readonly LedgerCommand[]): Promise<{ messages: OutboxMessage[]; plan: LedgerPlan | null }> {
    const at = now();
    return withTransaction(deps.pool, async (connection) => {
      const fresh = await claimInbox(connection, LEDGER_PROCESSOR_NAME, commands.map((c) => c.source.eventId));
      const todo = commands.filter((c) => fresh.has(c.source.eventId));
      if (todo.length === 0) return { messages: [], plan: null };
      // Transactions first, then accounts: one lock order for every ledger batch.
      const transactions = await lockTransactions(
        connection,
        todo.flatMap((c) => (c.type === 'ErpConfirmation' ? [c.event.ledgerTransactionId] : [])),
      );
      const creditedOrders = await findCreditedOrders(
        connection,
        todo.flatMap((c) => (c.type === 'ErpConfirmation' ? [] : [c.event.orderId])),
      );
      const accounts = await lockAccounts(connection, accountIdsToLock(todo, transactions));
      const plan = planLedgerBatch(todo, { accounts, transactions, creditedOrders }, { feeBps, now: at });
      await insertTransactions(connection, plan.transactions);
      await saveBalances(connection, plan.accounts, at);
      await updateStatuses(connection, plan.statusChanges);
      const messages = plan.outputs.map((output) => ({ ...toMessage(deps.codec, output), topic: output.topic }));
      await appendOutbox(connection, LEDGER_PROCESSOR_NAME, messages);
      return { messages, plan };
    });
  }

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const commands = toCommands(batch);
    if (commands.length === 0) return;
    let applied: Awaited<ReturnType<typeof apply>>;
    try {
      await ensureSaleAccounts(commands);
      applied = await apply(commands);
    } catch (err) {
      throw classifyStorageError(err);
    }
    const { messages, plan } = applied;
    if (plan === null) {
      log.debug({ events: commands.length }, 'batch already handled');
      return;
    }
    for (const skip of plan.skipped) log.warn(skip, 'event changed nothing');
    log.info(
      { events: commands.length, transactions: plan.transactions.length, settled: plan.statusChanges.length, outputs: messages.length },
      'ledger batch committed',
    );
    try {
      await deps.outbox.publish(messages);
    } catch (err) {
      // Committed in the outbox: the relay publishes them; redelivery would find the inbox claimed.
      log.warn({ err, outputs: messages.length }, 'publishing after commit failed; the outbox relay will publish');
    }
  }

  return { name: LEDGER_PROCESSOR_NAME, topics: [TOPICS.paymentsCompleted, TOPICS.erpConfirmations], handle };
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
      default:
        throw new LedgerError('LEDGER_UNEXPECTED_EVENT', `unexpected ${message.type} on ${message.topic}`);
    }
    validateCommand(command);
    commands.push(command);
  }
  return commands;
}
