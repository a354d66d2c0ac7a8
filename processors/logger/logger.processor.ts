import type { EventMap } from '../../schemas';
import { ALL_TOPICS } from '../../schemas';
import { withTransaction } from '../../storage/mysql';
import type { DecodedMessage, Processor } from '../runtime';
import { insertLogEntries, loggedEventIds } from './log-entries.store';
import { toLogEntry } from './log-entry';
import { LOGGER_DEFAULTS, type LoggerProcessorOptions } from './options';
import { projectOrdersCompleted, projectOrdersSubmitted, projectPaymentsCompleted, projectWalletUpdates } from './projections.store';

/**
 * The audit logger: every event of every topic once in `log_entries`, plus the `orders` and
 * `transactions` projections. One transaction per batch, multi-row statements; `log_entries`'
 * unique event id is the dedupe record, so a redelivered batch changes nothing.
 */
export function createLoggerProcessor(options: LoggerProcessorOptions): Processor {
  const name = options.service ?? LOGGER_DEFAULTS.service;
  const log = options.logger.child({ processor: name });

  async function handle(batch: readonly DecodedMessage[]): Promise<void> {
    const unique = uniqueByEventId(batch);
    if (unique.length === 0) return;
    const loggedAt = new Date();
    const written = await withTransaction(options.pool, async (connection, writes) => {
      const seen = await loggedEventIds(
        connection,
        unique.map((m) => m.headers.eventId),
      );
      const fresh = unique.filter((m) => !seen.has(m.headers.eventId));
      if (fresh.length === 0) return 0;
      // Writes go with the COMMIT in one round trip.
      await insertLogEntries(
        writes,
        fresh.map((m) => toLogEntry(m, loggedAt)),
      );
      const byType = groupByType(fresh);
      await projectOrdersSubmitted(writes, byType.OrderSubmitted, loggedAt);
      await projectPaymentsCompleted(writes, byType.PaymentCompleted, loggedAt);
      await projectOrdersCompleted(writes, byType.OrderCompleted, loggedAt);
      await projectWalletUpdates(writes, byType.WalletUpdated, loggedAt);
      return fresh.length;
    });
    log.debug({ received: batch.length, written, topic: batch[0]?.topic }, 'logged batch');
  }

  return { name, topics: ALL_TOPICS, handle };
}

/** The same message published twice may land in one batch; the first copy stands for both. */
function uniqueByEventId(batch: readonly DecodedMessage[]): DecodedMessage[] {
  const seen = new Set<string>();
  return batch.filter((m) => {
    if (seen.has(m.headers.eventId)) return false;
    seen.add(m.headers.eventId);
    return true;
  });
}

type EventsByType = { [K in keyof EventMap]: EventMap[K][] };

function groupByType(messages: readonly DecodedMessage[]): EventsByType {
  const out: EventsByType = {
    OrderSubmitted: [],
    PaymentCompleted: [],
    PaymentFailed: [],
    BalanceActionRequested: [],
    WalletUpdated: [],
    ErpConfirmation: [],
    OrderCompleted: [],
    NotificationDelivered: [],
  };
  for (const m of messages) {
    // The switch narrows `m.event` to the list's element type, which a computed key cannot.
    switch (m.type) {
      case 'OrderSubmitted':
        out.OrderSubmitted.push(m.event);
        break;
      case 'PaymentCompleted':
        out.PaymentCompleted.push(m.event);
        break;
      case 'PaymentFailed':
        out.PaymentFailed.push(m.event);
        break;
      case 'BalanceActionRequested':
        out.BalanceActionRequested.push(m.event);
        break;
      case 'WalletUpdated':
        out.WalletUpdated.push(m.event);
        break;
      case 'ErpConfirmation':
        out.ErpConfirmation.push(m.event);
        break;
      case 'OrderCompleted':
        out.OrderCompleted.push(m.event);
        break;
      case 'NotificationDelivered':
        out.NotificationDelivered.push(m.event);
        break;
    }
  }
  return out;
}
