import type { IncomingMessage, MessageHeaders, OutgoingMessage } from '../types';
import { DLQ_HEADERS } from '../types';
import { PulsarInvalidArgumentError } from './pulsar.errors';
import { PulsarTopicNames } from './topic-names';
import type { PulsarMessage, PulsarOutgoingMessage } from './types';

/**
 * How a port message lies in a Pulsar message: the key is the partition key (which Key_Shared routes
 * by), the value is the payload's exact bytes, and each header is one message property.
 */

const REQUIRED_HEADERS = ['eventId', 'eventType', 'correlationId', 'causationId', 'producedAt'] as const;

/** Checks one message against the port (callers from plain JavaScript may pass anything) and maps it. */
export function encodeMessage(topic: string, index: number, message: OutgoingMessage): PulsarOutgoingMessage {
  const where = `publish to ${topic}, message ${index}`;
  if (typeof message !== 'object' || message === null) throw new PulsarInvalidArgumentError(`${where}: not a message object`);
  if (typeof message.key !== 'string') throw new PulsarInvalidArgumentError(`${where}: key must be a string`);
  if (!Buffer.isBuffer(message.value)) throw new PulsarInvalidArgumentError(`${where}: value must be a Buffer`);
  const source = message.headers as unknown;
  if (typeof source !== 'object' || source === null) throw new PulsarInvalidArgumentError(`${where}: headers must be an object`);
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (typeof value !== 'string') throw new PulsarInvalidArgumentError(`${where}: header ${name} must be a string`);
    properties[name] = value;
  }
  for (const name of REQUIRED_HEADERS) {
    if (properties[name] === undefined) throw new PulsarInvalidArgumentError(`${where}: header ${name} is required`);
  }
  return { data: message.value, partitionKey: message.key, properties };
}

export type DecodedMessage = { ok: true; message: IncomingMessage } | { ok: false; deadLetter: OutgoingMessage };

/**
 * The port's view of a received message. `attempt` is the broker's redelivery count plus one, plus the
 * local retries of this consumer (`localRetries`). A message without the required headers (not written by
 * this transport) cannot reach a handler; it becomes a dead letter carrying what could be read of it.
 */
export function decodeMessage(topic: string, group: string, message: PulsarMessage, localRetries: number): DecodedMessage {
  const partition = PulsarTopicNames.partitionOf(message.topicName);
  const headers: Record<string, string> = { ...message.properties };
  if (hasRequiredHeaders(headers)) {
    return {
      ok: true,
      message: {
        topic,
        partition,
        position: message.messageId,
        attempt: message.redeliveryCount + 1 + localRetries,
        key: message.partitionKey,
        value: message.data,
        headers,
      },
    };
  }
  const missing = REQUIRED_HEADERS.filter((name) => headers[name] === undefined);
  const base = { eventId: '', eventType: '', correlationId: '', causationId: '', producedAt: '' };
  return {
    ok: false,
    deadLetter: {
      key: message.partitionKey,
      value: message.data,
      headers: {
        ...base,
        ...headers,
        [DLQ_HEADERS.error]: `malformed Pulsar message: properties lack ${missing.join(', ')}`,
        [DLQ_HEADERS.errorCode]: 'PULSAR_MALFORMED_MESSAGE',
        [DLQ_HEADERS.attempts]: '0',
        [DLQ_HEADERS.sourceTopic]: topic,
        [DLQ_HEADERS.sourcePartition]: String(partition),
        [DLQ_HEADERS.sourcePosition]: message.messageId,
        [DLQ_HEADERS.group]: group,
        [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      },
    },
  };
}

function hasRequiredHeaders(headers: Record<string, string>): headers is MessageHeaders {
  return REQUIRED_HEADERS.every((name) => headers[name] !== undefined);
}
