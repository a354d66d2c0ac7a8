/** Largest amount of minor units a JavaScript number holds exactly (2^53 − 1). */
export const MAX_SAFE_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?\d{1,20}$/;

/**
 * Reads an int64 as a protobuf or JSON layer hands it over: a decimal string (proto-loader with
 * `longs: String`), a bigint, or an integral number. Returns undefined for anything else, or for a
 * value outside the int64 range.
 */
export function parseInt64(value: unknown): bigint | undefined {
  let parsed: bigint;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    parsed = BigInt(value);
  } else if (typeof value === 'string') {
    if (!DECIMAL.test(value)) return undefined;
    parsed = BigInt(value);
  } else return undefined;
  return parsed < INT64_MIN || parsed > INT64_MAX ? undefined : parsed;
}

/** `value` as a number when |value| ≤ 2^53 − 1 (exact), else undefined. */
export function toSafeMinor(value: bigint): number | undefined {
  return value > MAX_SAFE_MINOR || value < -MAX_SAFE_MINOR ? undefined : Number(value);
}
