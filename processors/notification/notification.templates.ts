import { minorUnitExponent } from '../../money';
import type { WalletUpdateCause, WalletUpdated } from '../../schemas';
import type { MerchantContact, RenderedNotification, TemplateName } from './types';

/**
 * Which template a wallet change calls for, if any: a sale credited (held), a balance action
 * confirmed by the ERP (posted), or any change the ERP rejected. Opening balances are bookkeeping,
 * not something the merchant did, and a sale's posting repeats what its credit already said.
 */
export function templateFor(event: WalletUpdated): TemplateName | undefined {
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

export function renderNotification(template: TemplateName, event: WalletUpdated, merchant: MerchantContact): RenderedNotification {
  const amount = formatMoney(amountOf(event), event.currency);
  const balance = formatMoney(event.balances.shadowMinor, event.currency);
  const available = formatMoney(event.balances.availableMinor, event.currency);
  const label = LABEL[event.cause];
  const subjectLabel = label.charAt(0).toUpperCase() + label.slice(1);
  const ref = event.orderId !== null ? `order ${event.orderId}` : event.actionId !== null ? `action ${event.actionId}` : `transaction ${event.ledgerTransactionId}`;
  const balanceLine = `New balance: ${balance} (available to spend now: ${available}).`;
  const footer = [`Wallet: ${event.walletId}`, `Reference: ${event.ledgerTransactionId}`];

  let subject: string;
  let lines: string[];
  let sms: string;
  switch (template) {
    case 'sale-credited':
      subject = `Sale credited: ${amount}`;
      lines = [`A sale of ${amount} was credited to your wallet for ${ref}.`, balanceLine, 'The sale is pending until it is confirmed.'];
      sms = `paystream: sale of ${amount} credited for ${ref}. Balance ${balance}.`;
      break;
    case 'action-posted':
      subject = `${subjectLabel} confirmed: ${amount}`;
      lines = [`Your ${label} of ${amount} (${ref}) was confirmed.`, balanceLine];
      sms = `paystream: ${label} of ${amount} confirmed (${ref}). Balance ${balance}.`;
      break;
    case 'action-rejected': {
      const reason = event.reason ?? 'no reason given';
      subject = `${subjectLabel} rejected: ${amount}`;
      lines = [`Your ${label} of ${amount} (${ref}) was rejected: ${reason}.`, 'The amount was released.', balanceLine];
      sms = `paystream: ${label} of ${amount} rejected (${cut(reason, SMS_REASON_MAX)}). Balance ${balance}.`;
      break;
    }
  }
  const greeting = `Hello ${merchant.name},`;
  const text = [greeting, '', ...lines, '', ...footer, '', 'paystream'].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${lines.map(escapeHtml).join('<br>')}</p>`,
    `<p style="color:#666">${footer.map(escapeHtml).join('<br>')}</p>`,
    '<p>paystream</p>',
  ].join('\n');
  return { template, email: { subject, text, html }, sms: { body: sms } };
}

/**
 * The amount the action moved on this wallet: its journal line (a posting or rejection changes the
 * shadow balance by 0 or by the opposite, so `amountMinor` alone would mislead), else the change.
 */
export function amountOf(event: WalletUpdated): number {
  const line = event.lines.filter((l) => l.account === event.walletId).reduce((sum, l) => sum + l.amountMinor, 0);
  return Math.abs(line !== 0 ? line : event.amountMinor);
}

/** `2438, 'USD'` → `USD 24.38` (a code `money/` does not know gets 2 decimals). */
export function formatMoney(amountMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency.toUpperCase()) ?? 2;
  const sign = amountMinor < 0 ? '-' : '';
  // String arithmetic: exact for every safe integer, where dividing by 10^exponent would round.
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  const number = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return `${currency} ${sign}${number}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
