import { rowsOf, withTransaction } from '../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

describe('withTransaction', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('CREATE TABLE tx_probe (id INT PRIMARY KEY, note VARCHAR(200) NOT NULL, amount BIGINT NOT NULL)');
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.pool.query('DELETE FROM tx_probe');
  });

  async function probe(): Promise<{ id: number; note: string; amount: number }[]> {
    const [rows] = await db.pool.query('SELECT id, note, amount FROM tx_probe ORDER BY id');
    return rowsOf(rows).map((r) => ({ id: Number(r.id), note: String(r.note), amount: Number(r.amount) }));
  }

  it('sends the deferred writes with the commit, in order, after the immediate ones', async () => {
    const seenInside = await withTransaction(db.pool, async (connection, writes) => {
      await connection.query('INSERT INTO tx_probe (id, note, amount) VALUES (1, ?, 10)', ['immediate']);
      await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES ?', [[[2, 'deferred', 20n], [3, 'deferred', 30n]]]);
      await writes.query('UPDATE tx_probe SET amount = amount + ? WHERE id = ?', [5n, 2]);
      // Not sent yet: the transaction sees only the immediate row.
      const [rows] = await connection.query('SELECT COUNT(*) AS n FROM tx_probe');
      return Number(rowsOf(rows)[0]?.n);
    });
    expect(seenInside).toBe(1);
    expect(await probe()).toEqual([
      { id: 1, note: 'immediate', amount: 10 },
      { id: 2, note: 'deferred', amount: 25 },
      { id: 3, note: 'deferred', amount: 30 },
    ]);
  });

  it('escapes deferred values as query does: quotes and semicolons stay data', async () => {
    const hostile = "x'); DELETE FROM tx_probe; -- ;";
    await withTransaction(db.pool, async (_connection, writes) => {
      await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES (?, ?, ?)', [7, hostile, 1]);
    });
    expect(await probe()).toEqual([{ id: 7, note: hostile, amount: 1 }]);
  });

  it('rolls back everything when a deferred write fails, and rethrows its error', async () => {
    await expect(
      withTransaction(db.pool, async (connection, writes) => {
        await connection.query('INSERT INTO tx_probe (id, note, amount) VALUES (1, ?, 10)', ['immediate']);
        await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES (2, ?, 20)', ['first']);
        // Duplicate key: fails at commit time.
        await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES (1, ?, 30)', ['duplicate']);
        await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES (3, ?, 40)', ['after']);
      }),
    ).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(await probe()).toEqual([]);
    // The pool goes on: the next transaction commits normally.
    await withTransaction(db.pool, async (_connection, writes) => {
      await writes.query('INSERT INTO tx_probe (id, note, amount) VALUES (4, ?, 1)', ['next']);
    });
    expect(await probe()).toEqual([{ id: 4, note: 'next', amount: 1 }]);
  });

  it('sends a text without values as it is and formats one with values as mysql2 does', async () => {
    const [plain] = await db.pool.query("SELECT '?' AS q, 'it''s' AS s");
    expect(rowsOf(plain)).toEqual([{ q: '?', s: "it's" }]);
    const [formatted] = await db.pool.query('SELECT ? AS a, ? AS b, ? AS c', ["x'?y", 12n, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))]);
    expect(rowsOf(formatted)).toEqual([{ a: "x'?y", b: 12, c: '2024-01-02 03:04:05.006' }]);
  });

  it('commits with no deferred writes as before', async () => {
    await withTransaction(db.pool, async (connection) => {
      await connection.query('INSERT INTO tx_probe (id, note, amount) VALUES (5, ?, 1)', ['plain']);
    });
    expect(await probe()).toEqual([{ id: 5, note: 'plain', amount: 1 }]);
  });
});
