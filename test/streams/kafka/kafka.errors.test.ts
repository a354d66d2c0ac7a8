import { KafkaInvalidArgumentError, KafkaTransportError } from '../../../streams/kafka';
import { groupError, isKafkaTransportError, protocolErrorType } from '../../../streams/kafka/kafka.errors';

/** A protocol error as kafkajs raises it: its `type` is the Kafka protocol's error name. */
function protocolError(type: string): Error {
  return Object.assign(new Error(`The coordinator says ${type}`), { name: 'KafkaJSProtocolError', type });
}

describe('kafka transport errors', () => {
  it.each(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'NOT_COORDINATOR_FOR_GROUP'])(
    'reads %s from a heartbeat or commit as a rebalance',
    (type) => {
      const err = groupError(protocolError(type), 'commit of orders[3]', 'KAFKA_COMMIT_FAILED');
      expect(err).toMatchObject({ code: 'KAFKA_REBALANCING', retryable: true });
      expect(err.message).toBe(`commit of orders[3]: The coordinator says ${type}`);
      expect(isKafkaTransportError(err, 'KAFKA_REBALANCING')).toBe(true);
    },
  );

  it('keeps the fallback code for other failures, with the cause', () => {
    const cause = protocolError('REQUEST_TIMED_OUT');
    const err = groupError(cause, 'commit of orders[3]', 'KAFKA_COMMIT_FAILED');
    expect(err).toMatchObject({ code: 'KAFKA_COMMIT_FAILED', retryable: true, cause });
    expect(groupError(new Error('socket hang up'), 'heartbeat', 'KAFKA_BACKGROUND_FAILURE').code).toBe('KAFKA_BACKGROUND_FAILURE');
    expect(groupError('not even an error', 'heartbeat', 'KAFKA_BACKGROUND_FAILURE').message).toBe('heartbeat: not even an error');
  });

  it('reads the protocol error name only from a string `type`', () => {
    expect(protocolErrorType(protocolError('OFFSET_OUT_OF_RANGE'))).toBe('OFFSET_OUT_OF_RANGE');
    expect(protocolErrorType(Object.assign(new Error('x'), { type: 7 }))).toBeUndefined();
    expect(protocolErrorType(null)).toBeUndefined();
  });

  it('marks each code retryable or not', () => {
    expect(new KafkaTransportError('KAFKA_CLOSED', 'closed').retryable).toBe(false);
    expect(new KafkaTransportError('KAFKA_PUBLISH_FAILED', 'failed').retryable).toBe(true);
    expect(new KafkaTransportError('KAFKA_MALFORMED_RECORD', 'bad').retryable).toBe(false);
    expect(new KafkaInvalidArgumentError('bad')).toMatchObject({ code: 'KAFKA_INVALID_ARGUMENT', retryable: false, name: 'KafkaInvalidArgumentError' });
    expect(isKafkaTransportError(new KafkaTransportError('KAFKA_CLOSED', 'closed'), 'KAFKA_REBALANCING')).toBe(false);
  });
});
