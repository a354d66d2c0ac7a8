/**
 * Active ISO 4217 currency codes and the exponent of their minor unit (2 for USD: 100 cents to
 * the dollar; 0 for JPY; 3 for KWD). Money in paystream is always an integer amount of these
 * minor units plus one of these codes.
 *
 * Codes without a minor unit in the standard (precious metals, SDR, test codes) are left out:
 * an amount in them cannot be expressed in integer minor units. Codes withdrawn from circulation
 * (HRK, CUC, ZWL, SLL, VEF …) are left out too; ANG stays beside its successor XCG while both
 * are legal tender.
 */

const ZERO_DECIMAL = ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];

const THREE_DECIMAL = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];

const FOUR_DECIMAL = ['CLF', 'UYW'];

const TWO_DECIMAL = [
  'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN',
  'BAM', 'BBD', 'BDT', 'BGN', 'BMD', 'BND', 'BOB', 'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD',
  'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CNY', 'COP', 'COU', 'CRC', 'CUP', 'CVE', 'CZK',
  'DKK', 'DOP', 'DZD',
  'EGP', 'ERN', 'ETB', 'EUR',
  'FJD', 'FKP',
  'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GTQ', 'GYD',
  'HKD', 'HNL', 'HTG', 'HUF',
  'IDR', 'ILS', 'INR', 'IRR',
  'JMD',
  'KES', 'KGS', 'KHR', 'KPW', 'KYD', 'KZT',
  'LAK', 'LBP', 'LKR', 'LRD', 'LSL',
  'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MXV', 'MYR', 'MZN',
  'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD',
  'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN',
  'QAR',
  'RON', 'RSD', 'RUB',
  'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SOS', 'SRD', 'SSP', 'STN', 'SVC', 'SYP', 'SZL',
  'THB', 'TJS', 'TMT', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS',
  'UAH', 'USD', 'USN', 'UYU', 'UZS',
  'VED', 'VES',
  'WST',
  'XCD', 'XCG',
  'YER',
  'ZAR', 'ZMW', 'ZWG',
];

function table(): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  const add = (codes: readonly string[], exponent: number): void => {
    for (const code of codes) map.set(code, exponent);
  };
  add(ZERO_DECIMAL, 0);
  add(TWO_DECIMAL, 2);
  add(THREE_DECIMAL, 3);
  add(FOUR_DECIMAL, 4);
  return map;
}

/** Every active code → exponent of its minor unit. */
export const CURRENCY_EXPONENTS: ReadonlyMap<string, number> = table();

/** True for an active ISO 4217 code (upper case, as the standard writes them). */
export function isCurrencyCode(code: string): boolean {
  return CURRENCY_EXPONENTS.has(code);
}

/** The exponent of `code`'s minor unit, or undefined for a code that is not active. */
export function minorUnitExponent(code: string): number | undefined {
  return CURRENCY_EXPONENTS.get(code);
}
