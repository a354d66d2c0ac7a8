import { parsingCanonicalForm } from './canonical-form';

/**
 * CRC-64-AVRO: the 64-bit Rabin fingerprint the Avro specification recommends ("Schema
 * Fingerprints"), computed over the UTF-8 bytes of a schema's Parsing Canonical Form. It is what
 * single-object encoding writes, little-endian, after the `C3 01` marker.
 *
 * Computed once per schema when the registry loads, so BigInt arithmetic is fast enough here.
 */

/** The fingerprint of the empty byte string; also the reduction polynomial. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const MASK_64 = 0xffffffffffffffffn;

/** Byte-wise table: entry i is i pushed through eight single-bit reduction steps. */
const TABLE: BigUint64Array = (() => {
  const table = new BigUint64Array(256);
  for (let i = 0; i < 256; i += 1) {
    let fp = BigInt(i);
    for (let bit = 0; bit < 8; bit += 1) {
      fp = (fp >> 1n) ^ ((fp & 1n) === 1n ? CRC64_AVRO_EMPTY : 0n);
    }
    table[i] = fp;
  }
  return table;
})();

/** CRC-64-AVRO of `bytes`, as an unsigned 64-bit integer. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (const byte of bytes) {
    const index = Number((fp ^ BigInt(byte)) & 0xffn);
    fp = ((fp >> 8n) ^ (TABLE[index] ?? 0n)) & MASK_64;
  }
  return fp;
}

export interface SchemaFingerprint {
  /** The schema's Parsing Canonical Form. */
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, unsigned (Java's `SchemaNormalization.parsingFingerprint64` is the signed view). */
  readonly fingerprint: bigint;
  /** The fingerprint as single-object encoding writes it: 8 bytes, little-endian. */
  readonly bytes: Buffer;
}

/** Canonical form and CRC-64-AVRO fingerprint of a parsed JSON schema. */
export function schemaFingerprint(schema: unknown): SchemaFingerprint {
  const canonicalForm = parsingCanonicalForm(schema);
  const fingerprint = crc64Avro(Buffer.from(canonicalForm, 'utf8'));
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(fingerprint);
  return { canonicalForm, fingerprint, bytes };
}

/** The fingerprint as 16 lower-case hex digits, most significant first (for logs and errors). */
export function fingerprintHex(fingerprint: bigint): string {
  return fingerprint.toString(16).padStart(16, '0');
}
