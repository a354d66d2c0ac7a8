import { partitionFor } from '../../../streams';
import type {
  PulsarClient,
  PulsarClientFactory,
  PulsarClientSettings,
  PulsarConsumer,
  PulsarConsumerConfig,
  PulsarMessage,
  PulsarOutgoingMessage,
  PulsarProducer,
  PulsarProducerConfig,
} from '../../../streams/pulsar';

/**
 * An in-memory fake of OUR Pulsar port (streams/pulsar/types.ts), not of pulsar-client. It models what
 * the adapter relies on, as Pulsar's broker and client behave:
 * - topics are created on first use and keep every message (as with a retention policy); a new
 *   subscription starts at the earliest message;
 * - Key_Shared: the key hash space is split evenly among the subscription's consumers in join order; a
 *   message goes to its key's owner, but only once every earlier unacknowledged message of that key is
 *   with that same owner (so a key never runs on two consumers at once, and never out of order); a
 *   message that cannot go now waits in a replay set, which is served first, in position order;
 * - each consumer prefetches up to `receiverQueueSize` messages;
 * - closing a consumer hands its unacknowledged messages back WITHOUT counting a redelivery (the broker
 *   uses `addIfAbsent` on its redelivery tracker there), and cancels its pending negative acknowledgements
 *   (the client's tracker is cancelled on close);
 * - a negative acknowledgement redelivers after `nAckRedeliverTimeoutMs`, counting one redelivery;
 * - producers batch: a send is persisted (and its promise resolved) at `flush()`, `close()`, after
 *   `batchingMaxPublishDelayMs`, or when `batchingMaxMessages` are waiting.
 */

const HASH_RANGE = 65_536;

export interface StoredMessage {
  readonly index: number;
  readonly key: string;
  readonly data: Buffer;
  readonly properties: Readonly<Record<string, string>>;
  readonly messageId: string;
}

export class FakePulsarBroker {
  readonly topics = new Map<string, FakeTopic>();
  readonly clients: FakeClient[] = [];
  readonly producerConfigs: PulsarProducerConfig[] = [];
  readonly consumerConfigs: PulsarConsumerConfig[] = [];
  readonly counts = { acks: 0, nacks: 0, sends: 0, flushes: 0 };
  private sendFailures: { topic: (name: string) => boolean; remaining: number; error: Error }[] = [];
  private subscribeFailures = 0;

  /** The factory to hand the adapter (`deps.clientFactory`). */
  readonly factory: PulsarClientFactory = (settings) => {
    const client = new FakeClient(this, settings);
    this.clients.push(client);
    return client;
  };

  topic(name: string): FakeTopic {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      topic = new FakeTopic(name, this.topics.size);
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** What the topic holds, oldest first ([] for a topic nobody used). */
  messages(name: string): readonly StoredMessage[] {
    return this.topics.get(name)?.log ?? [];
  }

  /** Appends a message as some other producer would (no adapter checks), e.g. one lacking our headers. */
  append(name: string, message: PulsarOutgoingMessage): void {
    this.topic(name).append(message);
  }

  /** The next `count` sends to topics `topic` accepts fail with `error`. */
  failSends(topic: (name: string) => boolean, count: number, error = new Error('TimeOut')): void {
    this.sendFailures.push({ topic, remaining: count, error });
  }

  failNextSubscribes(count: number): void {
    this.subscribeFailures += count;
  }

  /** @internal */
  sendFailure(topic: string): Error | null {
    const rule = this.sendFailures.find((candidate) => candidate.remaining > 0 && candidate.topic(topic));
    if (rule === undefined) return null;
    rule.remaining -= 1;
    return rule.error;
  }

  /** @internal */
  takeSubscribeFailure(): boolean {
    if (this.subscribeFailures === 0) return false;
    this.subscribeFailures -= 1;
    return true;
  }
}

export class FakeTopic {
  readonly log: StoredMessage[] = [];
  readonly subscriptions = new Map<string, FakeSubscription>();

  constructor(
    readonly name: string,
    private readonly ledger: number,
  ) {}

  append(message: PulsarOutgoingMessage): StoredMessage {
    const index = this.log.length;
    const stored: StoredMessage = {
      index,
      key: message.partitionKey,
      // The broker holds its own copy of the bytes and properties.
      data: Buffer.from(message.data),
      properties: { ...message.properties },
      messageId: `(${this.ledger},${index},-1,-1)`,
    };
    this.log.push(stored);
    for (const subscription of this.subscriptions.values()) subscription.dispatch();
    return stored;
  }

  subscription(name: string): FakeSubscription {
    let subscription = this.subscriptions.get(name);
    if (subscription === undefined) {
      subscription = new FakeSubscription(this);
      this.subscriptions.set(name, subscription);
    }
    return subscription;
  }
}

export class FakeSubscription {
  readonly consumers: FakeConsumer[] = [];
  readonly acked = new Set<number>();
  private readPosition = 0;
  private readonly pendingOn = new Map<number, FakeConsumer>();
  private readonly replay = new Set<number>();
  private readonly redeliveries = new Map<number, number>();
  /** Per key, the positions read and not yet acknowledged, in order. */
  private readonly unackedByKey = new Map<string, number[]>();

  constructor(readonly topic: FakeTopic) {}

  redeliveryCount(index: number): number {
    return this.redeliveries.get(index) ?? 0;
  }

  /** Messages delivered to some consumer and not acknowledged. */
  get pending(): number {
    return this.pendingOn.size;
  }

  join(consumer: FakeConsumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  leave(consumer: FakeConsumer): void {
    const at = this.consumers.indexOf(consumer);
    if (at >= 0) this.consumers.splice(at, 1);
    for (const [index, holder] of this.pendingOn) {
      if (holder !== consumer) continue;
      this.pendingOn.delete(index);
      this.replay.add(index);
    }
    this.dispatch();
  }

  acknowledge(consumer: FakeConsumer, index: number): void {
    if (this.pendingOn.get(index) !== consumer) return;
    this.pendingOn.delete(index);
    this.acked.add(index);
    const key = (this.topic.log[index] as StoredMessage).key;
    const list = this.unackedByKey.get(key) ?? [];
    const at = list.indexOf(index);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.unackedByKey.delete(key);
    this.dispatch();
  }

  /** A negative acknowledgement reached the broker: redeliver, counting it. */
  redeliver(consumer: FakeConsumer, index: number): void {
    if (this.pendingOn.get(index) !== consumer) return;
    this.pendingOn.delete(index);
    consumer.drop(index);
    this.redeliveries.set(index, this.redeliveryCount(index) + 1);
    this.replay.add(index);
    this.dispatch();
  }

  dispatch(): void {
    if (this.consumers.length === 0) return;
    for (const index of [...this.replay].sort((a, b) => a - b)) this.tryDispatch(index);
    const log = this.topic.log;
    while (this.readPosition < log.length) {
      const index = this.readPosition;
      this.readPosition += 1;
      const key = (log[index] as StoredMessage).key;
      const list = this.unackedByKey.get(key);
      if (list === undefined) this.unackedByKey.set(key, [index]);
      else list.push(index);
      if (!this.tryDispatch(index)) this.replay.add(index);
    }
  }

  private tryDispatch(index: number): boolean {
    const message = this.topic.log[index] as StoredMessage;
    const owner = this.ownerOf(message.key);
    if (owner === undefined || !owner.hasRoom()) return false;
    for (const earlier of this.unackedByKey.get(message.key) ?? []) {
      if (earlier >= index) break;
      if (this.pendingOn.get(earlier) !== owner) return false;
    }
    this.replay.delete(index);
    this.pendingOn.set(index, owner);
    owner.deliver(message, this.redeliveryCount(index));
    return true;
  }

  private ownerOf(key: string): FakeConsumer | undefined {
    const count = this.consumers.length;
    if (count === 0) return undefined;
    return this.consumers[Math.floor((partitionFor(key, HASH_RANGE) * count) / HASH_RANGE)];
  }
}

export class FakeClient implements PulsarClient {
  readonly producers: FakeProducer[] = [];
  readonly consumers: FakeConsumer[] = [];
  closed = false;

  constructor(
    private readonly broker: FakePulsarBroker,
    readonly settings: PulsarClientSettings,
  ) {}

  createProducer(config: PulsarProducerConfig): Promise<PulsarProducer> {
    if (this.closed) return Promise.reject(new Error('AlreadyClosed'));
    this.broker.producerConfigs.push(config);
    const producer = new FakeProducer(this.broker, config);
    this.producers.push(producer);
    return Promise.resolve(producer);
  }

  subscribe(config: PulsarConsumerConfig): Promise<PulsarConsumer> {
    if (this.closed) return Promise.reject(new Error('AlreadyClosed'));
    if (this.broker.takeSubscribeFailure()) return Promise.reject(new Error('ConnectError'));
    this.broker.consumerConfigs.push(config);
    const consumer = new FakeConsumer(this.broker, this.broker.topic(config.topic).subscription(config.subscription), config);
    this.consumers.push(consumer);
    consumer.subscription.join(consumer);
    return Promise.resolve(consumer);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.producers.map((p) => p.close()), ...this.consumers.map((c) => c.close())]);
  }
}

interface PendingSend {
  message: PulsarOutgoingMessage;
  resolve(): void;
  reject(error: Error): void;
}

export class FakeProducer implements PulsarProducer {
  closed = false;
  /** Sends not yet persisted or failed, now and at most so far. */
  inFlight = 0;
  maxInFlight = 0;
  private batch: PendingSend[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: FakePulsarBroker,
    readonly config: PulsarProducerConfig,
  ) {}

  send(message: PulsarOutgoingMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('AlreadyClosed'));
    this.broker.counts.sends += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      this.batch.push({ message, resolve, reject });
      if (this.batch.length >= this.config.batchingMaxMessages) this.commit();
      else this.timer ??= setTimeout(() => this.commit(), this.config.batchingMaxPublishDelayMs);
    });
  }

  flush(): Promise<void> {
    this.broker.counts.flushes += 1;
    this.commit();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.commit();
    this.closed = true;
    return Promise.resolve();
  }

  private commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = [];
    const topic = this.broker.topic(this.config.topic);
    for (const send of batch) {
      this.inFlight -= 1;
      const failure = this.broker.sendFailure(this.config.topic);
      if (failure === null) {
        topic.append(send.message);
        send.resolve();
      } else {
        send.reject(failure);
      }
    }
  }
}

export class FakeConsumer implements PulsarConsumer {
  closed = false;
  /** Prefetched, not yet received. */
  private readonly queue: { index: number; message: PulsarMessage }[] = [];
  private readonly indexOf = new WeakMap<PulsarMessage, number>();
  private waiter: ((message: PulsarMessage | null) => void) | null = null;
  private readonly nackTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly broker: FakePulsarBroker,
    readonly subscription: FakeSubscription,
    readonly config: PulsarConsumerConfig,
  ) {}

  hasRoom(): boolean {
    return !this.closed && this.queue.length < this.config.receiverQueueSize;
  }

  deliver(stored: StoredMessage, redeliveryCount: number): void {
    // Each delivery is a fresh object with its own bytes, as from the network.
    const message: PulsarMessage = {
      topicName: this.config.topic,
      partitionKey: stored.key,
      data: Buffer.from(stored.data),
      properties: { ...stored.properties },
      messageId: stored.messageId,
      redeliveryCount,
    };
    this.indexOf.set(message, stored.index);
    const waiter = this.waiter;
    if (waiter === null) this.queue.push({ index: stored.index, message });
    else waiter(message);
  }

  /** A redelivered message leaves this consumer's prefetch queue (if it was still there). */
  drop(index: number): void {
    const at = this.queue.findIndex((entry) => entry.index === index);
    if (at >= 0) this.queue.splice(at, 1);
  }

  receive(timeoutMs: number): Promise<PulsarMessage | null> {
    if (this.closed) return Promise.reject(new Error('AlreadyClosed'));
    if (this.waiter !== null) return Promise.reject(new Error('fake: overlapping receive calls'));
    const next = this.queue.shift();
    if (next !== undefined) {
      // Room in the prefetch queue: the broker sends more.
      this.subscription.dispatch();
      return Promise.resolve(next.message);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(message);
      };
    });
  }

  acknowledge(message: PulsarMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('AlreadyClosed'));
    const index = this.indexOf.get(message);
    if (index === undefined) return Promise.reject(new Error('fake: message not received by this consumer'));
    this.broker.counts.acks += 1;
    this.subscription.acknowledge(this, index);
    return Promise.resolve();
  }

  negativeAcknowledge(message: PulsarMessage): void {
    const index = this.indexOf.get(message);
    if (index === undefined || this.closed) return;
    this.broker.counts.nacks += 1;
    const timer = setTimeout(() => {
      this.nackTimers.delete(timer);
      this.subscription.redeliver(this, index);
    }, this.config.nAckRedeliverTimeoutMs);
    this.nackTimers.add(timer);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const timer of this.nackTimers) clearTimeout(timer);
    this.nackTimers.clear();
    this.waiter?.(null);
    this.queue.length = 0;
    this.subscription.leave(this);
    return Promise.resolve();
  }
}
