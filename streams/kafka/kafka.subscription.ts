import type { Consumer, EachBatchPayload } from 'kafkajs';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DeliveryContext } from '../delivery';
import type { BatchHandler, OutgoingMessage, RetryPolicy, Subscription } from '../types';
import { clientConfig } from './client-config';
import type { DeliveryCounter } from './delivery-counter';
import { groupError, KafkaTransportError, toError } from './kafka.errors';
import type { ResolvedKafkaOptions } from './options';
import type { BatchControl, BatchResult } from './partition-batch';
import { runPartitionBatch } from './partition-batch';
import { SeverableSockets } from './severable-sockets';

export interface KafkaSubscriptionDeps {
  options: ResolvedKafkaOptions;
  topics: readonly string[];
  group: string;
  handler: BatchHandler;
  maxBatchSize: number;
  policy: RetryPolicy;
  /** The transport's delivery counts, shared by its subscriptions. */
  attempts: DeliveryCounter;
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  logger: Logger;
  onEnded(subscription: KafkaSubscription): void;
}

type State = 'starting' | 'running' | 'closing' | 'closed' | 'aborted';

/**
 * One consumer-group member: its own kafkajs client (so abort can cut its connections) and consumer,
 * consuming with `eachBatch`, no auto-resolve and no auto-commit: {@link runPartitionBatch} commits each
 * chunk once {@link deliver} has handled it.
 */
export class KafkaSubscription implements Subscription {
  private state: State = 'starting';
  private readonly sockets = new SeverableSockets();
  private readonly consumer: Consumer;
  /** Aborted by close and abort: ends retry backoffs; the delivery runner's signal. */
  private readonly stopping = new AbortController();
  /** Aborted by abort only: batches are dropped where they stand. */
  private readonly crashed = new AbortController();
  private readonly delivery: DeliveryContext;
  private readonly logger: Logger;
  /** `consumer.run()`: settles once the consumer has joined its group (or crashed trying). */
  private joined: Promise<void> = Promise.resolve();
  private ending: Promise<void> | null = null;

  constructor(private readonly deps: KafkaSubscriptionDeps) {
    const { options, group } = deps;
    this.logger = deps.logger.child({ group });
    const kafka = new Kafka(clientConfig(options, this.logger, { socketFactory: this.sockets.factory, quiet: () => this.state === 'aborted' }));
    this.consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // kafkajs restarts a consumer that crashed on a retriable error; not once this subscription is ending.
      retry: { restartOnFailure: () => Promise.resolve(this.state === 'running') },
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (this.state !== 'running') return;
      const cause = toError(payload.error);
      const restart = payload.restart ? 'restarting' : 'not restarting';
      this.report(new KafkaTransportError('KAFKA_CONSUMER_CRASHED', `consumer of group ${group} crashed (${restart}): ${cause.message}`, { cause }), 'consumer');
    });
    this.delivery = {
      policy: deps.policy,
      group,
      handler: deps.handler,
      publishDeadLetters: (topic, messages) => deps.publish(topic, messages),
      signal: this.stopping.signal,
    };
  }

  /**
   * Connects and subscribes (a new group starts at the oldest records), then starts consuming. Joining
   * the group goes on in the background: a rebalance may wait for other members to finish their batches.
   */
  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.deps.topics], fromBeginning: true });
    } catch (err) {
      this.state = 'aborted';
      this.sockets.sever();
      await this.consumer.disconnect().catch(() => undefined);
      this.deps.onEnded(this);
      const cause = toError(err);
      throw new KafkaTransportError('KAFKA_CONNECT_FAILED', `subscribing group ${this.deps.group} to ${this.deps.topics.join(', ')} failed: ${cause.message}`, { cause });
    }
    this.state = 'running';
    this.joined = this.consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.deps.options.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(payload),
      })
      .catch((err: unknown) => this.report(err, 'starting the consumer'));
  }

  /** Waits for the batches in flight (each commits what it handled), leaves the group and disconnects. */
  close(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'closed') return Promise.resolve();
    this.ending ??= this.drain();
    return this.ending;
  }

  /** Cuts the connections at once, as a crash would: nothing more is committed, the group does not hear a goodbye. */
  async abort(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'closed') return;
    this.state = 'aborted';
    this.crashed.abort();
    this.stopping.abort();
    this.sockets.sever();
    // Only tidies kafkajs's own state: every request it tries from here fails at once.
    await this.consumer.disconnect().catch(() => undefined);
    this.deps.onEnded(this);
  }

  private async drain(): Promise<void> {
    this.state = 'closing';
    this.stopping.abort();
    try {
      await this.joined;
      // Waits for the running eachBatch calls; each stops after its chunk in flight and commits it.
      await this.consumer.stop();
      await this.consumer.disconnect();
    } catch (err) {
      this.report(err, 'closing the consumer');
    } finally {
      if (this.state === 'closing') {
        this.state = 'closed';
        this.deps.onEnded(this);
      }
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const what = `${topic}[${partition}]`;
    const control: BatchControl = {
      heartbeat: () => payload.heartbeat().catch((err: unknown) => Promise.reject(groupError(err, `heartbeat of ${what}`, 'KAFKA_BACKGROUND_FAILURE'))),
      resolveOffset: (offset) => payload.resolveOffset(offset),
      commit: (next) =>
        payload
          .commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] })
          .catch((err: unknown) => Promise.reject(groupError(err, `commit of ${what}`, 'KAFKA_COMMIT_FAILED'))),
      isRunning: () => payload.isRunning(),
      isStale: () => payload.isStale(),
    };
    const result: BatchResult = await runPartitionBatch(batch.messages, control, {
      topic,
      partition,
      maxBatchSize: this.deps.maxBatchSize,
      heartbeatIntervalMs: this.deps.options.heartbeatIntervalMs,
      delivery: this.delivery,
      attempts: this.deps.attempts,
      crashed: this.crashed.signal,
      report: (err, context) => this.report(err, context),
    });
    this.logger.trace({ topic, partition, ...result }, 'kafka transport: batch ended');
  }

  private report(err: unknown, what: string): void {
    if (this.state === 'aborted') return;
    this.logger.warn({ err, topics: this.deps.topics }, `kafka transport: ${what} failed`);
  }
}
