import type { SchemaRegistry } from './types';

export interface EventCodecOptions {
  /** The kept schema versions; default: `loadSchemaRegistry()` over `schemas/avro/`. */
  registry?: SchemaRegistry;
}
