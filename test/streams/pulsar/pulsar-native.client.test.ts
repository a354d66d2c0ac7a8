import { createRequire } from 'node:module';
import pino from 'pino';
import { createTransport } from '../../../streams';
import { createPulsarTransport, loadPulsarClientModule, PulsarClientMissingError } from '../../../streams/pulsar';

/**
 * The real loader, really called. pulsar-client is an optional dependency that does not install on this
 * machine (its install downloads a native library), so here it must fail with the clear, typed error.
 */

const EXPECTED_MESSAGE =
  'TRANSPORT=pulsar needs the optional package pulsar-client, which is not installed. ' +
  'Install it with `npm install pulsar-client` on a machine that can download its native library (see README: Transports, Pulsar)';

function installed(): boolean {
  try {
    createRequire(__filename).resolve('pulsar-client');
    return true;
  } catch {
    return false;
  }
}

const describeMissing = installed() ? describe.skip : describe;

describeMissing('pulsar-client, not installed here', () => {
  it('makes the loader throw a non-retryable PulsarClientMissingError that says how to install it', () => {
    let thrown: unknown;
    try {
      loadPulsarClientModule();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PulsarClientMissingError);
    expect(thrown).toMatchObject({ name: 'PulsarClientMissingError', code: 'PULSAR_CLIENT_MISSING', retryable: false, message: EXPECTED_MESSAGE });
    expect((thrown as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('fails createTransport({ name: "pulsar" }) with that error, and createPulsarTransport without a client factory', async () => {
    const logger = pino({ level: 'silent' });
    await expect(createTransport({ name: 'pulsar', url: 'pulsar://127.0.0.1:6650' }, { logger })).rejects.toMatchObject({ code: 'PULSAR_CLIENT_MISSING', message: EXPECTED_MESSAGE });
    expect(() => createPulsarTransport({ url: 'pulsar://127.0.0.1:6650' }, { logger })).toThrow(PulsarClientMissingError);
  });

  it('validates the options before it looks for the package', async () => {
    await expect(createTransport({ name: 'pulsar', url: 'http://x' }, { logger: pino({ level: 'silent' }) })).rejects.toMatchObject({ code: 'PULSAR_INVALID_ARGUMENT' });
  });
});

(installed() ? describe : describe.skip)('pulsar-client, installed', () => {
  it('loads the Client class this adapter uses', () => {
    expect(typeof loadPulsarClientModule().Client).toBe('function');
  });
});
