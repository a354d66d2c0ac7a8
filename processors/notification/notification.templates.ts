import { formatMinor } from '../../money';
import type { HoldStatus, WalletUpdateCause, WalletUpdated } from '../../schemas';
import type { BalanceThreshold, MerchantContact, RenderedNotification, TemplateName, ThresholdTemplate, WalletChangeTemplate } from './types';

/**
 * Which template a wallet change calls for, if any: a sale credited (held), a balance action
 * confirmed by the ERP (posted), or any change the ERP rejected. Opening balances are bookkeeping,
 * not something the merchant did, and a sale's posting repeats what its credit already said.
 */
export function templateFor(event: WalletUpdated): WalletChangeTemplate | undefined {
  if (event.cause === 'SALE' && event.status === 'HELD') return 'sale-credited';
  if (event.status === 'POSTED' && event.cause !== 'SALE' && event.cause !== 'OPENING_BALANCE') return 'action-posted';
  if (event.status === 'REJECTED') return 'action-rejected';
  return undefined;
}

const LABEL: Readonly<Record<WalletUpdateCause, string>> = {
  SALE: 'sale',
  TOP_UP: 'top-up',
  USAGE: 'usage charge',
  TRANSFER_IN: 'incoming transfer',
  TRANSFER_OUT: 'transfer',
  VOID: 'void',
  OPENING_BALANCE: 'opening balance',
};

/** Longest rejection reason quoted in an SMS (the body stays far below the provider's limit). */
const SMS_REASON_MAX = 160;

/**
 * A wallet change's email and SMS. `amountMinor` is the amount to quote (default {@link amountOf});
 * null when it is not known (an action rejected at request moves nothing and its event carries no
 * amount): the text then names the action without an amount.
 */
export function renderNotification(
  template: WalletChangeTemplate,
  event: WalletUpdated,
  merchant: MerchantContact,
  amountMinor: number | null = amountOf(event),
): RenderedNotification {
  const amount = amountMinor === null ? null : formatMoney(amountMinor, event.currency);
  const balance = formatMoney(event.balances.shadowMinor, event.currency);
  const label = LABEL[event.cause];
  const subjectLabel = label.charAt(0).toUpperCase() + label.slice(1);
  const what = amount === null ? label : `${label} of ${amount}`;
  const ref = referenceOf(event);
  const balanceLine = `New balance: ${balance} (available to spend now: ${formatMoney(event.balances.availableMinor, event.currency)}).`;

  let subject: string;
  let lines: string[];
  let sms: string;
  switch (template) {
    case 'sale-credited':
      subject = amount === null ? 'Sale credited' : `Sale credited: ${amount}`;
      lines = [`A ${what} was credited to your wallet for ${ref}.`, balanceLine, 'The sale is pending until it is confirmed.'];
      sms = `paystream: ${what} credited for ${ref}. Balance ${balance}.`;
      break;
    case 'action-posted':
      subject = amount === null ? `${subjectLabel} confirmed` : `${subjectLabel} confirmed: ${amount}`;
      lines = [`Your ${what} (${ref}) was confirmed.`, balanceLine];
      sms = `paystream: ${what} confirmed (${ref}). Balance ${balance}.`;
      break;
    case 'action-rejected': {
      const reason = event.reason ?? 'no reason given';
      // Rejected at request, the action held nothing (no journal lines); rejected by the ERP, its hold was released.
      const outcome = event.lines.length === 0 ? 'Your balance did not change.' : 'The amount was released.';
      subject = amount === null ? `${subjectLabel} rejected` : `${subjectLabel} rejected: ${amount}`;
      lines = [`Your ${what} (${ref}) was rejected: ${reason}.`, outcome, balanceLine];
      sms = `paystream: ${what} rejected (${cut(reason, SMS_REASON_MAX)}). Balance ${balance}.`;
      break;
    }
  }
  return compose(template, merchant, event, { subject, lines, sms });
}

/** What a wallet change was, in a sentence's words: `confirmed`, `pending confirmation`… */
const STATUS_WORDS: Readonly<Record<HoldStatus, string>> = {
  HELD: 'pending confirmation',
  POSTED: 'confirmed',
  RELEASED: 'released',
  REJECTED: 'rejected',
  VOIDED: 'voided',
};

/**
 * A balance monitor's alert: the wallet's shadow balance after `event` went below `threshold`
 * (direction BELOW) or reached or rose above it (direction ABOVE). `amountMinor` as in `renderNotification`.
 */
export function renderThresholdNotification(
  threshold: BalanceThreshold,
  event: WalletUpdated,
  merchant: MerchantContact,
  amountMinor: number | null = amountOf(event),
): RenderedNotification {
  const balance = formatMoney(event.balances.shadowMinor, event.currency);
  const limit = formatMoney(threshold.thresholdMinor, event.currency);
  const what = amountMinor === null ? LABEL[event.cause] : `${LABEL[event.cause]} of ${formatMoney(amountMinor, event.currency)}`;
  const change = `Last change: ${what} (${referenceOf(event)}), ${STATUS_WORDS[event.status]}.`;
  const available = `Available to spend now: ${formatMoney(event.balances.availableMinor, event.currency)}.`;
  const below = threshold.direction === 'BELOW';
  const template: ThresholdTemplate = below ? 'balance-below' : 'balance-above';
  return compose(template, merchant, event, {
    subject: below ? `Balance below ${limit}: ${balance}` : `Balance reached ${limit}: ${balance}`,
    lines: [`Your wallet balance is ${balance}, ${below ? 'below' : 'at or above'} the alert threshold of ${limit} you set.`, change, available],
    sms: `paystream: balance ${balance} ${below ? 'is below' : 'reached'} your alert threshold of ${limit} (wallet ${event.walletId}).`,
  });
}

function referenceOf(event: WalletUpdated): string {
  return event.orderId !== null ? `order ${event.orderId}` : event.actionId !== null ? `action ${event.actionId}` : `transaction ${event.ledgerTransactionId}`;
}

/** The email (text and HTML, with greeting and footer) and the SMS of a notification. */
function compose(
  template: TemplateName,
  merchant: MerchantContact,
  event: WalletUpdated,
  content: { subject: string; lines: readonly string[]; sms: string },
): RenderedNotification {
  const footer = [`Wallet: ${event.walletId}`, `Reference: ${event.ledgerTransactionId}`];
  const greeting = `Hello ${merchant.name},`;
  const text = [greeting, '', ...content.lines, '', ...footer, '', 'paystream'].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${content.lines.map(escapeHtml).join('<br>')}</p>`,
    `<p style="color:#666">${footer.map(escapeHtml).join('<br>')}</p>`,
    '<p>paystream</p>',
  ].join('\n');
  return { template, email: { subject: content.subject, text, html }, sms: { body: content.sms } };
}

/**
 * The amount the action moved on this wallet: its journal line (a posting or rejection changes the
 * shadow balance by 0 or by the opposite, so `amountMinor` alone would mislead), else the change.
 * 0 for an action rejected at request (no lines, no change): see `renderNotification`.
 */
export function amountOf(event: WalletUpdated): number {
  const line = event.lines.filter((l) => l.account === event.walletId).reduce((sum, l) => sum + l.amountMinor, 0);
  return Math.abs(line !== 0 ? line : event.amountMinor);
}

/** `2438, 'USD'` → `USD 24.38` (the messages' style). */
export function formatMoney(amountMinor: number, currency: string): string {
  return `${currency} ${formatMinor(amountMinor, currency)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
