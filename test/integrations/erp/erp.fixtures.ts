/** Journal entries and a webhook receiver shared by the ERP integration tests. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JournalEntryRequest } from '../../../integrations/erp';
import { readBody, sendJson, startHttpServer, type TestHttpServer } from '../servers.helper';

/** A balanced two-line entry moving `amountMinor`. */
export function entry(amountMinor = 1_000, overrides: Partial<JournalEntryRequest> = {}): JournalEntryRequest {
  const externalId = overrides.externalId ?? randomUUID();
  return {
    externalId,
    memo: `paystream SALE ${externalId}`,
    currency: 'EUR',
    lines: [
      { account: 'psp_clearing:EUR', debitMinor: amountMinor, creditMinor: 0 },
      { account: 'wallet-1', debitMinor: 0, creditMinor: amountMinor },
    ],
    occurredAt: Date.parse('2024-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

export interface ReceivedWebhook {
  headers: IncomingMessage['headers'];
  body: string;
}

/** An HTTP server recording webhooks; answers with `statuses` in turn (the last one repeats). */
export async function startWebhookReceiver(statuses: readonly number[] = [200]): Promise<TestHttpServer & { received: ReceivedWebhook[] }> {
  const received: ReceivedWebhook[] = [];
  const server = await startHttpServer(async (req, res) => {
    const body = await readBody(req);
    received.push({ headers: req.headers, body });
    const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
    sendJson(res, status, { ok: status < 300 });
  });
  return Object.assign(server, { received });
}

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
