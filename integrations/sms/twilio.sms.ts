import { z } from 'zod';
import { createHttpExchange, exchangeFailureCode, isHttpExchangeError } from '../http';
import { MAX_SMS_BODY_LENGTH, TWILIO_DEFAULTS, type TwilioSmsOptions } from './options';
import { SmsError, type SmsErrorCode } from './sms.errors';
import type { SmsMessage, SmsSender } from './types';

const createdBody = z.object({ sid: z.string().min(1), status: z.string() });
/** Twilio's error answer, e.g. `{ "code": 21211, "message": "The 'To' number … is not valid.", "status": 400 }`. */
const errorBody = z.object({ code: z.number().int().optional(), message: z.string().optional() });

/**
 * An SMS sender for the Twilio Messages API (or any provider speaking its shape):
 * `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form fields `To`, `From`, `Body`,
 * HTTP Basic auth `sid:token`; a 201 `{ sid, status }` is the receipt.
 * 429, 5xx, timeouts and network failures throw retryable {@link SmsError}s; 4xx throw non-retryable ones.
 */
export function createTwilioSmsSender(options: TwilioSmsOptions): SmsSender {
  const { endpoint, authorization } = endpointOf(options.url);
  const timeoutMs = options.timeoutMs ?? TWILIO_DEFAULTS.timeoutMs;
  const provider = options.provider ?? TWILIO_DEFAULTS.provider;
  if (!(timeoutMs > 0)) invalidOption(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (options.from.trim() === '') invalidOption('from must not be empty');
  const http = createHttpExchange();

  async function post(msg: SmsMessage): Promise<{ status: number; text: string }> {
    try {
      // One deadline for the whole exchange: connecting, the answer and its body. A 3xx is just a status.
      return await http.send({
        method: 'POST',
        url: endpoint,
        headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: msg.to, From: options.from, Body: msg.body }).toString(),
        timeoutMs,
      });
    } catch (err) {
      if (isHttpExchangeError(err) && err.code === 'HTTP_TIMEOUT') throw new SmsError('SMS_TIMEOUT', `${provider} did not answer within ${timeoutMs} ms`, { cause: err });
      throw new SmsError('SMS_UNAVAILABLE', `${provider} unreachable (${exchangeFailureCode(err)})`, { cause: err });
    }
  }

  return {
    provider,
    async send(msg) {
      validateMessage(msg);
      const { status, text } = await post(msg);
      if (status === 200 || status === 201) {
        const parsed = createdBody.safeParse(parseJson(text));
        if (!parsed.success) {
          throw new SmsError('SMS_BAD_RESPONSE', `${provider} accepted the message without a { sid, status } body`, { status });
        }
        return { messageId: parsed.data.sid, provider };
      }
      throw failure(provider, status, text);
    },
  };
}

function failure(provider: string, status: number, text: string): SmsError {
  const parsed = errorBody.safeParse(parseJson(text));
  const providerCode = parsed.success ? parsed.data.code : undefined;
  const detail = parsed.success && parsed.data.message !== undefined ? parsed.data.message : text.slice(0, 200);
  const code = errorCodeFor(status);
  const message = `${provider} answered HTTP ${status}${providerCode === undefined ? '' : ` (error ${providerCode})`}: ${detail}`;
  return new SmsError(code, message, providerCode === undefined ? { status } : { status, providerCode });
}

function errorCodeFor(status: number): SmsErrorCode {
  if (status === 401 || status === 403) return 'SMS_AUTH_FAILED';
  if (status === 408) return 'SMS_TIMEOUT';
  if (status === 429) return 'SMS_RATE_LIMITED';
  if (status >= 500) return 'SMS_UNAVAILABLE';
  // Another success status than 200/201 would be a provider that works differently: the message's fate is
  // unknown, and retrying could text twice.
  if (status >= 200 && status < 300) return 'SMS_BAD_RESPONSE';
  return 'SMS_REJECTED';
}

function validateMessage(msg: SmsMessage): void {
  if (msg.to.trim() === '') throw new SmsError('SMS_INVALID_MESSAGE', 'SMS recipient must not be empty');
  if (msg.body.length === 0) throw new SmsError('SMS_INVALID_MESSAGE', 'SMS body must not be empty');
  if (msg.body.length > MAX_SMS_BODY_LENGTH) {
    throw new SmsError('SMS_INVALID_MESSAGE', `SMS body is ${msg.body.length} characters; at most ${MAX_SMS_BODY_LENGTH}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}


/** The Messages endpoint and the Basic credentials from `http(s)://SID:TOKEN@host[:port][/prefix]`. */
function endpointOf(raw: string): { endpoint: string; authorization: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new SmsError('SMS_INVALID_OPTIONS', 'Twilio SMS sender: url is not a URL', { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalidOption('url must be http(s)');
  if (url.username === '' || url.password === '') invalidOption('url must carry ACCOUNT_SID:AUTH_TOKEN@ credentials');
  const accountSid = decodeUserinfo(url.username);
  const authToken = decodeUserinfo(url.password);
  const prefix = url.pathname.replace(/\/+$/, '');
  return {
    endpoint: `${url.origin}${prefix}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
    authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf8').toString('base64')}`,
  };
}

function decodeUserinfo(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    throw new SmsError('SMS_INVALID_OPTIONS', 'Twilio SMS sender: url credentials are not validly percent-encoded', { cause: err });
  }
}

function invalidOption(message: string): never {
  throw new SmsError('SMS_INVALID_OPTIONS', `Twilio SMS sender: ${message}`);
}
