/** Money: integer minor units plus an ISO 4217 code. The currency table lives here. */
export { CURRENCY_EXPONENTS, isCurrencyCode, minorUnitExponent } from './currencies';
export { MAX_SAFE_MINOR, parseInt64, toSafeMinor } from './minor-units';
export { formatMinor } from './format';
