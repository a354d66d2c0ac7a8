/**
 * How a ledger transaction becomes an ERP journal entry (wallet-path.md "ERP"): one line per ledger
 * entry; a negative entry (a debit of a credit-normal account) is a debit line, a positive one a credit
 * line; the account is the account id, or `<system code>:<currency>` for system accounts. The memo and
 * the lines depend only on the transaction, never on which wallet's WalletUpdated came first, so
 * erp-sync (from the event) and reconciliation (from the ledger tables) build the same entry.
 */
import { debitTotal, type JournalEntryRequest, type JournalLine } from '../../integrations/erp';
import type { JournalLine as LedgerLine, WalletUpdateCause } from '../../schemas';

/** What a journal entry is built from. */
export interface JournalSource {
  ledgerTransactionId: string;
  /** The ledger transaction kind (`ledger_transactions.kind`), e.g. SALE, TRANSFER. */
  kind: string;
  orderId: string | null;
  actionId: string | null;
  currency: string;
  /** Signed, credit-normal ledger entries. */
  lines: readonly LedgerLine[];
  /** When the transaction was made (epoch ms). */
  occurredAt: number;
}

/** The ledger transaction kind a WalletUpdated cause belongs to (both sides of a transfer are one TRANSFER). */
export function transactionKindOf(cause: WalletUpdateCause): string {
  return cause === 'TRANSFER_IN' || cause === 'TRANSFER_OUT' ? 'TRANSFER' : cause;
}

/**
 * The journal entry of a ledger transaction. `systemAccounts` maps system account ids to their
 * `<code>:<currency>` names; other accounts appear under their id.
 */
export function journalEntryOf(source: JournalSource, systemAccounts: ReadonlyMap<string, string>): JournalEntryRequest {
  const lines: JournalLine[] = source.lines
    .filter((line) => line.amountMinor !== 0)
    .map((line) => {
      const account = systemAccounts.get(line.account) ?? line.account;
      return line.amountMinor < 0 ? { account, debitMinor: -line.amountMinor, creditMinor: 0 } : { account, debitMinor: 0, creditMinor: line.amountMinor };
    });
  const refs = [source.orderId === null ? '' : ` order ${source.orderId}`, source.actionId === null ? '' : ` action ${source.actionId}`].join('');
  return {
    externalId: source.ledgerTransactionId,
    memo: `paystream ${source.kind} ${source.ledgerTransactionId}${refs}`.slice(0, 500),
    currency: source.currency,
    lines,
    occurredAt: source.occurredAt,
  };
}

/** The amount an entry moves (its debit total). */
export function entryAmount(entry: JournalEntryRequest): number {
  return debitTotal(entry.lines);
}

/** The name of a system account in journal lines. */
export function systemAccountName(code: string, currency: string): string {
  return `${code}:${currency}`;
}
