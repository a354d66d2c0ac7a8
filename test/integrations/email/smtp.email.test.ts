import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  createSmtpEmailSender,
  isEmailError,
  type ClosableEmailSender,
  type EmailError,
  type SmtpEmailOptions,
} from '../../../integrations/email';
import { rejectionOf, thrownBy } from '../errors.helper';
import { closedPort, portOf } from '../servers.helper';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.helper';

function sendError(promise: Promise<unknown>): Promise<EmailError> {
  return rejectionOf(promise, isEmailError);
}

describe('SMTP email sender', () => {
  let catcher: SmtpCatcher;
  const senders: ClosableEmailSender[] = [];

  function sender(options: Partial<SmtpEmailOptions> = {}): ClosableEmailSender {
    const created = createSmtpEmailSender({ url: catcher.url(), from: 'Paystream <no-reply@paystream.test>', ...options });
    senders.push(created);
    return created;
  }

  beforeAll(async () => {
    catcher = await startSmtpCatcher({
      rcptReplies: { 'busy@merchant.test': 451, 'nobody@merchant.test': 550 },
      dataReplies: { 'full@merchant.test': 452, 'spam@merchant.test': 554 },
    });
  });

  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
  });

  afterAll(() => catcher.close());

  it('delivers a message with the right envelope, headers and body, logging in with the URL credentials', async () => {
    const email = sender({ url: catcher.url({ user: 'mailer', pass: 's3cret' }) });
    const marker = randomUUID();
    const receipt = await email.send({
      to: 'owner@merchant.test',
      subject: `Sale credited ${marker}`,
      text: `Your wallet was credited with EUR 19.99. ${marker}`,
      html: `<p>Credited <b>EUR 19.99</b> ${marker}</p>`,
    });
    expect(receipt.provider).toBe('smtp');
    expect(receipt.messageId).toMatch(/^<.+@.+>$/);

    const mail = catcher.mails.find((m) => m.raw.includes(marker));
    expect(mail).toBeDefined();
    expect(mail?.from).toBe('no-reply@paystream.test');
    expect(mail?.to).toEqual(['owner@merchant.test']);
    expect(mail?.raw).toContain('From: Paystream <no-reply@paystream.test>');
    expect(mail?.raw).toContain('To: owner@merchant.test');
    expect(mail?.raw).toContain(`Subject: Sale credited ${marker}`);
    expect(mail?.unfolded).toContain(`Your wallet was credited with EUR 19.99. ${marker}`);
    expect(mail?.raw).toContain(`<b>EUR 19.99</b> ${marker}`);
    expect(mail?.raw).toContain(`Message-ID: ${receipt.messageId}`);
    expect(catcher.logins).toContainEqual({ username: 'mailer', password: 's3cret' });
  });

  it('reuses one pooled connection for sequential sends', async () => {
    const email = sender({ provider: 'smtp-pooled' });
    const before = catcher.connections();
    for (let i = 0; i < 3; i += 1) {
      const receipt = await email.send({ to: 'owner@merchant.test', subject: `pooled ${i}`, text: 'hello' });
      expect(receipt.provider).toBe('smtp-pooled');
    }
    expect(catcher.connections() - before).toBe(1);
  });

  it('also sends without a pool, one connection per message', async () => {
    const email = sender({ pool: false });
    const before = catcher.connections();
    await email.send({ to: 'owner@merchant.test', subject: 'unpooled 1', text: 'hello' });
    await email.send({ to: 'owner@merchant.test', subject: 'unpooled 2', text: 'hello' });
    expect(catcher.connections() - before).toBe(2);
  });

  it.each([
    ['451 on RCPT TO', 'EMAIL_TRANSIENT_FAILURE', true, 'busy@merchant.test', 451],
    ['452 after DATA', 'EMAIL_TRANSIENT_FAILURE', true, 'full@merchant.test', 452],
    ['550 on RCPT TO', 'EMAIL_PERMANENT_FAILURE', false, 'nobody@merchant.test', 550],
    ['554 after DATA', 'EMAIL_PERMANENT_FAILURE', false, 'spam@merchant.test', 554],
  ])('maps %s to %s (retryable: %s)', async (_name, code, retryable, to, responseCode) => {
    const email = sender();
    const err = await sendError(email.send({ to, subject: 'refused', text: 'hello' }));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.responseCode).toBe(responseCode);
    // The pooled sender stays usable after a refused message.
    await expect(email.send({ to: 'owner@merchant.test', subject: 'after refusal', text: 'hello' })).resolves.toMatchObject({
      provider: 'smtp',
    });
  });

  it('treats a refused connection as retryable EMAIL_UNAVAILABLE', async () => {
    const port = await closedPort();
    const err = await sendError(sender({ url: `smtp://127.0.0.1:${port}` }).send({ to: 'a@b.test', subject: 's', text: 't' }));
    expect(err.code).toBe('EMAIL_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('times out a server that never greets, retryably', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = portOf(silent.address());
      const email = sender({ url: `smtp://127.0.0.1:${port}`, timeoutMs: 150 });
      const err = await sendError(email.send({ to: 'a@b.test', subject: 's', text: 't' }));
      expect(err.code).toBe('EMAIL_TIMEOUT');
      expect(err.retryable).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses an empty or multi-line recipient before talking to the server', async () => {
    const email = sender();
    const before = catcher.connections();
    for (const to of ['', '  ', 'a@b.test\r\nBcc: x@y.test']) {
      const err = await sendError(email.send({ to, subject: 's', text: 't' }));
      expect(err.code).toBe('EMAIL_INVALID_MESSAGE');
      expect(err.retryable).toBe(false);
    }
    expect(catcher.connections()).toBe(before);
  });

  it('waits for sends in flight on close, then refuses new ones retryably', async () => {
    const email = sender();
    const sending = email.send({ to: 'owner@merchant.test', subject: 'in flight at close', text: 'hello' });
    await email.close();
    await expect(sending).resolves.toMatchObject({ provider: 'smtp' });
    const err = await sendError(email.send({ to: 'owner@merchant.test', subject: 'late', text: 'hello' }));
    expect(err.code).toBe('EMAIL_SENDER_CLOSED');
    expect(err.retryable).toBe(true);
  });

  it.each([[{ url: 'http://mail.test' }], [{ url: 'nonsense' }], [{ from: ' ' }], [{ timeoutMs: 0 }], [{ maxConnections: 1.5 }]])(
    'refuses the options %j',
    (options) => {
      const err = thrownBy(() => createSmtpEmailSender({ url: 'smtp://127.0.0.1:25', from: 'a@b.test', ...options }), isEmailError);
      expect(err).toMatchObject({ code: 'EMAIL_INVALID_OPTIONS', retryable: false });
    },
  );
});
