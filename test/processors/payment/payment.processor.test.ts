import { randomUUID } from 'node:crypto';
import { createPaymentProcessor, PAYMENT_PROCESSOR_NAME } from '../../../processors/payment';
import { createSimulatorPsp, PspError, type CaptureRequest, type CaptureResult, type PaymentProvider } from '../../../integrations/psp';
import { deriveId, TOPICS, type EventEnvelope } from '../../../schemas';
import { DLQ_HEADERS, dlqTopic, type Subscription } from '../../../streams';
import { codec, createHarness, createTestDatabase, rows, silentLogger, waitUntil, type Harness, type TestDatabase } from '../ledger/processor.harness';

/** A fake at our own PSP port: forwards to another provider, counting calls per order and calls in flight. */
class CountingPsp implements PaymentProvider {
  readonly name = 'counting';
  readonly calls = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly inner: PaymentProvider,
    private readonly delayMs = 0,
  ) {}

  async capture(req: CaptureRequest): Promise<CaptureResult> {
    this.calls.set(req.orderId, (this.calls.get(req.orderId) ?? 0) + 1);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      return await this.inner.capture(req);
    } finally {
      this.inFlight -= 1;
    }
  }

  totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}

function orderSubmitted(merchantId: string, paymentToken: string, totalMinor = 2_500, currency = 'EUR'): EventEnvelope<'OrderSubmitted'> {
  const orderId = randomUUID();
  const eventId = deriveId(orderId, 'OrderSubmitted');
  return {
    type: 'OrderSubmitted',
    eventId,
    key: merchantId,
    correlationId: orderId,
    causationId: eventId,
    event: {
      orderId,
      merchantId,
      idempotencyKey: randomUUID(),
      customer: { id: 'cus_1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550100' },
      items: [{ sku: 'sku-1', name: 'Widget', quantity: 1, unitPriceMinor: totalMinor }],
      currency,
      totalMinor,
      paymentToken,
      submittedAt: 1_732_230_000_000,
    },
  };
}

describe('payment processor', () => {
  let h: Harness;
  const merchantId = randomUUID();

  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    h = await createHarness({ db });
  });
  afterEach(async () => {
    await h.close();
  });

  async function start(psp: PaymentProvider, maxConcurrentCaptures = 8): Promise<Subscription> {
    const processor = createPaymentProcessor({
      pool: h.pool,
      psp,
      publish: h.publishOutputs,
      codec,
      logger: silentLogger,
      options: { maxConcurrentCaptures },
      now: () => 1_732_230_001_000,
    });
    return h.run(processor);
  }

  it('publishes PaymentCompleted for a captured order and records the payment', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    await start(createSimulatorPsp());
    const input = orderSubmitted(merchantId, 'tok_visa', 4_250, 'EUR');
    await h.publish(TOPICS.ordersSubmitted, [input]);
    await out.waitForCount(1);

    const [completed] = out.events('PaymentCompleted');
    expect(completed?.event).toEqual({
      orderId: input.event.orderId,
      merchantId,
      paymentId: expect.stringMatching(/^pay_/) as unknown,
      pspReference: expect.stringMatching(/^sim_/) as unknown,
      amountMinor: 4_250,
      currency: 'EUR',
      capturedAt: 1_732_230_001_000,
    });
    expect(completed?.message.key).toBe(merchantId);
    expect(completed?.message.headers).toMatchObject({
      eventId: deriveId(input.eventId, 'PaymentCompleted'),
      eventType: 'PaymentCompleted',
      correlationId: input.event.orderId,
      causationId: input.eventId,
    });
    const payments = await rows(h.pool, 'SELECT outcome, payment_id, amount_minor, currency, reason_code FROM payments WHERE order_id = ?', [input.event.orderId]);
    expect(payments).toEqual([{ outcome: 'CAPTURED', payment_id: completed?.event.paymentId, amount_minor: 4_250, currency: 'EUR', reason_code: null }]);
    // Published, so its row leaves the outbox (soon after the publish, with others).
    await h.drained(PAYMENT_PROCESSOR_NAME, TOPICS.ordersSubmitted);
    await waitUntil(async () => (await rows(h.pool, 'SELECT id FROM outbox')).length === 0, 'an empty outbox');
  });

  it('publishes PaymentFailed with the reason for a declined token', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    await start(createSimulatorPsp());
    const input = orderSubmitted(merchantId, 'tok_decline_insufficient_funds', 999);
    await h.publish(TOPICS.ordersSubmitted, [input]);
    await out.waitForCount(1);

    expect(out.events('PaymentCompleted')).toHaveLength(0);
    const [failed] = out.events('PaymentFailed');
    expect(failed?.event).toEqual({
      orderId: input.event.orderId,
      merchantId,
      amountMinor: 999,
      currency: 'EUR',
      reasonCode: 'INSUFFICIENT_FUNDS',
      reason: 'Insufficient funds',
      failedAt: 1_732_230_001_000,
    });
    expect(failed?.message.headers.eventId).toBe(deriveId(input.eventId, 'PaymentFailed'));
    const payments = await rows(h.pool, 'SELECT outcome, payment_id, reason_code, reason FROM payments WHERE order_id = ?', [input.event.orderId]);
    expect(payments).toEqual([{ outcome: 'DECLINED', payment_id: null, reason_code: 'INSUFFICIENT_FUNDS', reason: 'Insufficient funds' }]);
  });

  it('lets the runner retry a transient PSP failure (tok_flaky) until the capture succeeds', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    const psp = new CountingPsp(createSimulatorPsp());
    await start(psp);
    const flaky = orderSubmitted(merchantId, 'tok_flaky');
    const steady = orderSubmitted(merchantId, 'tok_visa');
    await h.publish(TOPICS.ordersSubmitted, [flaky, steady]);
    await out.waitForCount(2);
    await h.drained(PAYMENT_PROCESSOR_NAME, TOPICS.ordersSubmitted);

    expect(out.events('PaymentCompleted').map((e) => e.event.orderId).sort()).toEqual([flaky.event.orderId, steady.event.orderId].sort());
    // The flaky order was tried until it captured; the PSP's idempotency made the retry safe.
    expect(psp.calls.get(flaky.event.orderId)).toBeGreaterThanOrEqual(2);
    expect(await rows(h.pool, "SELECT COUNT(*) AS n FROM payments WHERE outcome = 'CAPTURED'")).toEqual([{ n: 2 }]);
    expect(out.messages).toHaveLength(2);
  });

  it('changes nothing and never calls the PSP again when the same events are delivered twice', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    const psp = new CountingPsp(createSimulatorPsp());
    const inputs = [orderSubmitted(merchantId, 'tok_visa'), orderSubmitted(merchantId, 'tok_decline'), orderSubmitted(merchantId, 'tok_mastercard')];
    // The same message twice in one publish (likely one batch), then again after they were handled.
    await h.publish(TOPICS.ordersSubmitted, [...inputs, ...inputs]);
    await start(psp);
    await out.waitForCount(3);
    await h.drained(PAYMENT_PROCESSOR_NAME, TOPICS.ordersSubmitted);
    await h.publish(TOPICS.ordersSubmitted, inputs);
    await h.drained(PAYMENT_PROCESSOR_NAME, TOPICS.ordersSubmitted);

    for (const input of inputs) expect(psp.calls.get(input.event.orderId)).toBe(1);
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM payments')).toEqual([{ n: 3 }]);
    // The payments row is the record of the event: no inbox rows.
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM inbox WHERE consumer = ?', [PAYMENT_PROCESSOR_NAME])).toEqual([{ n: 0 }]);
    expect(out.messages).toHaveLength(3);
    expect(new Set(out.messages.map((m) => m.headers.eventId)).size).toBe(3);
  });

  it('publishes the same outputs again, byte for byte, made from the recorded rows, when another process gets the orders again', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    const psp = new CountingPsp(createSimulatorPsp());
    const inputs = [orderSubmitted(merchantId, 'tok_visa'), orderSubmitted(merchantId, 'tok_decline_card')];
    const first = await start(psp);
    await h.publish(TOPICS.ordersSubmitted, inputs);
    await out.waitForCount(2);
    await h.drained(PAYMENT_PROCESSOR_NAME, TOPICS.ordersSubmitted);
    // As after a crash between commit and publish: a process that did not publish them gets the orders again.
    await first.close();
    await start(psp);
    await h.publish(TOPICS.ordersSubmitted, inputs);
    await out.waitForCount(4);

    for (const input of inputs) expect(psp.calls.get(input.event.orderId)).toBe(1);
    const byId = new Map<string, Buffer[]>();
    for (const m of out.messages) byId.set(m.headers.eventId, [...(byId.get(m.headers.eventId) ?? []), m.value]);
    expect(byId.size).toBe(2);
    for (const [, values] of byId) {
      expect(values).toHaveLength(2);
      expect(values[1]?.equals(values[0] ?? Buffer.alloc(0))).toBe(true);
    }
    expect(out.messages[2]?.headers).toEqual(out.messages[0]?.headers);
    expect(out.messages[3]?.headers).toEqual(out.messages[1]?.headers);
  });

  it('captures a batch concurrently, never more than maxConcurrentCaptures at once', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    const psp = new CountingPsp(createSimulatorPsp(), 20);
    const inputs = Array.from({ length: 24 }, () => orderSubmitted(merchantId, 'tok_visa'));
    await h.publish(TOPICS.ordersSubmitted, inputs);
    await start(psp, 4);
    await out.waitForCount(24);

    expect(psp.maxInFlight).toBe(4);
    expect(psp.totalCalls()).toBe(24);
  });

  it('dead-letters an order the PSP refuses for good and records the rest of the batch', async () => {
    const out = await h.observe(TOPICS.paymentsCompleted);
    const dlq = await h.observe(dlqTopic(TOPICS.ordersSubmitted));
    const conflicted = orderSubmitted(merchantId, 'tok_visa');
    const simulator = createSimulatorPsp();
    const psp: PaymentProvider = {
      name: 'conflicting',
      capture: async (req) => {
        if (req.orderId === conflicted.event.orderId) throw new PspError('IDEMPOTENCY_CONFLICT', 'already captured with another amount');
        return simulator.capture(req);
      },
    };
    const others = [orderSubmitted(merchantId, 'tok_visa'), orderSubmitted(merchantId, 'tok_visa')];
    await h.publish(TOPICS.ordersSubmitted, [others[0] as EventEnvelope, conflicted, others[1] as EventEnvelope]);
    await start(psp);
    await out.waitForCount(2);
    await dlq.waitForCount(1);

    expect(dlq.messages[0]?.headers[DLQ_HEADERS.errorCode]).toBe('IDEMPOTENCY_CONFLICT');
    expect(dlq.messages[0]?.headers.eventId).toBe(conflicted.eventId);
    expect(out.events('PaymentCompleted').map((e) => e.event.orderId).sort()).toEqual(others.map((o) => o.event.orderId).sort());
    expect(await rows(h.pool, 'SELECT COUNT(*) AS n FROM payments WHERE order_id = ?', [conflicted.event.orderId])).toEqual([{ n: 0 }]);
  });
});
