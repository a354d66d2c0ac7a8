import mysql from 'mysql2/promise';

/** The characters a text needs escaped between single quotes (with MySQL's backslash escapes on). */
// eslint-disable-next-line no-control-regex -- NUL and Ctrl-Z are among them
const NEEDS_ESCAPE = /['\\\0\x1a]/;

/**
 * `text` as a MySQL string literal, for a placeholder's value (mysql2's `raw`: its formatter writes it as
 * it is). For long texts full of double quotes: JSON payloads. mysql2's escaper also escapes every `"`,
 * `\n` and tab, which a single-quoted literal does not need, so it walks such a text character by
 * character and rebuilds it, and MariaDB undoes each escape again. A text without `'`, `\`, NUL or Ctrl-Z
 * (what `JSON.stringify` makes of a payload whose strings hold no quote, backslash or control character)
 * is only quoted; any other text is escaped by mysql2 as before.
 */
export function textLiteral(text: string): { toSqlString(): string } {
  return mysql.raw(NEEDS_ESCAPE.test(text) ? mysql.escape(text) : `'${text}'`);
}
