export { createMemoryTransport, DEFAULT_MAX_BATCH_SIZE } from './memory.transport';
export { InvalidArgumentError, TransportClosedError } from './memory.errors';
export type { MemoryTransportErrorCode } from './memory.errors';
export { DEFAULT_MEMORY_TRANSPORT_OPTIONS, resolveMemoryTransportOptions } from './options';
export type { MemoryTransportOptions, ResolvedMemoryTransportOptions } from './options';
export type { MemoryGroupStats, MemoryTopicStats, MemoryTransport, MemoryTransportDeps } from './types';
