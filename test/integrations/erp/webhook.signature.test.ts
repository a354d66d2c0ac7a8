import { createHmac } from 'node:crypto';
import { signErpWebhook, verifyErpWebhook } from '../../../integrations/erp';

const secret = 'whsec_123';
const body = Buffer.from('{"event":"journal_entry.confirmed","id":"je_1"}');
const now = 1_732_230_000;

function check(overrides: Partial<Parameters<typeof verifyErpWebhook>[0]>): ReturnType<typeof verifyErpWebhook> {
  return verifyErpWebhook({ secret, timestamp: String(now), signature: signErpWebhook(secret, now, body), body, nowSeconds: now, toleranceSeconds: 300, ...overrides });
}

describe('ERP webhook signatures', () => {
  it('signs HMAC-SHA256(secret, timestamp + "." + body) as v1=<hex>', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body.toString()}`).digest('hex');
    expect(signErpWebhook(secret, now, body)).toBe(`v1=${expected}`);
    expect(signErpWebhook(secret, now, body.toString())).toBe(`v1=${expected}`);
  });

  it('accepts a good signature within the window, and one good value among several', () => {
    expect(check({})).toEqual({ ok: true, timestamp: now });
    expect(check({ nowSeconds: now + 300 })).toEqual({ ok: true, timestamp: now });
    expect(check({ signature: `v1=${'0'.repeat(64)}, ${signErpWebhook(secret, now, body)}` })).toEqual({ ok: true, timestamp: now });
  });

  it('names what is wrong with a refused webhook', () => {
    expect(check({ timestamp: undefined })).toEqual({ ok: false, problem: 'MISSING_TIMESTAMP' });
    expect(check({ timestamp: '17e8' })).toEqual({ ok: false, problem: 'MALFORMED_TIMESTAMP' });
    expect(check({ nowSeconds: now + 301 })).toEqual({ ok: false, problem: 'STALE_TIMESTAMP' });
    expect(check({ nowSeconds: now - 301 })).toEqual({ ok: false, problem: 'STALE_TIMESTAMP' });
    expect(check({ signature: undefined })).toEqual({ ok: false, problem: 'MISSING_SIGNATURE' });
    expect(check({ signature: 'v1=abc' })).toEqual({ ok: false, problem: 'MALFORMED_SIGNATURE' });
    expect(check({ signature: signErpWebhook(secret, now, body).replace('v1=', 'v0=') })).toEqual({ ok: false, problem: 'MALFORMED_SIGNATURE' });
    expect(check({ signature: signErpWebhook('other', now, body) })).toEqual({ ok: false, problem: 'BAD_SIGNATURE' });
    // The timestamp is signed: the same signature with another timestamp fails.
    expect(check({ timestamp: String(now + 1) })).toEqual({ ok: false, problem: 'BAD_SIGNATURE' });
    expect(check({ body: Buffer.from(`${body.toString()} `) })).toEqual({ ok: false, problem: 'BAD_SIGNATURE' });
  });
});
