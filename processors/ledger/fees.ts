import { LedgerError } from './ledger.errors';

const BPS_PER_UNIT = 10_000n;

/**
 * The platform fee of a sale: `amountMinor × feeBps / 10,000`, rounded HALF UP to the minor unit.
 * A remainder of exactly half a minor unit rounds up; anything below half rounds down
 * (at 250 bps: 1,001 → 25.025 → 25; 20 → 0.5 → 1; 100 → 2.5 → 3).
 *
 * Integer arithmetic only (BigInt): no float touches money, and `amountMinor × feeBps` may exceed
 * 2^53. For a non-negative x, `floor((2x + d) / 2d)` equals `floor(x/d + 1/2)`.
 */
export function platformFeeMinor(amountMinor: number, feeBps: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    throw new LedgerError('LEDGER_INVALID_EVENT', `amount must be a non-negative safe integer of minor units, got ${String(amountMinor)}`);
  }
  if (!Number.isSafeInteger(feeBps) || feeBps < 0 || feeBps > 10_000) {
    throw new LedgerError('LEDGER_INVALID_OPTIONS', `feeBps must be an integer within 0..10000, got ${String(feeBps)}`);
  }
  const scaled = BigInt(amountMinor) * BigInt(feeBps);
  // The fee never exceeds the amount, so it is a safe integer again.
  return Number((2n * scaled + BPS_PER_UNIT) / (2n * BPS_PER_UNIT));
}

/** A sale split into the platform's fee and the merchant's net credit; `fee + net = amount`. */
export function splitSale(amountMinor: number, feeBps: number): { feeMinor: number; netMinor: number } {
  const feeMinor = platformFeeMinor(amountMinor, feeBps);
  return { feeMinor, netMinor: amountMinor - feeMinor };
}
