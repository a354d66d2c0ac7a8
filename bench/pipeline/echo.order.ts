/** What the echo server (the gRPC ceiling) answers: pure, so it can be tested without a server. */

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function integer(value: unknown): bigint {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return 0n;
}

/** The Order an echo answers for a SubmitOrder request (proto-loader object form, int64 as strings). */
export function echoOrder(request: unknown, orderId: string, nowMs: number): Record<string, unknown> {
  const items = field(request, 'items');
  let total = 0n;
  if (Array.isArray(items)) for (const item of items as unknown[]) total += integer(field(item, 'quantity')) * integer(field(item, 'unitPriceMinor'));
  const currency = field(request, 'currency');
  const key = field(request, 'idempotencyKey');
  return {
    orderId,
    status: 'ORDER_STATUS_COMPLETED',
    totalMinor: total.toString(),
    currency: typeof currency === 'string' ? currency : '',
    feeMinor: '0',
    netMinor: total.toString(),
    failureReason: '',
    createdAtMs: String(nowMs),
    completedAtMs: String(nowMs),
    idempotencyKey: typeof key === 'string' ? key : '',
  };
}
