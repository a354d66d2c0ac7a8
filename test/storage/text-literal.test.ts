import mysql from 'mysql2/promise';
import { rowsOf, str, textLiteral, withTransaction } from '../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

const TEXTS: readonly string[] = [
  // Only quoted: a payload whose strings hold no quote, backslash or control character, and raw control characters.
  JSON.stringify({ type: 'OrderCompleted', event: { orderId: 'o-1', note: 'say hi', items: [{ sku: 'a', quantity: 2 }] } }),
  'a raw\nnew line, a raw\ttab, \b \r and a "quote"',
  // Escaped by mysql2: JSON with escapes in it, apostrophes, backslashes, NUL, Ctrl-Z.
  JSON.stringify({ note: 'say "hi"\n\ttab' }),
  JSON.stringify({ name: "O'Brien", path: 'C:\\shop\\orders', nul: '\u0000', ctrlZ: '\u001a' }),
  JSON.stringify({ emoji: '🧾 reçu ✓', quote: '\'"\'', backslashQuote: "\\'" }),
  "it's", 'ends with a backslash \\', "\\' OR 1=1 -- ", '\u0000', '\u001a', '',
];

describe('textLiteral', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('CREATE TABLE texts (n INT PRIMARY KEY, body LONGTEXT NOT NULL, doc JSON NULL CHECK (doc IS NULL OR JSON_VALID(doc)))');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('only quotes a text that needs no escape, and leaves any other to mysql2 as before', () => {
    const [payload, raw] = TEXTS;
    expect(textLiteral(payload as string).toSqlString()).toBe(`'${payload as string}'`);
    expect(textLiteral(raw as string).toSqlString()).toBe(`'${raw as string}'`);
    const escaped = TEXTS.filter((t) => [...t].some((c) => "'\\\u0000\u001a".includes(c)));
    expect(escaped).toHaveLength(8);
    for (const text of escaped) expect(textLiteral(text).toSqlString()).toBe(mysql.escape(text));
  });

  it('stores every text exactly, in a multi-row insert and in deferred writes, and JSON stays valid JSON', async () => {
    const json = [TEXTS[0], TEXTS[2], TEXTS[3], TEXTS[4]] as string[];
    await db.pool.query('INSERT INTO texts (n, body, doc) VALUES ?', [TEXTS.map((t, n) => [n, textLiteral(t), json.includes(t) ? textLiteral(t) : null])]);
    await withTransaction(db.pool, async (_connection, writes) => {
      await writes.query('INSERT INTO texts (n, body) VALUES ?', [TEXTS.map((t, n) => [100 + n, textLiteral(t)])]);
    });
    const [rows] = await db.pool.query('SELECT n, body, doc FROM texts ORDER BY n');
    const read = rowsOf(rows);
    expect(read.map((r) => str(r, 'body'))).toEqual([...TEXTS, ...TEXTS]);
    expect(read.filter((r) => r.doc !== null).map((r) => r.doc)).toEqual(json);
    const [values] = await db.pool.query("SELECT JSON_VALUE(doc, '$.name') AS name, JSON_VALUE(doc, '$.path') AS path FROM texts WHERE n = 3");
    expect(rowsOf(values)[0]).toEqual({ name: "O'Brien", path: 'C:\\shop\\orders' });
  });
});
