import { isDeadlock, retryDeadlocks, rowsOf, withTransaction } from '../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

describe('retryDeadlocks', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query('CREATE TABLE dl_probe (id INT PRIMARY KEY, n INT NOT NULL)');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs the victim of a real deadlock again, so both crossing transactions commit once each', async () => {
    await db.pool.query('DELETE FROM dl_probe');
    await db.pool.query('INSERT INTO dl_probe (id, n) VALUES (1, 0), (2, 0)');
    let attempts = 0;
    const errors: unknown[] = [];
    // Each locks one row, waits until the other has locked its row, then asks for the other's row.
    let locked = 0;
    const bothLocked = (): Promise<void> =>
      new Promise((resolve) => {
        const poll = (): void => (locked >= 2 ? resolve() : void setTimeout(poll, 2));
        poll();
      });
    const crossing = (first: number, second: number): Promise<void> =>
      retryDeadlocks(async () => {
        attempts += 1;
        try {
          await withTransaction(db.pool, async (connection) => {
            await connection.query('UPDATE dl_probe SET n = n + 1 WHERE id = ?', [first]);
            locked += 1;
            await bothLocked();
            await connection.query('UPDATE dl_probe SET n = n + 1 WHERE id = ?', [second]);
          });
        } catch (err) {
          errors.push(err);
          throw err;
        }
      });
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    expect(errors).toHaveLength(1);
    expect(isDeadlock(errors[0])).toBe(true);
    expect(attempts).toBe(3);
    const [rows] = await db.pool.query('SELECT id, n FROM dl_probe ORDER BY id');
    expect(rowsOf(rows).map((r) => [Number(r.id), Number(r.n)])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('does not run again for any other error, nor beyond its attempts', async () => {
    let attempts = 0;
    const duplicate = retryDeadlocks(async () => {
      attempts += 1;
      await db.pool.query('INSERT INTO dl_probe (id, n) VALUES (7, 0), (7, 0)');
    });
    await expect(duplicate).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(attempts).toBe(1);

    let runs = 0;
    const always = retryDeadlocks(async () => {
      runs += 1;
      throw Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK' });
    }, 3);
    await expect(always).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(runs).toBe(3);
  });
});
