/**
 * EXTRA, and labelled so: the shared conformance suite (test/streams/conformance.test.ts, unchanged) run
 * against the Pulsar ADAPTER over the in-memory FAKE of our Pulsar port (fake-pulsar.broker.ts). It shows
 * the adapter's own logic (batching, acknowledgements, retries, dead letters, close, abort) meets the
 * port when the broker behaves as the fake models it. It says nothing about a real Pulsar broker: that
 * run is the `pulsar` entry of test/streams/helpers.ts, which needs PULSAR_URL.
 */
import './fake-conformance.setup';
import '../conformance.test';
