/**
 * The contracts of every topic: event types, topic table, Avro schemas and the single-object codec.
 * Nothing outside `schemas/` imports past this file.
 */
export * from './events';
export * from './topics';
export { createEventCodec, SINGLE_OBJECT_HEADER_LENGTH, SINGLE_OBJECT_MAGIC } from './codec';
export type { EventCodecOptions } from './options';
export type { EventCodec, SchemaRegistry, SchemaVersion } from './types';
export { avroTypeOf, defaultAvroDir, EVENT_NAMESPACE, loadSchemaRegistry } from './registry';
export { crc64Avro, CRC64_AVRO_EMPTY, fingerprintHex, schemaFingerprint } from './fingerprint';
export type { SchemaFingerprint } from './fingerprint';
export { parsingCanonicalForm } from './canonical-form';
export { checkFullTransitive, checkRegistryCompatibility, formatIssues, resolutionProblem } from './compatibility';
export type { CompatibilityIssue, LabelledType } from './compatibility';
export { EVENT_SHAPES, eventShape } from './event-shapes';
export type { AnyFieldShape, AnyRecordShape, FieldShape, RecordShape, ScalarKind } from './event-shapes';
export {
  isSchemaDecodeError,
  isSchemaEncodeError,
  SCHEMA_DECODE_ERROR_CODES,
  SCHEMA_DEFINITION_ERROR_CODES,
  SchemaDecodeError,
  SchemaDefinitionError,
  SchemaEncodeError,
} from './schemas.errors';
export type { InvalidField, SchemaDecodeErrorCode, SchemaDefinitionErrorCode } from './schemas.errors';
export { deriveId, newId, toMessage } from './envelope';
export type { EncodedMessage, EventEnvelope, EventHeaders } from './envelope';
