import pino from 'pino';
import type { PulsarTransportOptions } from '../../../streams/pulsar';
import { createPulsarTransport, PulsarInvalidArgumentError } from '../../../streams/pulsar';
import { FakePulsarBroker } from './fake-pulsar.broker';

const logger = pino({ level: 'silent' });

describe('pulsar transport options', () => {
  it.each<[Partial<PulsarTransportOptions>, string]>([
    [{ url: '' }, 'url is required'],
    [{ url: 'not a url' }, 'not a valid URL'],
    [{ url: 'http://broker:8080' }, 'pulsar: or pulsar+ssl: scheme'],
    [{ tenant: 'a/b' }, 'tenant'],
    [{ namespace: '' }, 'namespace'],
    [{ visibilityTimeoutMs: 99 }, 'visibilityTimeoutMs'],
    [{ batchWaitMs: -1 }, 'batchWaitMs'],
    [{ maxPendingMessages: 0 }, 'maxPendingMessages'],
    [{ consumersPerTopic: 1.5 }, 'consumersPerTopic'],
    [{ authToken: '' }, 'authToken'],
  ])('rejects %j naming the problem, before any client exists', (overrides, text) => {
    const broker = new FakePulsarBroker();
    const create = (): unknown => createPulsarTransport({ url: 'pulsar://broker:6650', ...overrides }, { logger, clientFactory: broker.factory });
    expect(create).toThrow(PulsarInvalidArgumentError);
    expect(create).toThrow(text);
    expect(broker.clients).toEqual([]);
  });

  it('hands the client factory the service URL, the token and the timeout, and accepts several brokers and TLS', async () => {
    const broker = new FakePulsarBroker();
    const transport = createPulsarTransport({ url: 'pulsar+ssl://b1:6651,b2:6651', authToken: 'jwt', operationTimeoutSeconds: 9 }, { logger, clientFactory: broker.factory });
    expect(transport.name).toBe('pulsar');
    expect(broker.clients[0]?.settings).toMatchObject({ serviceUrl: 'pulsar+ssl://b1:6651,b2:6651', authToken: 'jwt', operationTimeoutSeconds: 9 });
    await transport.close();
  });
});
