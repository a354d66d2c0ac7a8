import { status } from '@grpc/grpc-js';
import pino from 'pino';
import {
  ACTION_ID_METADATA,
  ActionRejectedError,
  AuthenticationError,
  IdempotencyConflictError,
  LimitExceededError,
  NotFoundError,
  REASON_CODE_METADATA,
  toGrpcFailure,
  UnavailableError,
  ValidationError,
} from '../../../gateway';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('toGrpcFailure', () => {
  const { logger } = capturingLogger();

  it('maps each gateway error to its status, keeping the message', () => {
    expect(toGrpcFailure(new ValidationError('items[0].quantity', 'must be ≥ 1'), logger)).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'items[0].quantity: must be ≥ 1',
    });
    expect(toGrpcFailure(new AuthenticationError('unknown or revoked API key'), logger).code).toBe(status.UNAUTHENTICATED);
    expect(toGrpcFailure(new NotFoundError('order x not found'), logger).code).toBe(status.NOT_FOUND);
    const conflict = toGrpcFailure(new IdempotencyConflictError('k1'), logger);
    expect(conflict.code).toBe(status.ALREADY_EXISTS);
    expect(conflict.details).toMatch(/idempotency key "k1" was already used for a different request/);
    expect(toGrpcFailure(new UnavailableError('broker', 'broker down'), logger).code).toBe(status.UNAVAILABLE);
  });

  it('maps a rejected balance action to FAILED_PRECONDITION with its reason code and action id as trailing metadata', () => {
    const failure = toGrpcFailure(new ActionRejectedError('a-1', 'INSUFFICIENT_FUNDS', 'INSUFFICIENT_FUNDS: available 500 < 700'), logger);
    expect(failure.code).toBe(status.FAILED_PRECONDITION);
    expect(failure.details).toBe('INSUFFICIENT_FUNDS: available 500 < 700');
    expect(failure.metadata?.get(REASON_CODE_METADATA)).toEqual(['INSUFFICIENT_FUNDS']);
    expect(failure.metadata?.get(ACTION_ID_METADATA)).toEqual(['a-1']);
    const unrecorded = toGrpcFailure(new ActionRejectedError(null, 'ALREADY_VOIDED', 'action x already has a void'), logger);
    expect(unrecorded.details).toBe('ALREADY_VOIDED: action x already has a void');
    expect(unrecorded.metadata?.get(ACTION_ID_METADATA)).toEqual([]);
    expect(toGrpcFailure(new LimitExceededError('too many thresholds'), logger).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(toGrpcFailure(new NotFoundError('x'), logger).metadata).toBeUndefined();
  });

  it('maps MySQL connection failures to UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    expect(toGrpcFailure(refused, logger).code).toBe(status.UNAVAILABLE);
    const lost = Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    expect(toGrpcFailure(lost, logger).code).toBe(status.UNAVAILABLE);
  });

  it('answers anything else INTERNAL without internals, and logs the error', () => {
    const { logger: log, lines } = capturingLogger();
    const failure = toGrpcFailure(Object.assign(new Error("Unknown column 'secret_col'"), { code: 'ER_BAD_FIELD_ERROR' }), log);
    expect(failure).toEqual({ code: status.INTERNAL, details: 'internal error' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(50);
    expect(JSON.stringify(lines[0]?.err)).toContain('secret_col');
  });
});
