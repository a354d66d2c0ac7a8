import type { Transport } from '../types';
import type { RedisTransportOptions } from './options';
import { resolveRedisOptions } from './options';
import { RedisTransport } from './redis.transport';

export type { RedisTransportOptions } from './options';
export type { RedisTransportErrorCode } from './redis.errors';
export { RedisInvalidArgumentError, RedisTransportError } from './redis.errors';

/**
 * The Redis Streams transport. Validates the options at once (throwing a {@link RedisInvalidArgumentError}, a `RangeError`);
 * connects in the background, so an unreachable Redis surfaces on the first publish or subscribe.
 */
export function createRedisTransport(options: RedisTransportOptions): Transport {
  return new RedisTransport(resolveRedisOptions(options));
}
