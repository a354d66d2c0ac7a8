import pino, { type Logger } from 'pino';

/**
 * The one root logger of a process: JSON to stdout (pretty printing is left to `pino-pretty` in a
 * pipe), with card and personal data redacted at creation.
 */
export function createRootLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { service: 'paystream', role, pid: process.pid },
    redact: {
      paths: [
        'paymentToken',
        '*.paymentToken',
        'customer.email',
        'customer.phone',
        '*.customer.email',
        '*.customer.phone',
        'email',
        'phone',
        '*.email',
        '*.phone',
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
