import type { Logger } from 'pino';

export interface KafkaTransportDeps {
  /** Receives background errors (heartbeats, commits, consumer crashes) and kafkajs's own warnings. */
  logger: Logger;
}

/** A record header value as the client hands it over: bytes, or several values for a repeated name. */
export type RawHeaderValue = Buffer | string | readonly (Buffer | string)[] | undefined;

/** One record of a fetched batch, as kafkajs hands it over (no kafkajs type, so tests can build one). */
export interface RawRecord {
  /** The record's offset, a decimal int64. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Readonly<Record<string, RawHeaderValue>>;
}
