import pino from 'pino';
import type { PulsarConsumer, PulsarConsumerConfig, PulsarMessage } from '../../../streams/pulsar';
import { FakePulsarBroker } from './fake-pulsar.broker';

/** Pins the broker behaviour the fake claims to model (see its header), since the adapter's tests rely on it. */

const TOPIC = 'persistent://t/n/topic';

function consumerConfig(overrides: Partial<PulsarConsumerConfig> = {}): PulsarConsumerConfig {
  return {
    topic: TOPIC,
    subscription: 'group',
    subscriptionType: 'KeyShared',
    subscriptionInitialPosition: 'Earliest',
    keySharedPolicy: { keyShareMode: 'AutoSplit', allowOutOfOrderDelivery: false },
    nAckRedeliverTimeoutMs: 20,
    receiverQueueSize: 100,
    batchIndexAckEnabled: true,
    consumerName: 'c',
    ...overrides,
  };
}

async function drain(consumer: PulsarConsumer): Promise<PulsarMessage[]> {
  const out: PulsarMessage[] = [];
  for (let message = await consumer.receive(10); message !== null; message = await consumer.receive(10)) out.push(message);
  return out;
}

function setup(): { broker: FakePulsarBroker; client: ReturnType<FakePulsarBroker['factory']> } {
  const broker = new FakePulsarBroker();
  const client = broker.factory({ serviceUrl: 'pulsar://fake', operationTimeoutSeconds: 1, logger: pino({ level: 'silent' }) });
  return { broker, client };
}

function publish(broker: FakePulsarBroker, keys: readonly string[]): void {
  keys.forEach((key, i) => broker.append(TOPIC, { data: Buffer.from(String(i)), partitionKey: key, properties: {} }));
}

describe('the fake Pulsar broker', () => {
  it('hands a closed consumer’s unacknowledged messages to the others without counting a redelivery', async () => {
    const { broker, client } = setup();
    const a = await client.subscribe(consumerConfig());
    publish(broker, ['k', 'k']);
    expect((await drain(a)).map((m) => m.redeliveryCount)).toEqual([0, 0]);
    const b = await client.subscribe(consumerConfig({ consumerName: 'b' }));
    expect(await drain(b)).toEqual([]);
    await a.close();
    expect((await drain(b)).map((m) => [m.data.toString(), m.redeliveryCount])).toEqual([
      ['0', 0],
      ['1', 0],
    ]);
  });

  it('counts a redelivery for a negative acknowledgement sent before the consumer closes, and drops one still pending at close', async () => {
    const { broker, client } = setup();
    const a = await client.subscribe(consumerConfig());
    publish(broker, ['k', 'j']);
    const [first, second] = await drain(a);
    if (first === undefined || second === undefined) throw new Error('expected two messages');
    a.negativeAcknowledge(first);
    await new Promise((resolve) => setTimeout(resolve, 40));
    a.negativeAcknowledge(second);
    await a.close();
    const b = await client.subscribe(consumerConfig({ consumerName: 'b' }));
    const counts = new Map((await drain(b)).map((m) => [m.data.toString(), m.redeliveryCount]));
    expect(counts).toEqual(new Map([['0', 1], ['1', 0]]));
  });

  it('keeps a key with one consumer while it has unacknowledged messages of that key', async () => {
    const { broker, client } = setup();
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i % 20}`);
    const a = await client.subscribe(consumerConfig());
    publish(broker, keys.slice(0, 20));
    const atA = await drain(a);
    expect(atA).toHaveLength(20);
    const b = await client.subscribe(consumerConfig({ consumerName: 'b' }));
    publish(broker, keys.slice(20));
    // Every key still has an unacknowledged message at A: none of the new ones may go to B yet.
    const newAtA = await drain(a);
    expect(await drain(b)).toEqual([]);
    for (const message of atA) await a.acknowledge(message);
    // Now B gets the keys that moved to it; together A and B got each new message once.
    const newAtB = await drain(b);
    expect(newAtB.length).toBeGreaterThan(0);
    expect([...newAtA, ...newAtB].map((m) => m.data.toString()).sort()).toEqual(keys.slice(20).map((_, i) => String(i)).sort());
    const keysAtA = new Set(newAtA.map((m) => m.partitionKey));
    expect(newAtB.filter((m) => keysAtA.has(m.partitionKey))).toEqual([]);
  });
});
