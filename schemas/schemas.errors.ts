/**
 * Errors of the schemas module. Every one is permanent (`retryable: false`): retrying the same
 * bytes or the same value cannot succeed, so the delivery runner dead-letters the message at once.
 */

export const SCHEMA_DECODE_ERROR_CODES = ['BAD_MAGIC', 'UNKNOWN_FINGERPRINT', 'CORRUPT_BODY', 'TYPE_MISMATCH'] as const;

/**
 * - `BAD_MAGIC`: the bytes do not start with the single-object marker `C3 01`, or are shorter than
 *   the 10-byte header;
 * - `UNKNOWN_FINGERPRINT`: no kept schema version has the writer fingerprint of the header (a newer
 *   producer, or bytes from another system);
 * - `CORRUPT_BODY`: the body does not decode with the writer schema (truncated, trailing bytes,
 *   an out-of-range union or enum index, an unsafe long …);
 * - `TYPE_MISMATCH`: `decodeAs` was asked for another event type than the bytes carry.
 */
export type SchemaDecodeErrorCode = (typeof SCHEMA_DECODE_ERROR_CODES)[number];

/** Thrown when bytes cannot be decoded into an event. */
export class SchemaDecodeError extends Error {
  readonly retryable = false;
  readonly code: SchemaDecodeErrorCode;
  /** Writer fingerprint from the header (16 hex digits), when the header was readable. */
  readonly fingerprint: string | undefined;

  constructor(code: SchemaDecodeErrorCode, message: string, options: { fingerprint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchemaDecodeError';
    this.code = code;
    this.fingerprint = options.fingerprint;
  }
}

/** One field of an event that does not fit its schema. */
export interface InvalidField {
  /** Dotted path from the event root, e.g. `items.0.quantity`; empty for the event itself. */
  path: string;
  /** What the schema expects there, e.g. `long`, `null | string`, `enum BalanceActionKind`. */
  expected: string;
  /** JavaScript type of the value found (never the value itself, which may be personal data). */
  found: string;
}

/** Thrown by `encode` when the event does not fit its schema (a wrong type, a float in a long, a missing field). */
export class SchemaEncodeError extends Error {
  readonly code = 'INVALID_EVENT';
  readonly retryable = false;
  readonly eventType: string;
  readonly fields: readonly InvalidField[];

  constructor(eventType: string, fields: readonly InvalidField[], cause?: unknown) {
    const list = fields.map((f) => `${f.path === '' ? '(event)' : f.path}: expected ${f.expected}, found ${f.found}`);
    super(
      `invalid ${eventType}: ${list.length > 0 ? list.join('; ') : 'rejected by the Avro writer'}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'SchemaEncodeError';
    this.eventType = eventType;
    this.fields = fields;
  }
}

export const SCHEMA_DEFINITION_ERROR_CODES = [
  'INVALID_SCHEMA',
  'MISSING_SCHEMA',
  'UNKNOWN_EVENT_TYPE',
  'VERSION_GAP',
  'FINGERPRINT_CLASH',
] as const;

/**
 * - `INVALID_SCHEMA`: a schema file is not valid JSON or not a valid Avro record of the expected name;
 * - `MISSING_SCHEMA`: an event type of `EVENT_TYPES` has no schema version;
 * - `UNKNOWN_EVENT_TYPE`: a schema folder names no event type of `EVENT_TYPES`;
 * - `VERSION_GAP`: versions are not `v1.avsc`, `v2.avsc` … without gaps;
 * - `FINGERPRINT_CLASH`: two event types share a fingerprint.
 */
export type SchemaDefinitionErrorCode = (typeof SCHEMA_DEFINITION_ERROR_CODES)[number];

/** Thrown when the kept `.avsc` files cannot be loaded as a consistent set (a start-up error). */
export class SchemaDefinitionError extends Error {
  readonly retryable = false;
  readonly code: SchemaDefinitionErrorCode;

  constructor(code: SchemaDefinitionErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SchemaDefinitionError';
    this.code = code;
  }
}

export function isSchemaDecodeError(err: unknown): err is SchemaDecodeError {
  return err instanceof SchemaDecodeError;
}

export function isSchemaEncodeError(err: unknown): err is SchemaEncodeError {
  return err instanceof SchemaEncodeError;
}
