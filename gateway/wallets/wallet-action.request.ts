import { z } from 'zod';
import type { BalanceActionRequested, EncodedMessage, EventCodec } from '../../schemas';
import { deriveId, toMessage } from '../../schemas';
import { parseStoredRequestJson } from '../submissions/request-hash';
import type { ResolvedAction } from './types';

/**
 * The canonical JSON of a resolved action: keys in one fixed order, integers as numbers. It is
 * what `request_hash` hashes (with the kind inside, so one key used for a top-up and then a usage
 * is a conflict) and what an unpublished action's BalanceActionRequested is rebuilt from.
 */
export function canonicalAction(action: ResolvedAction): string {
  return JSON.stringify({
    kind: action.kind,
    idempotencyKey: action.idempotencyKey,
    walletId: action.walletId,
    counterpartyWalletId: action.counterpartyWalletId,
    amountMinor: action.amountMinor,
    currency: action.currency,
    voidsActionId: action.voidsActionId,
    externalReference: action.externalReference,
    description: action.description,
  });
}

const safeAmount = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const storedAction = z.object({
  kind: z.enum(['TOP_UP', 'USAGE', 'TRANSFER', 'VOID']),
  idempotencyKey: z.string().min(1),
  walletId: z.string().min(1),
  counterpartyWalletId: z.string().nullable(),
  amountMinor: safeAmount.nullable(),
  currency: z.string().length(3),
  voidsActionId: z.string().nullable(),
  externalReference: z.string().nullable(),
  description: z.string().nullable(),
});

/** Reads back a stored canonical action; throws when the stored text is not one (a corrupt row). */
export function parseStoredAction(json: string): ResolvedAction {
  return parseStoredRequestJson(storedAction, json, 'wallet action');
}

/** What the BalanceActionRequested of an action is built from: the stored row. */
export interface RequestedActionSource {
  actionId: string;
  merchantId: string;
  createdAt: number;
  action: ResolvedAction;
}

/**
 * The BalanceActionRequested of an action, keyed by its wallet (a transfer's source, a void's
 * voided action's wallet) so the ledger decides one wallet's actions in order; its event id is
 * derived from the action id, so republishing it is harmless.
 */
export function balanceActionMessage(codec: EventCodec, source: RequestedActionSource): EncodedMessage {
  const { action } = source;
  const event: BalanceActionRequested = {
    actionId: source.actionId,
    merchantId: source.merchantId,
    kind: action.kind,
    walletId: action.walletId,
    counterpartyWalletId: action.counterpartyWalletId,
    amountMinor: action.amountMinor,
    currency: action.currency,
    voidsActionId: action.voidsActionId,
    externalReference: action.externalReference,
    description: action.description,
    idempotencyKey: action.idempotencyKey,
    requestedAt: source.createdAt,
  };
  const eventId = deriveId(source.actionId, 'BalanceActionRequested');
  return toMessage(codec, {
    type: 'BalanceActionRequested',
    event,
    eventId,
    key: action.walletId,
    correlationId: source.actionId,
    causationId: eventId,
  });
}
