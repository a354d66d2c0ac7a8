/**
 * After a run has drained: did every order the pipeline accepted take effect exactly once? Pure: the
 * facts come from MySQL (`verify.queries.ts`), the answers from the load generator.
 */
import type { AnswerCode } from './types';

/**
 * Audit-log rows counted per order. `WalletUpdated` is the sale's HELD update; `WalletSettled` a later
 * WalletUpdated of the same sale (POSTED once the ERP confirmed it); `ErpConfirmation` that
 * confirmation, where erp-sync runs.
 */
export const LOGGED_EVENT_TYPES = [
  'OrderSubmitted',
  'PaymentCompleted',
  'PaymentFailed',
  'WalletUpdated',
  'WalletSettled',
  'ErpConfirmation',
  'OrderCompleted',
  'NotificationDelivered',
] as const;
export type LoggedEventType = (typeof LOGGED_EVENT_TYPES)[number];
export type LogCounts = Record<LoggedEventType, number>;

export type FinalStatus = 'COMPLETED' | 'FAILED';

/** How many of something an order must leave: at least `min`, at most `max`. */
export interface Expected {
  min: number;
  max: number;
}

const exactly = (n: number): Expected => ({ min: n, max: n });

/**
 * What one order should have left behind once everything drained. A sale's settlement (ERP
 * confirmation, POSTED update) may or may not have happened yet, but at most once.
 */
export function expectedEffects(status: FinalStatus): { ledgerTransactions: Expected; notifications: Expected; logs: Record<LoggedEventType, Expected> } {
  const completed = status === 'COMPLETED' ? 1 : 0;
  return {
    ledgerTransactions: exactly(completed),
    // One email and one SMS about the credited sale.
    notifications: exactly(2 * completed),
    logs: {
      OrderSubmitted: exactly(1),
      PaymentCompleted: exactly(completed),
      PaymentFailed: exactly(1 - completed),
      WalletUpdated: exactly(completed),
      WalletSettled: { min: 0, max: completed },
      ErpConfirmation: { min: 0, max: completed },
      OrderCompleted: exactly(1),
      NotificationDelivered: exactly(2 * completed),
    },
  };
}

/** One answer the load generator got (COMPLETED, FAILED or PENDING). */
export interface AnsweredOrder {
  orderId: string;
  status: AnswerCode;
  /** As answered; 0 unless COMPLETED. */
  netMinor: number;
}

export interface WalletRow {
  walletId: string;
  postedMinor: number;
  pendingInMinor: number;
  pendingOutMinor: number;
}

/** What MySQL holds after the run; maps are keyed by order id (log and notification counts by correlation id). */
export interface RunFacts {
  /** order_requests: order id → merchant id. */
  requests: ReadonlyMap<string, string>;
  payments: ReadonlyMap<string, 'CAPTURED' | 'DECLINED'>;
  ledgerTransactions: ReadonlyMap<string, number>;
  /** The logger's orders projection. */
  projection: ReadonlyMap<string, { status: 'PENDING' | 'COMPLETED' | 'FAILED'; netMinor: number | null }>;
  logs: ReadonlyMap<string, Partial<LogCounts>>;
  /** Notifications about the sale's HELD WalletUpdated. */
  notifications: ReadonlyMap<string, number>;
  /** Default wallet of each merchant that has one. */
  wallets: ReadonlyMap<string, WalletRow>;
  /** Σ (posted + pending_in − pending_out) over every account: the ledger's invariant is 0. */
  sumOfAllAccounts: number;
  /** Ledger transactions whose entries do not sum to zero. */
  unbalancedTransactions: number;
}

export interface BalanceCheck {
  sumOfAllAccounts: number;
  unbalancedTransactions: number;
  walletsChecked: number;
  walletMismatches: number;
  ok: boolean;
}

export interface Verification {
  /** Distinct orders the load generator got an answer for. */
  accepted: number;
  /** Orders recorded by the gateway whose caller got no answer (deadline, connection): checked all the same. */
  unanswered: number;
  /** Orders whose every effect is there exactly once. */
  applied: number;
  /** Orders with an effect missing (including answered orders the gateway has no record of). */
  lost: number;
  /** Orders with an effect more than once (or answered twice under different calls). */
  duplicated: number;
  /** Orders whose answer contradicts what was recorded (answered COMPLETED, declined in MySQL…). */
  inconsistent: number;
  completed: number;
  failed: number;
  balances: BalanceCheck;
  /** The first problems found, for the report. */
  problems: string[];
  ok: boolean;
}

const MAX_PROBLEMS = 20;

/** Checks every order the gateway recorded or answered against what MySQL holds. */
export function verifyRun(answers: readonly AnsweredOrder[], facts: RunFacts): Verification {
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const answered = new Map<string, AnsweredOrder>();
  let duplicated = 0;
  for (const answer of answers) {
    if (answered.has(answer.orderId)) {
      duplicated += 1;
      note(`order ${answer.orderId} was answered to two different calls`);
    } else {
      answered.set(answer.orderId, answer);
    }
  }
  const orderIds = new Set([...answered.keys(), ...facts.requests.keys()]);
  let lost = 0;
  let inconsistent = 0;
  let applied = 0;
  let completed = 0;
  let failed = 0;
  const expectedPendingIn = new Map<string, number>();

  for (const orderId of orderIds) {
    const answer = answered.get(orderId);
    const merchantId = facts.requests.get(orderId);
    const payment = facts.payments.get(orderId);
    const projected = facts.projection.get(orderId);
    const fromPayment: FinalStatus | undefined = payment === undefined ? undefined : payment === 'CAPTURED' ? 'COMPLETED' : 'FAILED';
    const fromAnswer: FinalStatus | undefined = answer?.status === 'C' ? 'COMPLETED' : answer?.status === 'F' ? 'FAILED' : undefined;
    const status = fromAnswer ?? fromPayment;
    let isLost = false;
    let isDuplicated = false;
    let isInconsistent = false;

    if (merchantId === undefined) {
      isLost = true;
      note(`order ${orderId} was answered but the gateway has no order_requests row`);
    }
    if (status === undefined) {
      isLost = true;
      note(`order ${orderId} never reached a final status (no payment recorded)`);
    } else {
      if (status === 'COMPLETED') completed += 1;
      else failed += 1;
      if (fromAnswer !== undefined && fromPayment !== undefined && fromAnswer !== fromPayment) {
        isInconsistent = true;
        note(`order ${orderId} was answered ${fromAnswer} but its payment says ${fromPayment}`);
      }
      if (fromPayment === undefined) {
        isLost = true;
        note(`order ${orderId} (${status}) has no payments row`);
      }
      if (projected === undefined || projected.status === 'PENDING') {
        isLost = true;
        note(`order ${orderId} (${status}) is ${projected === undefined ? 'missing from' : 'PENDING in'} the orders projection`);
      } else if (projected.status !== status) {
        isInconsistent = true;
        note(`order ${orderId} is ${status} but ${projected.status} in the orders projection`);
      }
      const expected = expectedEffects(status);
      const compare = (what: string, actual: number, wanted: Expected): void => {
        const range = wanted.min === wanted.max ? String(wanted.min) : `${wanted.min}-${wanted.max}`;
        if (actual < wanted.min) {
          isLost = true;
          note(`order ${orderId} (${status}): ${what} ${actual}, expected ${range}`);
        } else if (actual > wanted.max) {
          isDuplicated = true;
          note(`order ${orderId} (${status}): ${what} ${actual}, expected ${range}`);
        }
      };
      compare('ledger transactions', facts.ledgerTransactions.get(orderId) ?? 0, expected.ledgerTransactions);
      compare('notifications', facts.notifications.get(orderId) ?? 0, expected.notifications);
      const logs = facts.logs.get(orderId) ?? {};
      for (const type of LOGGED_EVENT_TYPES) compare(`${type} log rows`, logs[type] ?? 0, expected.logs[type]);

      if (status === 'COMPLETED' && merchantId !== undefined) {
        const net = answer?.status === 'C' ? answer.netMinor : (projected?.netMinor ?? 0);
        expectedPendingIn.set(merchantId, (expectedPendingIn.get(merchantId) ?? 0) + net);
      }
    }
    if (isLost) lost += 1;
    if (isDuplicated) duplicated += 1;
    if (isInconsistent) inconsistent += 1;
    if (!isLost && !isDuplicated && !isInconsistent) applied += 1;
  }

  const balances = checkBalances(facts, expectedPendingIn, note);
  const unanswered = [...facts.requests.keys()].filter((id) => !answered.has(id)).length;
  return {
    accepted: answered.size,
    unanswered,
    applied,
    lost,
    duplicated,
    inconsistent,
    completed,
    failed,
    balances,
    problems,
    ok: lost === 0 && duplicated === 0 && inconsistent === 0 && balances.ok,
  };
}

/**
 * The ledger adds up: the accounts sum to zero, every transaction balances, and each merchant's
 * wallet holds the nets of its completed sales (pending_in, plus posted once an ERP confirmed them).
 */
function checkBalances(facts: RunFacts, expectedPendingIn: ReadonlyMap<string, number>, note: (problem: string) => void): BalanceCheck {
  let walletMismatches = 0;
  let walletsChecked = 0;
  const merchants = new Set([...expectedPendingIn.keys(), ...facts.requests.values()]);
  for (const merchantId of merchants) {
    const wallet = facts.wallets.get(merchantId);
    const expected = expectedPendingIn.get(merchantId) ?? 0;
    walletsChecked += 1;
    if (wallet === undefined) {
      walletMismatches += 1;
      note(`merchant ${merchantId} has no default wallet`);
    } else if (wallet.pendingInMinor + wallet.postedMinor !== expected || wallet.pendingOutMinor !== 0) {
      // Sales are credited HELD (pending_in); an ERP confirmation, where one runs, moves them to posted.
      walletMismatches += 1;
      note(
        `wallet ${wallet.walletId}: pending_in ${wallet.pendingInMinor} (expected the sum of nets ${expected}), pending_out ${wallet.pendingOutMinor}, posted ${wallet.postedMinor}`,
      );
    }
  }
  if (facts.sumOfAllAccounts !== 0) note(`the accounts sum to ${facts.sumOfAllAccounts}, not 0`);
  if (facts.unbalancedTransactions !== 0) note(`${facts.unbalancedTransactions} ledger transaction(s) whose entries do not sum to 0`);
  return {
    sumOfAllAccounts: facts.sumOfAllAccounts,
    unbalancedTransactions: facts.unbalancedTransactions,
    walletsChecked,
    walletMismatches,
    ok: walletMismatches === 0 && facts.sumOfAllAccounts === 0 && facts.unbalancedTransactions === 0,
  };
}
