import { randomUUID } from 'node:crypto';
import { rowsOf } from '../../../storage/mysql';
import { WalletActionStore, type NewWalletAction } from '../../../gateway/wallets/wallet-action.store';
import { createTestDatabase, type TestDatabase } from '../../helpers/mysql';

describe('WalletActionStore.insertIgnore', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const merchantId = randomUUID();
  function action(voidsActionId: string | null): NewWalletAction {
    const idempotencyKey = randomUUID();
    return {
      actionId: randomUUID(),
      merchantId,
      idempotencyKey,
      requestHash: 'a'.repeat(64),
      requestJson: '{}',
      createdAt: Date.now(),
      action: {
        kind: voidsActionId === null ? 'TOP_UP' : 'VOID',
        idempotencyKey,
        walletId: randomUUID(),
        counterpartyWalletId: null,
        amountMinor: voidsActionId === null ? 500 : null,
        currency: 'USD',
        voidsActionId,
        externalReference: null,
        description: null,
      },
    };
  }

  it('lets concurrent batches that void the same actions, in any order, all complete: one void per action is kept', async () => {
    const targets = Array.from({ length: 10 }, () => randomUUID());
    const failures: unknown[] = [];
    let inserted = 0;
    for (let round = 0; round < 60; round += 1) {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const batch = Array.from({ length: 12 }, () => action(Math.random() < 0.5 ? (targets[Math.floor(Math.random() * targets.length)] ?? null) : null));
          await db.pool.query('SELECT 1'); // a little skew between the batches
          inserted += batch.length;
          await new WalletActionStore(db.pool).insertIgnore(batch).catch((err: unknown) => failures.push(err));
        }),
      );
    }
    expect(failures).toEqual([]);
    const [voids] = await db.pool.query("SELECT voids_action_id, COUNT(*) AS n FROM wallet_actions WHERE kind = 'VOID' GROUP BY voids_action_id");
    expect(rowsOf(voids).every((r) => Number(r.n) === 1)).toBe(true);
    expect(rowsOf(voids).map((r) => String(r.voids_action_id)).sort()).toEqual([...targets].sort());
    const [all] = await db.pool.query("SELECT COUNT(*) AS n FROM wallet_actions WHERE kind = 'TOP_UP'");
    expect(Number(rowsOf(all)[0]?.n)).toBeGreaterThan(inserted / 3);
  });
});
