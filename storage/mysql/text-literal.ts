import mysql from 'mysql2/promise';

/** The characters a text needs escaped between single quotes (with MySQL's backslash escapes on). */
// eslint-disable-next-line no-control-regex -- NUL and Ctrl-Z are among them
const NEEDS_ESCAPE = /['\\\0\x1a]/;

/** A value mysql2's formatter writes as it is (it calls `toSqlString`). */
export interface SqlLiteral {
  toSqlString(): string;
}

class QuotedText implements SqlLiteral {
  constructor(private readonly literal: string) {}

  toSqlString(): string {
    return this.literal;
  }
}

/**
 * `text` as a MySQL string literal, for a placeholder's value. For long texts full of double quotes:
 * JSON payloads. mysql2's escaper also escapes every `"`, `\n` and tab, which a single-quoted literal
 * does not need, so it walks such a text character by character and rebuilds it, and MariaDB undoes
 * each escape again. A text without `'`, `\`, NUL or Ctrl-Z (what `JSON.stringify` makes of a payload
 * whose strings hold no quote, backslash or control character) is only quoted; any other text is escaped
 * by mysql2 as before.
 */
export function textLiteral(text: string): SqlLiteral {
  return new QuotedText(NEEDS_ESCAPE.test(text) ? mysql.escape(text) : `'${text}'`);
}
