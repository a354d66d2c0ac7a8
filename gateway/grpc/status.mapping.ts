import { Metadata, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { GatewayErrorCode } from '../gateway.errors';
import { ActionRejectedError, isGatewayError } from '../gateway.errors';

/** A gRPC status to answer a failed call with. */
export interface GrpcFailure {
  code: status;
  details: string;
  /** Trailing metadata to send with the status. */
  metadata?: Metadata;
}

/** Trailing metadata keys of a rejected balance action (FAILED_PRECONDITION). */
export const REASON_CODE_METADATA = 'reason-code';
export const ACTION_ID_METADATA = 'action-id';

const BY_CODE: Readonly<Record<GatewayErrorCode, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  NOT_FOUND: status.NOT_FOUND,
  IDEMPOTENCY_CONFLICT: status.ALREADY_EXISTS,
  ACTION_REJECTED: status.FAILED_PRECONDITION,
  LIMIT_EXCEEDED: status.RESOURCE_EXHAUSTED,
  OVERLOADED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
};

/**
 * Error codes (node sockets, mysql2) that mean MySQL is out of reach or too busy right now, as
 * opposed to a fault in our SQL: the call may be retried later with the same idempotency key.
 */
const DATABASE_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
]);

function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, fatal } = err as { code?: unknown; fatal?: unknown };
  return (typeof code === 'string' && DATABASE_UNAVAILABLE_CODES.has(code)) || fatal === true;
}

/**
 * The one place that turns an error into a gRPC status. Gateway errors carry their own code (a
 * rejected balance action also its reason code and action id, as trailing metadata); MySQL being
 * out of reach is UNAVAILABLE; anything else is INTERNAL, logged with the error and answered
 * without internals.
 */
export function toGrpcFailure(err: unknown, log: Logger): GrpcFailure {
  if (isGatewayError(err)) {
    if (err.code === 'UNAVAILABLE') log.warn({ err }, 'call failed: dependency unavailable');
    if (err instanceof ActionRejectedError) {
      const metadata = new Metadata();
      metadata.set(REASON_CODE_METADATA, err.reasonCode);
      if (err.actionId !== null) metadata.set(ACTION_ID_METADATA, err.actionId);
      return { code: BY_CODE[err.code], details: err.message, metadata };
    }
    return { code: BY_CODE[err.code], details: err.message };
  }
  if (isDatabaseUnavailable(err)) {
    log.warn({ err }, 'call failed: database unavailable');
    return { code: status.UNAVAILABLE, details: 'the database is unavailable; retry (with the same idempotency key for a request that has one)' };
  }
  log.error({ err }, 'call failed: unexpected error');
  return { code: status.INTERNAL, details: 'internal error' };
}
