import mysql from 'mysql2/promise';
import { rowsOf, str, textLiteral, withTransaction } from '../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

const TEXTS: readonly string[] = [
  JSON.stringify({ type: 'OrderCompleted', event: { orderId: 'o-1', note: 'say "hi"\n\ttab', items: [{ sku: 'a', quantity: 2 }] } }),
  JSON.stringify({ name: "O'Brien", path: 'C:\\shop\\orders', nul: '\u0000', ctrlZ: '\u001a' }),
  JSON.stringify({ emoji: '🧾 reçu ✓', quote: '\'"\'', backslashQuote: "\\'" }),
  "it's", 'ends with a backslash \\', "\\' OR 1=1 -- ", '\u0000', '\u001a', 'a raw\nnew line, a raw\ttab and a "quote"', '',
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
    expect(textLiteral('{"a":"b\\n"}'.replace('\\n', '\n')).toSqlString()).toBe(`'{"a":"b\n"}'`);
    for (const text of TEXTS.filter((t) => [...t].some((c) => "'\\\u0000\u001a".includes(c)))) expect(textLiteral(text).toSqlString()).toBe(mysql.escape(text));
  });

  it('stores every text exactly, in a multi-row insert and in deferred writes, and JSON stays valid JSON', async () => {
    const json = TEXTS.slice(0, 3);
    await db.pool.query('INSERT INTO texts (n, body, doc) VALUES ?', [TEXTS.map((t, n) => [n, textLiteral(t), n < json.length ? textLiteral(t) : null])]);
    await withTransaction(db.pool, async (_connection, writes) => {
      await writes.query('INSERT INTO texts (n, body) VALUES ?', [TEXTS.map((t, n) => [100 + n, textLiteral(t)])]);
    });
    const [rows] = await db.pool.query('SELECT n, body, doc FROM texts ORDER BY n');
    const read = rowsOf(rows);
    expect(read.map((r) => str(r, 'body'))).toEqual([...TEXTS, ...TEXTS]);
    expect(read.slice(0, json.length).map((r) => r.doc)).toEqual(json);
    const [values] = await db.pool.query("SELECT JSON_VALUE(doc, '$.name') AS name, JSON_VALUE(doc, '$.path') AS path FROM texts WHERE n = 1");
    expect(rowsOf(values)[0]).toEqual({ name: "O'Brien", path: 'C:\\shop\\orders' });
  });
});
