import { randomUUID } from 'node:crypto';
import {
  createFailoverEmailSender,
  createSmtpEmailSender,
  isEmailError,
  type ClosableEmailSender,
  type EmailError,
} from '../../../integrations/email';
import { rejectionOf } from '../errors.helper';
import { closedPort } from '../servers.helper';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.helper';

function sendError(promise: Promise<unknown>): Promise<EmailError> {
  return rejectionOf(promise, isEmailError);
}

describe('failover email sender', () => {
  let first: SmtpCatcher;
  let second: SmtpCatcher;
  let downUrl: string;
  const senders: ClosableEmailSender[] = [];

  function smtp(url: string, provider: string): ClosableEmailSender {
    const created = createSmtpEmailSender({ url, from: 'no-reply@paystream.test', provider });
    senders.push(created);
    return created;
  }

  function message(): { to: string; subject: string; text: string } {
    return { to: 'owner@merchant.test', subject: `failover ${randomUUID()}`, text: 'Your balance changed.' };
  }

  function caught(catcher: SmtpCatcher, subject: string): boolean {
    return catcher.mails.some((m) => m.raw.includes(`Subject: ${subject}`));
  }

  beforeAll(async () => {
    first = await startSmtpCatcher({ rcptReplies: { 'busy@merchant.test': 451, 'nobody@merchant.test': 550 } });
    second = await startSmtpCatcher();
    downUrl = `smtp://127.0.0.1:${await closedPort()}`;
  });

  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('delivers through the secondary when the primary server is down, and says so', async () => {
    const email = createFailoverEmailSender(smtp(downUrl, 'smtp-primary'), smtp(second.url(), 'smtp-secondary'));
    expect(email.provider).toBe('failover(smtp-primary, smtp-secondary)');
    const msg = message();
    const receipt = await email.send(msg);
    expect(receipt.provider).toBe('smtp-secondary');
    expect(caught(second, msg.subject)).toBe(true);
  });

  it('uses the primary while it is up', async () => {
    const email = createFailoverEmailSender(smtp(first.url(), 'smtp-primary'), smtp(second.url(), 'smtp-secondary'));
    const msg = message();
    expect((await email.send(msg)).provider).toBe('smtp-primary');
    expect(caught(first, msg.subject)).toBe(true);
    expect(caught(second, msg.subject)).toBe(false);
  });

  it('fails over on a transient SMTP reply (451) of the primary', async () => {
    const email = createFailoverEmailSender(smtp(first.url(), 'smtp-primary'), smtp(second.url(), 'smtp-secondary'));
    const msg = { ...message(), to: 'busy@merchant.test' };
    expect((await email.send(msg)).provider).toBe('smtp-secondary');
    expect(caught(second, msg.subject)).toBe(true);
  });

  it('does not fail over on a permanent rejection (550): the message is at fault', async () => {
    const email = createFailoverEmailSender(smtp(first.url(), 'smtp-primary'), smtp(second.url(), 'smtp-secondary'));
    const msg = { ...message(), to: 'nobody@merchant.test' };
    const err = await sendError(email.send(msg));
    expect(err.code).toBe('EMAIL_PERMANENT_FAILURE');
    expect(err.retryable).toBe(false);
    expect(caught(second, msg.subject)).toBe(false);
  });

  it('throws the secondary error, retryable, when both are down', async () => {
    const otherDown = `smtp://127.0.0.1:${await closedPort()}`;
    const email = createFailoverEmailSender(smtp(downUrl, 'smtp-primary'), smtp(otherDown, 'smtp-secondary'));
    const err = await sendError(email.send(message()));
    expect(err.code).toBe('EMAIL_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });
});
