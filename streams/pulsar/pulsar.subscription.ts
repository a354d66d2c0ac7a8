import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { DeliveryContext } from '../delivery';
import type { BatchHandler, OutgoingMessage, RetryPolicy, Subscription } from '../types';
import type { ResolvedPulsarOptions } from './options';
import { PulsarTransportError, toError } from './pulsar.errors';
import type { PulsarTopicNames } from './topic-names';
import type { ConsumerHost } from './topic-consumer';
import { TopicConsumer } from './topic-consumer';
import type { PulsarClient, PulsarConsumer } from './types';

export interface PulsarSubscriptionSettings {
  client: PulsarClient;
  names: PulsarTopicNames;
  options: ResolvedPulsarOptions;
  topics: readonly string[];
  group: string;
  handler: BatchHandler;
  policy: RetryPolicy;
  maxBatchSize: number;
  publishDeadLetters: (topic: string, messages: readonly OutgoingMessage[]) => Promise<void>;
  logger: Logger;
  /** Called once the subscription ended, with what remains to finish (an aborted subscription closing its consumers). */
  onEnded(subscription: PulsarSubscription, remaining: Promise<void>): void;
}

type State = 'starting' | 'running' | 'closing' | 'closed' | 'aborted';

/**
 * One member of a consumer group: `consumersPerTopic` Key_Shared consumers on each topic, all on the
 * Pulsar subscription named after the group, each with its own loop ({@link TopicConsumer}).
 */
export class PulsarSubscription implements Subscription, ConsumerHost {
  readonly delivery: DeliveryContext;
  readonly maxBatchSize: number;
  readonly batchWaitMs: number;
  readonly releaseHoldMs: number;
  readonly logger: Logger;
  private state: State = 'starting';
  private readonly controller = new AbortController();
  private readonly consumers: TopicConsumer[] = [];
  private closing: Promise<void> | null = null;
  private resolveAborted: () => void = () => undefined;
  private readonly aborted = new Promise<void>((resolve) => {
    this.resolveAborted = resolve;
  });

  constructor(private readonly settings: PulsarSubscriptionSettings) {
    this.maxBatchSize = settings.maxBatchSize;
    this.batchWaitMs = settings.options.batchWaitMs;
    // The client sends a negative acknowledgement at the first tick of a timer running every third of
    // the delay after the delay has passed: at most 4/3 of the delay. Plus room for that tick to run late.
    this.releaseHoldMs = Math.ceil((settings.options.visibilityTimeoutMs * 4) / 3) + 200;
    this.logger = settings.logger;
    this.delivery = {
      policy: settings.policy,
      group: settings.group,
      handler: settings.handler,
      publishDeadLetters: settings.publishDeadLetters,
      signal: this.controller.signal,
    };
  }

  running(): boolean {
    return this.state === 'running';
  }

  /** Joins the subscription on every topic; if any consumer cannot be created, closes the others and throws. */
  async start(): Promise<void> {
    const { client, names, options, topics, group } = this.settings;
    const member = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const requests = topics.flatMap((topic) =>
      Array.from({ length: options.consumersPerTopic }, (_, index) => ({
        topic,
        consumer: client.subscribe({
          topic: names.full(topic),
          subscription: group,
          subscriptionType: 'KeyShared',
          subscriptionInitialPosition: 'Earliest',
          keySharedPolicy: { keyShareMode: 'AutoSplit', allowOutOfOrderDelivery: false },
          nAckRedeliverTimeoutMs: options.visibilityTimeoutMs,
          receiverQueueSize: options.receiverQueueSize,
          batchIndexAckEnabled: true,
          consumerName: `${member}-${index}`,
        }),
      })),
    );
    const results = await Promise.allSettled(requests.map((request) => request.consumer));
    const created: { topic: string; consumer: PulsarConsumer }[] = [];
    let failure: unknown = null;
    results.forEach((result, i) => {
      const request = requests[i];
      if (result.status === 'fulfilled' && request !== undefined) created.push({ topic: request.topic, consumer: result.value });
      else if (result.status === 'rejected') failure ??= result.reason;
    });
    if (failure !== null || this.state !== 'starting') {
      // Closed or aborted while joining, or a consumer could not be created: leave at once.
      await Promise.allSettled(created.map(({ consumer }) => consumer.close()));
      if (failure === null) return;
      throw new PulsarTransportError('PULSAR_SUBSCRIBE_FAILED', `subscribing group ${group} to ${topics.join(', ')} failed: ${toError(failure).message}`, { cause: failure });
    }
    this.state = 'running';
    for (const { topic, consumer } of created) this.consumers.push(new TopicConsumer(this, consumer, topic));
  }

  close(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'closed') return Promise.resolve();
    this.closing ??= this.drain();
    return this.closing;
  }

  abort(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'closed') return Promise.resolve();
    this.state = 'aborted';
    this.controller.abort();
    const remaining = Promise.all(this.consumers.map((consumer) => consumer.kill())).then(() => undefined);
    this.resolveAborted();
    this.settings.onEnded(this, remaining);
    return Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.state = 'closing';
    // Ends pending retry backoffs (those batches stay unacknowledged); running handlers finish and are acknowledged.
    this.controller.abort();
    for (const consumer of this.consumers) consumer.wake();
    await Promise.race([Promise.all(this.consumers.map((consumer) => consumer.done)), this.aborted]);
    if (this.state !== 'closing') return;
    this.state = 'closed';
    this.settings.onEnded(this, Promise.resolve());
  }
}
