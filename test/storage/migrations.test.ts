import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { migrate, MigrationChecksumError, parseMysqlUrl } from '../../storage/mysql';
import { createTestDatabase, type TestDatabase } from '../helpers/mysql';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates every table and records the versions, once', async () => {
    const [tables] = await db.pool.query<RowDataPacket[]>('SHOW TABLES');
    const names = tables.map((r) => String(Object.values(r)[0]));
    for (const t of ['merchants', 'accounts', 'ledger_transactions', 'ledger_entries', 'inbox', 'outbox', 'log_entries', 'orders', 'transactions', 'notifications']) {
      expect(names).toContain(t);
    }
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('refuses an applied migration whose file changed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ps-mig-'));
    try {
      await writeFile(path.join(dir, '900_probe.sql'), 'CREATE TABLE probe_900 (id INT PRIMARY KEY)');
      expect(await migrate(db.pool, dir)).toEqual([{ version: 900, name: 'probe' }]);
      await writeFile(path.join(dir, '900_probe.sql'), 'CREATE TABLE probe_900 (id BIGINT PRIMARY KEY)');
      await expect(migrate(db.pool, dir)).rejects.toBeInstanceOf(MigrationChecksumError);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rejects bad URLs with a clear message', () => {
    expect(() => parseMysqlUrl('postgres://x/y')).toThrow(/mysql:\/\//);
    expect(() => parseMysqlUrl('mysql://root@h/bad-name')).toThrow(/database name/);
    expect(parseMysqlUrl('mysql://root@127.0.0.1:3306/paystream').database).toBe('paystream');
  });
});
