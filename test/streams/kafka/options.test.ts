import { pino } from 'pino';
import { createTransport } from '../../../streams';
import type { KafkaTransportOptions } from '../../../streams/kafka';
import { createKafkaTransport, KafkaInvalidArgumentError, resolveKafkaOptions } from '../../../streams/kafka';

const logger = pino({ level: 'silent' });
const BROKERS = ['127.0.0.1:9092'];

describe('kafka transport options', () => {
  it('fills in the documented defaults', () => {
    expect(resolveKafkaOptions({})).toEqual({
      brokers: ['127.0.0.1:9092'],
      clientId: 'paystream',
      partitions: 8,
      replicationFactor: -1,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 60_000,
      maxWaitTimeMs: 500,
      partitionsConsumedConcurrently: 4,
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 30_000,
      ssl: false,
      sasl: null,
    });
  });

  it('derives the heartbeat from a short session timeout', () => {
    expect(resolveKafkaOptions({ brokers: BROKERS, sessionTimeoutMs: 6_000 }).heartbeatIntervalMs).toBe(2_000);
  });

  it('keeps what it is given', () => {
    const options: KafkaTransportOptions = {
      brokers: ['kafka-1.internal:9093', '10.0.0.2:9092'],
      clientId: 'paystream-ledger',
      partitions: 24,
      replicationFactor: 3,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 20_000,
      maxWaitTimeMs: 250,
      partitionsConsumedConcurrently: 1,
      connectionTimeoutMs: 5_000,
      requestTimeoutMs: 15_000,
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'paystream', password: 'pw' },
    };
    expect(resolveKafkaOptions(options)).toEqual({ ...options, brokers: ['kafka-1.internal:9093', '10.0.0.2:9092'] });
  });

  it.each<[string, KafkaTransportOptions, RegExp]>([
    ['no brokers', { brokers: [] }, /brokers must list at least one broker/],
    ['a broker without port', { brokers: ['localhost'] }, /each must be host:port/],
    ['a broker with port 0', { brokers: ['localhost:0'] }, /each must be host:port/],
    ['a broker with port 70000', { brokers: ['localhost:70000'] }, /each must be host:port/],
    ['a URL for a broker', { brokers: ['kafka://localhost:9092'] }, /each must be host:port/],
    ['a client id with spaces', { brokers: BROKERS, clientId: 'pay stream' }, /clientId must match/],
    ['0 partitions', { brokers: BROKERS, partitions: 0 }, /partitions must be an integer from 1 to 10000, got 0/],
    ['fractional partitions', { brokers: BROKERS, partitions: 2.5 }, /partitions must be an integer/],
    ['replication factor 0', { brokers: BROKERS, replicationFactor: 0 }, /replicationFactor must be -1 \(the broker default\) or at least 1/],
    ['replication factor -2', { brokers: BROKERS, replicationFactor: -2 }, /replicationFactor must be an integer from -1/],
    ['a heartbeat over half the session', { brokers: BROKERS, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 3_001 }, /heartbeatIntervalMs \(3001\) must be at most half of sessionTimeoutMs \(6000\)/],
    ['a session timeout of 50 ms', { brokers: BROKERS, sessionTimeoutMs: 50 }, /sessionTimeoutMs must be an integer from 100/],
    ['a fetch wait as long as a request', { brokers: BROKERS, maxWaitTimeMs: 5_000, requestTimeoutMs: 5_000 }, /maxWaitTimeMs \(5000\) must be less than requestTimeoutMs \(5000\)/],
    ['no concurrency', { brokers: BROKERS, partitionsConsumedConcurrently: 0 }, /partitionsConsumedConcurrently must be an integer from 1/],
    ['an unknown SASL mechanism', { brokers: BROKERS, sasl: { mechanism: 'gssapi' as 'plain', username: 'u', password: 'p' } }, /sasl.mechanism must be one of plain, scram-sha-256, scram-sha-512/],
    ['an empty SASL password', { brokers: BROKERS, sasl: { mechanism: 'plain', username: 'u', password: '' } }, /sasl.password must be a non-empty string/],
  ])('rejects %s, naming the option', (_what, options, expected) => {
    let thrown: unknown;
    try {
      createKafkaTransport(options, { logger });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KafkaInvalidArgumentError);
    expect(thrown).toBeInstanceOf(RangeError);
    expect(thrown).toMatchObject({ code: 'KAFKA_INVALID_ARGUMENT', retryable: false });
    expect((thrown as Error).message).toMatch(expected);
  });

  it('never echoes the SASL password', () => {
    expect(() => resolveKafkaOptions({ brokers: ['not a broker'], sasl: { mechanism: 'plain', username: 'u', password: 's3cret' } })).toThrow(/^(?!.*s3cret)/);
    expect(() => resolveKafkaOptions({ brokers: BROKERS, sasl: { mechanism: 'nope' as 'plain', username: 'u', password: 's3cret' } })).toThrow(/^(?!.*s3cret)/);
  });

  it('is built by createTransport under the name kafka, which rejects bad options the same way', async () => {
    const transport = await createTransport({ name: 'kafka', brokers: BROKERS }, { logger });
    expect(transport.name).toBe('kafka');
    // Nothing connected yet: closing an unused transport touches no broker.
    await transport.close();
    await expect(createTransport({ name: 'kafka', brokers: ['nope'] }, { logger })).rejects.toBeInstanceOf(KafkaInvalidArgumentError);
  });
});
