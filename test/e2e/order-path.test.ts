import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { duplicatingTransport, eventually, orderInput, startPipeline, type Pipeline, type TransportKind } from './pipeline.helper';

const kinds: TransportKind[] = ['memory', 'redis'];

async function rows(p: Pipeline, sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [result] = await p.db.pool.query<RowDataPacket[]>(sql, params);
  return result;
}

async function wallet(p: Pipeline, walletId: string): Promise<{ posted: number; pendingIn: number; pendingOut: number }> {
  const [row] = await rows(p, 'SELECT posted_minor, pending_in_minor, pending_out_minor FROM accounts WHERE id = ?', [walletId]);
  if (row === undefined) throw new Error(`no wallet ${walletId}`);
  return { posted: Number(row.posted_minor), pendingIn: Number(row.pending_in_minor), pendingOut: Number(row.pending_out_minor) };
}

describe.each(kinds)('order path end to end on the %s transport', (kind) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline(kind);
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('completes a captured order: a held credit, posted once the ERP confirms; log rows, projections, one email and one SMS', async () => {
    const { order } = await p.client.submitOrder(orderInput(randomUUID()), { timeoutMs: 10_000 });
    expect(order.status).toBe('COMPLETED');
    expect(order.totalMinor).toBe(2500);
    // 2.5% of 2500 = 62.5 → rounded half up to 63.
    expect(order.feeMinor).toBe(63);
    expect(order.netMinor).toBe(2437);

    const [tx] = await rows(p, 'SELECT kind FROM ledger_transactions WHERE order_id = ?', [order.orderId]);
    expect(tx).toMatchObject({ kind: 'SALE' });
    // The ERP simulator confirms the journal entry by signed webhook; the credit moves from pending to posted.
    await eventually('the sale posted after ERP confirmation', async () => {
      const [row] = await rows(p, 'SELECT status FROM ledger_transactions WHERE order_id = ?', [order.orderId]);
      return row?.status === 'POSTED' ? true : undefined;
    });
    expect(await wallet(p, p.merchant.walletId)).toEqual({ posted: 2437, pendingIn: 0, pendingOut: 0 });
    const [erp] = await rows(p, 'SELECT status FROM erp_records WHERE ledger_transaction_id = (SELECT id FROM ledger_transactions WHERE order_id = ?)', [order.orderId]);
    expect(erp?.status).toBe('CONFIRMED');

    const logged = await eventually('log rows of the order', async () => {
      const found = await rows(p, 'SELECT event_type FROM log_entries WHERE correlation_id = ? ORDER BY id', [order.orderId]);
      const types = found.map((r) => String(r.event_type)).sort();
      return types.length >= 8 ? types : undefined;
    });
    expect(logged).toEqual([
      'ErpConfirmation',
      'NotificationDelivered',
      'NotificationDelivered',
      'OrderCompleted',
      'OrderSubmitted',
      'PaymentCompleted',
      'WalletUpdated',
      'WalletUpdated',
    ]);
    const projected = await eventually('orders projection', async () => {
      const [row] = await rows(p, 'SELECT status, total_minor, fee_minor, net_minor FROM orders WHERE id = ?', [order.orderId]);
      return row?.status === 'COMPLETED' ? row : undefined;
    });
    expect(projected).toMatchObject({ total_minor: 2500, fee_minor: 63, net_minor: 2437 });
    const [txRow] = await rows(p, 'SELECT wallet_id, amount_minor, status FROM transactions WHERE order_id = ?', [order.orderId]);
    expect(txRow).toMatchObject({ wallet_id: p.merchant.walletId, status: 'POSTED' });

    const mails = p.smtp.mails.filter((m) => m.unfolded.includes(order.orderId));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.unfolded).toContain('24.37');
    const texts = p.sms.received.filter((s) => (s.form.Body ?? '').includes('24.37'));
    expect(texts).toHaveLength(1);
    expect(texts[0]?.form.To).toBe('+15555550123');
    const deliveries = await rows(p, 'SELECT channel, status, attempts, provider_message_id FROM notifications WHERE merchant_id = ? ORDER BY channel', [p.merchant.merchantId]);
    expect(deliveries.map((d) => [String(d.channel), String(d.status)])).toEqual([
      ['EMAIL', 'SENT'],
      ['SMS', 'SENT'],
    ]);
  });

  it('fails a declined order with its reason and credits nothing', async () => {
    const { merchant, client } = await p.newMerchant();
    const { order } = await client.submitOrder(orderInput(randomUUID(), 'tok_decline_insufficient_funds'), { timeoutMs: 10_000 });
    expect(order.status).toBe('FAILED');
    expect(order.failureReason).toMatch(/insufficient/i);
    expect(await wallet(p, merchant.walletId)).toEqual({ posted: 0, pendingIn: 0, pendingOut: 0 });
    expect(await rows(p, 'SELECT id FROM ledger_transactions WHERE order_id = ?', [order.orderId])).toHaveLength(0);
  });

  it('charges an idempotent retry once', async () => {
    const { merchant, client } = await p.newMerchant();
    const key = randomUUID();
    const first = await client.submitOrder(orderInput(key), { timeoutMs: 10_000 });
    const again = await client.submitOrder(orderInput(key), { timeoutMs: 10_000 });
    expect(again.order.orderId).toBe(first.order.orderId);
    expect(again.order.status).toBe('COMPLETED');
    expect(await rows(p, 'SELECT order_id FROM payments WHERE order_id = ?', [first.order.orderId])).toHaveLength(1);
    expect(await rows(p, 'SELECT id FROM ledger_transactions WHERE order_id = ?', [first.order.orderId])).toHaveLength(1);
    const credited = await wallet(p, merchant.walletId);
    expect(credited.posted + credited.pendingIn).toBe(2437);
  });
});

describe.each(kinds)('every message delivered twice on the %s transport', (kind) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline(kind, { wrapTransport: duplicatingTransport });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('changes nothing twice: balances, log rows, deliveries', async () => {
    const orders = await Promise.all(
      Array.from({ length: 5 }, (_, i) => p.client.submitOrder(orderInput(randomUUID(), 'tok_visa', [{ sku: `s${i}`, name: 'Item', quantity: 1, unitPriceMinor: 1000 + i }]), { timeoutMs: 10_000 })),
    );
    expect(orders.map((o) => o.order.status)).toEqual(Array(5).fill('COMPLETED'));
    const expectedNet = orders.reduce((sum, o) => sum + o.order.netMinor, 0);
    const ids = orders.map((o) => o.order.orderId);

    await eventually('all notifications recorded and logged', async () => {
      const logged = await rows(p, "SELECT COUNT(*) AS n FROM log_entries WHERE event_type = 'NotificationDelivered' AND merchant_id = ?", [p.merchant.merchantId]);
      return Number(logged[0]?.n) >= 10 ? true : undefined;
    });
    // Let the duplicates of the last events pass through too.
    await new Promise((resolve) => setTimeout(resolve, 500));

    await eventually('every sale posted', async () => {
      const posted = await rows(p, "SELECT id FROM ledger_transactions WHERE status = 'POSTED' AND order_id IN (?)", [ids]);
      return posted.length === 5 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await wallet(p, p.merchant.walletId)).toEqual({ posted: expectedNet, pendingIn: 0, pendingOut: 0 });
    expect(await rows(p, 'SELECT id FROM ledger_transactions WHERE order_id IN (?)', [ids])).toHaveLength(5);
    expect(await rows(p, 'SELECT order_id FROM payments WHERE order_id IN (?)', [ids])).toHaveLength(5);
    const perType = await rows(p, 'SELECT event_type, COUNT(*) AS n FROM log_entries WHERE correlation_id IN (?) GROUP BY event_type ORDER BY event_type', [ids]);
    expect(perType.map((r) => [String(r.event_type), Number(r.n)])).toEqual([
      ['ErpConfirmation', 5],
      ['NotificationDelivered', 10],
      ['OrderCompleted', 5],
      ['OrderSubmitted', 5],
      ['PaymentCompleted', 5],
      ['WalletUpdated', 10],
    ]);
    expect(await rows(p, 'SELECT id FROM notifications WHERE merchant_id = ?', [p.merchant.merchantId])).toHaveLength(10);
    expect(p.smtp.mails).toHaveLength(5);
    expect(p.sms.received).toHaveLength(5);
  });
});
