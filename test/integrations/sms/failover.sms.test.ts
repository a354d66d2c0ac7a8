import { randomUUID } from 'node:crypto';
import { createFailoverSmsSender, createTwilioSmsSender, isSmsError, type SmsError } from '../../../integrations/sms';
import { rejectionOf } from '../errors.helper';
import { closedPort, sendJson } from '../servers.helper';
import { startTwilioFake, type TwilioFake } from './twilio-fake.helper';

const account = { sid: `AC${randomUUID().replace(/-/g, '')}`, token: 'secondary-token' };

function sendError(promise: Promise<unknown>): Promise<SmsError> {
  return rejectionOf(promise, isSmsError);
}

describe('failover SMS sender', () => {
  let primary: TwilioFake;
  let secondary: TwilioFake;
  let downUrl: string;

  beforeAll(async () => {
    primary = await startTwilioFake(account);
    secondary = await startTwilioFake(account);
    downUrl = `http://${account.sid}:${account.token}@127.0.0.1:${await closedPort()}`;
  });

  beforeEach(() => {
    for (const fake of [primary, secondary]) {
      fake.received.length = 0;
      fake.setOverride(undefined);
    }
  });

  afterAll(async () => {
    await Promise.all([primary.close(), secondary.close()]);
  });

  const sender = (url: string, provider: string) => createTwilioSmsSender({ url, from: '+15005550006', provider });

  it('delivers through the secondary when the primary is down, and says so', async () => {
    const sms = createFailoverSmsSender(sender(downUrl, 'sms-a'), sender(secondary.url(), 'sms-b'));
    expect(sms.provider).toBe('failover(sms-a, sms-b)');
    const receipt = await sms.send({ to: '+14155550100', body: 'Balance below threshold' });
    expect(receipt.provider).toBe('sms-b');
    expect(receipt.messageId).toMatch(/^SM/);
    expect(secondary.received.map((r) => r.form.Body)).toEqual(['Balance below threshold']);
  });

  it('uses the primary while it is up', async () => {
    const sms = createFailoverSmsSender(sender(primary.url(), 'sms-a'), sender(secondary.url(), 'sms-b'));
    expect((await sms.send({ to: '+14155550100', body: 'hi' })).provider).toBe('sms-a');
    expect(primary.received).toHaveLength(1);
    expect(secondary.received).toHaveLength(0);
  });

  it('fails over when the primary is rate limited', async () => {
    primary.setOverride((_received, res) => {
      sendJson(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 });
      return true;
    });
    const sms = createFailoverSmsSender(sender(primary.url(), 'sms-a'), sender(secondary.url(), 'sms-b'));
    expect((await sms.send({ to: '+14155550100', body: 'hi' })).provider).toBe('sms-b');
  });

  it('does not fail over when the primary rejects the number', async () => {
    const sms = createFailoverSmsSender(sender(primary.url(), 'sms-a'), sender(secondary.url(), 'sms-b'));
    const err = await sendError(sms.send({ to: 'not-a-number', body: 'hi' }));
    expect(err.code).toBe('SMS_REJECTED');
    expect(err.providerCode).toBe(21211);
    expect(secondary.received).toHaveLength(0);
  });

  it('throws the secondary error when both fail', async () => {
    secondary.setOverride((_received, res) => {
      sendJson(res, 503, { code: 20503, message: 'Service unavailable', status: 503 });
      return true;
    });
    const sms = createFailoverSmsSender(sender(downUrl, 'sms-a'), sender(secondary.url(), 'sms-b'));
    const err = await sendError(sms.send({ to: '+14155550100', body: 'hi' }));
    expect(err.code).toBe('SMS_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
  });
});
