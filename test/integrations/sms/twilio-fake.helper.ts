import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { readBody, sendJson, startHttpServer, type TestHttpServer } from '../servers.helper';

export interface ReceivedSms {
  method: string | undefined;
  path: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  form: Record<string, string>;
}

/** Answers a test wants instead of the default behaviour; return false to let the fake answer as Twilio would. */
export type Override = (received: ReceivedSms, res: ServerResponse) => boolean;

export interface TwilioFake {
  server: TestHttpServer;
  /** `http://SID:TOKEN@127.0.0.1:<port>` */
  url(credentials?: { sid: string; token: string }): string;
  received: ReceivedSms[];
  /** Installs (or with undefined removes) answers that replace the default behaviour. */
  setOverride(override: Override | undefined): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * A real HTTP server implementing the Twilio Messages endpoint for one account: checks Basic auth
 * (401 / 20003 otherwise), validates `To` (400 / 21211), answers 201 with a `SM…` sid.
 */
export async function startTwilioFake(account: { sid: string; token: string }): Promise<TwilioFake> {
  const received: ReceivedSms[] = [];
  let override: Override | undefined;
  const expectedAuth = `Basic ${Buffer.from(`${account.sid}:${account.token}`).toString('base64')}`;
  const server = await startHttpServer(async (req, res) => {
    const text = await readBody(req);
    const call: ReceivedSms = {
      method: req.method,
      path: req.url,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      form: Object.fromEntries(new URLSearchParams(text)),
    };
    received.push(call);
    if (override?.(call, res) === true) return;
    if (call.authorization !== expectedAuth) {
      sendJson(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      return;
    }
    if (req.method !== 'POST' || call.path !== `/2010-04-01/Accounts/${account.sid}/Messages.json`) {
      sendJson(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      return;
    }
    const to = call.form.To ?? '';
    if (!E164.test(to)) {
      sendJson(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
      return;
    }
    sendJson(res, 201, {
      sid: `SM${randomBytes(16).toString('hex')}`,
      account_sid: account.sid,
      to,
      from: call.form.From,
      body: call.form.Body,
      status: 'queued',
      num_segments: '1',
      price: null,
    });
  });
  return {
    server,
    url: (credentials = account) =>
      `http://${encodeURIComponent(credentials.sid)}:${encodeURIComponent(credentials.token)}@127.0.0.1:${server.port}`,
    received,
    setOverride: (next) => {
      override = next;
    },
    close: () => server.close(),
  };
}
