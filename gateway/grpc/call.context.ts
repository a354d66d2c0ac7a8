import type { Deadline, Metadata, sendUnaryData, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { OverloadedError, UnavailableError } from '../gateway.errors';
import { toGrpcFailure } from './status.mapping';

/**
 * What every service's handlers share: one authenticator, the gateway's stopping flag, the one
 * error-to-status mapping.
 */
export interface CallContext {
  authenticator: ApiKeyAuthenticator;
  /** True once the gateway is stopping: new work is refused. */
  isStopping: () => boolean;
  /** Orders and balance actions in flight, shared by both services (see {@link admit}). */
  inFlight: InFlightLimit;
  log: Logger;
}

/** Counts the gateway's orders and balance actions in flight against a limit, and watches the transport's backlog. */
export interface InFlightLimit {
  readonly limit: number;
  current: number;
  /** Messages the transport holds in this process not yet handled downstream (0 where a broker holds them). */
  readonly backlog: () => number;
  readonly maxBacklog: number;
}

/**
 * Admits one order or balance action, or throws RESOURCE_EXHAUSTED (OverloadedError) when the
 * gateway already has `limit` in flight, or the embedded transport holds more than `maxBacklog`
 * messages the processors have yet to handle. Returns the release to call once the call is answered.
 */
export function admit(context: CallContext): () => void {
  const counter = context.inFlight;
  if (counter.current >= counter.limit) throw new OverloadedError(`the gateway has ${counter.limit} orders and balance actions in flight, its limit (GATEWAY_MAX_IN_FLIGHT)`);
  const backlog = counter.backlog();
  if (backlog > counter.maxBacklog) {
    throw new OverloadedError(`the pipeline is behind: ${backlog} messages wait for its processors, more than GATEWAY_MAX_BACKLOG (${counter.maxBacklog})`);
  }
  counter.current += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    counter.current -= 1;
  };
}

export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** The first `authorization` metadata value, if it is text. */
export function authorizationOf(metadata: Metadata): string | undefined {
  const [value] = metadata.get('authorization');
  return typeof value === 'string' ? value : undefined;
}

/** The calling merchant; an `AuthenticationError` otherwise. */
export function authenticate(context: CallContext, call: { metadata: Metadata }): Promise<string> {
  return context.authenticator.authenticate(authorizationOf(call.metadata));
}

/** Throws UNAVAILABLE once the gateway is stopping. */
export function refuseWhileStopping(context: CallContext): void {
  if (context.isStopping()) throw new UnavailableError('gateway', 'the gateway is shutting down; retry on another instance');
}

/** Adapts an async handler to a gRPC unary handler; every failure goes through {@link toGrpcFailure}. */
export function unary<Res>(log: Logger, handler: (call: ServerUnaryCall<unknown, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<unknown, Res>, callback: sendUnaryData<Res>): void => {
    handler(call).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcFailure(err, log)),
    );
  };
}

/** Ends a server stream with the status of `err` (through {@link toGrpcFailure}). */
export function failStream(call: ServerWritableStream<unknown, unknown>, err: unknown, log: Logger): void {
  call.emit('error', toGrpcFailure(err, log));
}
