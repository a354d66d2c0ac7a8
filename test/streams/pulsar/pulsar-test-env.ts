import pino from 'pino';
import type { Transport } from '../../../streams';
import { createTransport } from '../../../streams';
import type { PulsarTransportOptions } from '../../../streams/pulsar';
import { createPulsarTransport } from '../../../streams/pulsar';
import type { TransportFactory } from '../helpers';
import { FakePulsarBroker } from './fake-pulsar.broker';

/** Short timings so takeovers and batch waits fit in a test's few seconds. */
export const FAST_PULSAR = { visibilityTimeoutMs: 200, batchWaitMs: 2, batchingMaxPublishDelayMs: 2 } as const;

/**
 * The conformance entry for a REAL Pulsar broker: available only when `PULSAR_URL` is set (e.g.
 * `pulsar://127.0.0.1:6650`, a `bin/pulsar standalone`) and `pulsar-client` is installed. Topics go to
 * `public/default` (override with `PULSAR_TENANT` / `PULSAR_NAMESPACE`); each test uses fresh topic and
 * group names.
 */
export function realPulsarConformanceFactory(env: Readonly<Record<string, string | undefined>> = process.env): TransportFactory {
  const url = env.PULSAR_URL;
  const visibilityTimeoutMs = 500;
  const options: PulsarTransportOptions = {
    url: url ?? 'pulsar://unset:6650',
    tenant: env.PULSAR_TENANT ?? 'public',
    namespace: env.PULSAR_NAMESPACE ?? 'default',
    visibilityTimeoutMs,
    batchWaitMs: 5,
  };
  return {
    name: 'pulsar',
    available: url !== undefined && url !== '',
    skipReason: 'PULSAR_URL is not set (point it at a Pulsar broker, e.g. pulsar://127.0.0.1:6650, with pulsar-client installed)',
    visibilityTimeoutMs,
    create: () => createTransport({ name: 'pulsar', ...options }, { logger: pino({ level: 'silent' }) }),
  };
}

/** The adapter over a fake broker: the fake (our port's fake, not a broker) is shared by every transport made from it. */
export function fakePulsarTransport(broker: FakePulsarBroker, overrides: Partial<PulsarTransportOptions> = {}, logger = pino({ level: 'silent' })): Transport {
  return createPulsarTransport({ url: 'pulsar://fake:6650', tenant: 'acme', namespace: 'payments', ...FAST_PULSAR, ...overrides }, { logger, clientFactory: broker.factory });
}

export function fullName(topic: string): string {
  return `persistent://acme/payments/${topic}`;
}
