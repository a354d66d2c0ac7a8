import { DLQ_HEADERS } from '../../../streams';
import { decodeMessage, encodeMessage } from '../../../streams/pulsar/message.codec';
import type { PulsarMessage } from '../../../streams/pulsar';
import { testMessage } from '../helpers';

function received(overrides: Partial<PulsarMessage> = {}): PulsarMessage {
  const { key, value, headers } = testMessage('wallet-7', 3, { 'x-extra': 'ü' });
  return { topicName: 'persistent://acme/payments/wallet.updates', partitionKey: key, data: value, properties: headers, messageId: '(4,2,-1,0)', redeliveryCount: 0, ...overrides };
}

describe('pulsar message codec', () => {
  it('encodes the key as the partition key, the value as the data and each header as a property', () => {
    const message = testMessage('wallet-7', 3, { 'x-extra': 'ü' });
    expect(encodeMessage('wallet.updates', 0, message)).toEqual({ data: message.value, partitionKey: 'wallet-7', properties: { ...message.headers } });
  });

  it('decodes to the port’s message, attempt = redelivery count + 1 + local retries', () => {
    const decoded = decodeMessage('wallet.updates', 'ledger', received({ redeliveryCount: 2 }), 1);
    if (!decoded.ok) throw new Error('expected a message');
    expect(decoded.message).toMatchObject({ topic: 'wallet.updates', partition: 0, position: '(4,2,-1,0)', attempt: 4, key: 'wallet-7' });
    expect(decoded.message.headers['x-extra']).toBe('ü');
    expect(decodeMessage('wallet.updates', 'ledger', received(), 0)).toMatchObject({ ok: true, message: { attempt: 1 } });
  });

  it('takes the partition from a partitioned topic’s message', () => {
    const decoded = decodeMessage('wallet.updates', 'ledger', received({ topicName: 'persistent://acme/payments/wallet.updates-partition-5' }), 0);
    expect(decoded).toMatchObject({ ok: true, message: { partition: 5 } });
  });

  it('turns a message without the required headers into a dead letter naming what is missing', () => {
    const decoded = decodeMessage('wallet.updates', 'ledger', received({ properties: { eventId: 'e-1', origin: 'elsewhere' } }), 0);
    if (decoded.ok) throw new Error('expected a dead letter');
    expect(decoded.deadLetter.key).toBe('wallet-7');
    expect(decoded.deadLetter.headers).toMatchObject({
      eventId: 'e-1',
      eventType: '',
      origin: 'elsewhere',
      [DLQ_HEADERS.errorCode]: 'PULSAR_MALFORMED_MESSAGE',
      [DLQ_HEADERS.error]: 'malformed Pulsar message: properties lack eventType, correlationId, causationId, producedAt',
      [DLQ_HEADERS.sourceTopic]: 'wallet.updates',
      [DLQ_HEADERS.sourcePosition]: '(4,2,-1,0)',
      [DLQ_HEADERS.group]: 'ledger',
    });
  });
});
