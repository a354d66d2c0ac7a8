import { transportFactories } from '../helpers';
import { FakePulsarBroker } from './fake-pulsar.broker';
import { FAST_PULSAR, fakePulsarTransport } from './pulsar-test-env';

/**
 * Imported by pulsar-adapter-over-fake.conformance.test.ts BEFORE the shared suite: replaces, in that test
 * file's own module registry only, the list of adapters the suite runs with one entry, the Pulsar adapter
 * over the in-memory fake of our port. Other test files see the list unchanged.
 */
transportFactories.splice(0, transportFactories.length, {
  name: 'pulsar ADAPTER over the in-memory FAKE broker (not a real Pulsar)',
  available: true,
  visibilityTimeoutMs: FAST_PULSAR.visibilityTimeoutMs,
  create: () => Promise.resolve(fakePulsarTransport(new FakePulsarBroker())),
});
