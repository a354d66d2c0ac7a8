import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createTwilioSmsSender, isSmsError, type SmsError } from '../../../integrations/sms';
import { rejectionOf, thrownBy } from '../errors.helper';
import { closedPort, sendJson } from '../servers.helper';
import { startTwilioFake, type TwilioFake } from './twilio-fake.helper';

const account = { sid: `AC${randomUUID().replace(/-/g, '')}`, token: 'auth/token+1' };

function sendError(promise: Promise<unknown>): Promise<SmsError> {
  return rejectionOf(promise, isSmsError);
}

describe('Twilio SMS sender', () => {
  let twilio: TwilioFake;

  beforeAll(async () => {
    twilio = await startTwilioFake(account);
  });

  beforeEach(() => {
    twilio.received.length = 0;
    twilio.setOverride(undefined);
  });

  afterAll(() => twilio.close());

  it('POSTs the form to the Messages endpoint with Basic auth and returns the sid', async () => {
    const sms = createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' });
    const body = 'Wallet credited: EUR 19.99 & more = 100% ✓';
    const receipt = await sms.send({ to: '+14155550100', body });
    expect(receipt.provider).toBe('twilio');
    expect(receipt.messageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilio.received).toHaveLength(1);
    const [call] = twilio.received;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe(`/2010-04-01/Accounts/${account.sid}/Messages.json`);
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(call?.authorization).toBe(`Basic ${Buffer.from(`${account.sid}:auth/token+1`).toString('base64')}`);
    expect(call?.form).toEqual({ To: '+14155550100', From: '+15005550006', Body: body });
  });

  it('keeps a path prefix of the base URL', async () => {
    twilio.setOverride((received, res) => {
      sendJson(res, 201, { sid: 'SMprefixed', status: 'queued', path: received.path });
      return true;
    });
    const sms = createTwilioSmsSender({ url: `${twilio.url()}/sms-api/`, from: '+15005550006', provider: 'sms-b' });
    expect(await sms.send({ to: '+14155550100', body: 'hi' })).toEqual({ messageId: 'SMprefixed', provider: 'sms-b' });
    expect(twilio.received[0]?.path).toBe(`/sms-api/2010-04-01/Accounts/${account.sid}/Messages.json`);
  });

  it('maps Twilio 400 / 21211 (invalid number) to a non-retryable SMS_REJECTED', async () => {
    const sms = createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' });
    const err = await sendError(sms.send({ to: '12345', body: 'hi' }));
    expect(err.code).toBe('SMS_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.providerCode).toBe(21211);
  });

  it('maps 401 (wrong token) to a non-retryable SMS_AUTH_FAILED', async () => {
    const sms = createTwilioSmsSender({ url: twilio.url({ sid: account.sid, token: 'wrong' }), from: '+15005550006' });
    const err = await sendError(sms.send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_AUTH_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.providerCode).toBe(20003);
  });

  it.each([
    [429, 'SMS_RATE_LIMITED', true],
    [500, 'SMS_UNAVAILABLE', true],
    [503, 'SMS_UNAVAILABLE', true],
    [408, 'SMS_TIMEOUT', true],
    [403, 'SMS_AUTH_FAILED', false],
    [404, 'SMS_REJECTED', false],
    [302, 'SMS_REJECTED', false],
    [202, 'SMS_BAD_RESPONSE', false],
  ])('maps HTTP %i to %s (retryable: %s)', async (status, code, retryable) => {
    twilio.setOverride((_received, res) => {
      sendJson(res, status, { code: 20001, message: 'from the test server', status });
      return true;
    });
    const err = await sendError(createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' }).send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
  });

  it('maps a 5xx without a JSON body by its status', async () => {
    twilio.setOverride((_received, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      return true;
    });
    const err = await sendError(createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' }).send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_UNAVAILABLE');
    expect(err.providerCode).toBeUndefined();
  });

  it.each([
    ['not JSON', (res: ServerResponse) => res.writeHead(201).end('queued')],
    ['no sid', (res: ServerResponse) => sendJson(res, 201, { status: 'queued' })],
  ])('treats a 201 with %s as a non-retryable SMS_BAD_RESPONSE (a retry could text twice)', async (_name, answer) => {
    twilio.setOverride((_received, res) => {
      answer(res);
      return true;
    });
    const err = await sendError(createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' }).send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_BAD_RESPONSE');
    expect(err.retryable).toBe(false);
  });

  it('times out a provider that does not answer, retryably', async () => {
    twilio.setOverride(() => true); // never answers; closing the server drops the connection
    const sms = createTwilioSmsSender({ url: twilio.url(), from: '+15005550006', timeoutMs: 100 });
    const err = await sendError(sms.send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_TIMEOUT');
    expect(err.retryable).toBe(true);
  });

  it('treats a refused connection as retryable SMS_UNAVAILABLE', async () => {
    const port = await closedPort();
    const sms = createTwilioSmsSender({ url: `http://${account.sid}:t@127.0.0.1:${port}`, from: '+15005550006' });
    const err = await sendError(sms.send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it.each([
    [{ to: '', body: 'hi' }],
    [{ to: '+14155550100', body: '' }],
    [{ to: '+14155550100', body: 'x'.repeat(1601) }],
  ])('refuses the message %# before calling the provider', async (msg) => {
    const err = await sendError(createTwilioSmsSender({ url: twilio.url(), from: '+15005550006' }).send(msg));
    expect(err.code).toBe('SMS_INVALID_MESSAGE');
    expect(err.retryable).toBe(false);
    expect(twilio.received).toHaveLength(0);
  });

  it.each([
    [{ url: 'http://127.0.0.1:1' }],
    [{ url: 'http://AC1@127.0.0.1:1' }],
    [{ url: 'ftp://AC1:t@127.0.0.1:1' }],
    [{ url: 'http://AC1:%zz@127.0.0.1:1' }],
    [{ url: 'nonsense' }],
    [{ url: 'http://AC1:t@127.0.0.1:1', from: '' }],
    [{ url: 'http://AC1:t@127.0.0.1:1', timeoutMs: 0 }],
  ])('refuses the options %j', (options) => {
    const err = thrownBy(() => createTwilioSmsSender({ from: '+15005550006', ...options }), isSmsError);
    expect(err).toMatchObject({ code: 'SMS_INVALID_OPTIONS', retryable: false });
  });
});
