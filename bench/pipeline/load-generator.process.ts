/**
 * The load generator: a child process of the benchmark (forked with an IPC channel). Real gRPC
 * clients (`createOrderClient`), one per merchant API key, sharing grpc-js's subchannel to the
 * target. The orchestrator tells it where to connect and which phase to run; it reports progress
 * every second and the phase's measurement at the end.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createOrderClient, createWalletClient, type ActionStatusName, type OrderClient, type SubmitOrderInput, type WalletClient } from '../../gateway';
import { toLoadGenerator, type FromLoadGenerator, type ToLoadGenerator } from './ipc.messages';
import { runLoad, type CallOutcome } from './load.generator';
import type { AnswerCode, AnswerTag, PhaseSpec } from './types';

/** One merchant's two wallets for the wallet scenario: A (enterprise, with a credit limit) and B. */
interface WalletPair {
  client: WalletClient;
  a: string;
  b: string;
}

interface Connection {
  clients: OrderClient[];
  walletPairs: WalletPair[];
  timeoutMs: number;
  maxInFlight: number;
  overloadCutoffMs: number;
}

/** JSON over IPC: NaN arrives as null, which the orchestrator's parser reads back as NaN. */
function reply(message: FromLoadGenerator): void {
  process.send?.(message);
}

/** A realistic small checkout: one to three items; one order in 50 is declined by the PSP simulator. */
function benchOrder(seq: number): SubmitOrderInput {
  const items = Array.from({ length: 1 + (seq % 3) }, (_, i) => ({
    sku: `sku-${(seq + i) % 500}`,
    name: `Item ${(seq + i) % 500}`,
    quantity: 1 + ((seq + i) % 4),
    unitPriceMinor: 199 + ((seq * 7 + i * 13) % 4_800),
  }));
  return {
    idempotencyKey: randomUUID(),
    customer: { id: `cust-${seq % 10_000}`, name: 'Bench Customer', email: 'buyer@bench.test', phone: '+15555550100' },
    items,
    currency: 'USD',
    paymentToken: seq % 50 === 49 ? 'tok_decline_insufficient_funds' : 'tok_visa',
  };
}

const ANSWER: Record<string, AnswerCode> = { COMPLETED: 'C', FAILED: 'F', PENDING: 'P' };
const ACTION_ANSWER: Record<ActionStatusName, AnswerCode> = { HELD: 'H', POSTED: 'O', PENDING: 'P', REJECTED: 'R', RELEASED: 'R', VOIDED: 'R' };
/** The wallet scenario's cycle of actions, per pair: top up A, use A, transfer A → B, top up B. */
const ACTION_CYCLE: readonly AnswerTag[] = ['T', 'U', 'X', 'B'];

/** A failed call as an outcome: the gRPC status name and the error's message. */
function failure(err: unknown): CallOutcome {
  const detail = err instanceof Error ? err.message : String(err);
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    return { kind: 'error', code: (GrpcStatus as unknown as Record<number, string | undefined>)[err.code] ?? `CODE_${err.code}`, detail };
  }
  return { kind: 'error', code: err instanceof Error ? err.name : 'UNKNOWN', detail };
}

async function submit(client: OrderClient, seq: number, timeoutMs: number): Promise<CallOutcome> {
  try {
    const { order } = await client.submitOrder(benchOrder(seq), { timeoutMs });
    return { kind: 'answer', id: order.orderId, status: ANSWER[order.status] ?? 'P', amountMinor: order.status === 'COMPLETED' ? order.netMinor : 0, tag: 'O' };
  } catch (err) {
    return failure(err);
  }
}

/** Action number `seq` of a pair: which one (the cycle), and an amount of 1.00-9.99. */
async function act(pair: WalletPair, seq: number, round: number, timeoutMs: number): Promise<CallOutcome> {
  const tag = ACTION_CYCLE[round % ACTION_CYCLE.length] ?? 'T';
  const amountMinor = 100 + (seq % 900);
  const idempotencyKey = randomUUID();
  const settings = { timeoutMs };
  try {
    const { action } =
      tag === 'T' || tag === 'B'
        ? await pair.client.topUp({ idempotencyKey, walletId: tag === 'T' ? pair.a : pair.b, amountMinor, externalReference: `bench-${seq}` }, settings)
        : tag === 'U'
          ? await pair.client.use({ idempotencyKey, walletId: pair.a, amountMinor, description: `bench usage ${seq}` }, settings)
          : await pair.client.transfer({ idempotencyKey, fromWalletId: pair.a, toWalletId: pair.b, amountMinor, description: `bench transfer ${seq}` }, settings);
    return { kind: 'answer', id: action.actionId, status: ACTION_ANSWER[action.status], amountMinor, tag };
  } catch (err) {
    return failure(err);
  }
}

async function runPhase(connection: Connection, phase: PhaseSpec): Promise<void> {
  const { clients } = connection;
  const spread = clients.length - 1;
  const hot = clients.length - 1;
  const measurement = await runLoad({
    name: phase.name,
    load: phase.load,
    durationMs: phase.durationMs,
    maxInFlight: connection.maxInFlight,
    overloadCutoffMs: connection.overloadCutoffMs,
    now: () => performance.now(),
    progressEveryMs: 1000,
    onProgress: (p) => reply({ type: 'progress', phase: phase.name, ...p }),
    submit: (seq) => {
      if (phase.scenario === 'wallet') {
        const pairs = connection.walletPairs;
        const index = seq % pairs.length;
        const pair = pairs[index];
        if (pair === undefined) throw new RangeError('the wallet scenario needs wallet pairs (connect with walletPairs)');
        return { merchant: index, outcome: act(pair, seq, Math.floor(seq / pairs.length), connection.timeoutMs) };
      }
      const merchant = phase.scenario === 'hot' ? hot : seq % spread;
      const client = clients[merchant];
      if (client === undefined) throw new RangeError(`no client for merchant ${merchant}`);
      return { merchant, outcome: submit(client, seq, connection.timeoutMs) };
    },
  });
  reply({ type: 'done', measurement });
}

function close(connection: Connection | undefined): void {
  for (const client of connection?.clients ?? []) client.close();
  for (const pair of connection?.walletPairs ?? []) pair.client.close();
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('the load generator runs as a child of bench/pipeline.bench.ts (it needs an IPC channel)\n');
    process.exitCode = 2;
    return;
  }
  let connection: Connection | undefined;
  let queue: Promise<void> = Promise.resolve();
  const handle = async (message: ToLoadGenerator): Promise<void> => {
    switch (message.type) {
      case 'connect': {
        close(connection);
        const walletPairs = message.walletPairs.map((pair) => {
          const key = message.apiKeys[pair.merchant];
          if (key === undefined) throw new RangeError(`wallet pair of unknown merchant ${pair.merchant}`);
          return { client: createWalletClient(message.address, key), a: pair.a, b: pair.b };
        });
        connection = { clients: message.apiKeys.map((key) => createOrderClient(message.address, key)), walletPairs, timeoutMs: message.timeoutMs, maxInFlight: message.maxInFlight, overloadCutoffMs: message.overloadCutoffMs };
        reply({ type: 'connected' });
        return;
      }
      case 'run':
        if (connection === undefined) throw new Error('run before connect');
        await runPhase(connection, message.phase);
        return;
      case 'exit':
        close(connection);
        process.disconnect();
        return;
    }
  };
  process.on('message', (raw: unknown) => {
    // One message at a time, in order: a phase runs to its end before the next message is handled.
    queue = queue
      .then(() => handle(toLoadGenerator.parse(raw)))
      .catch((err: unknown) => reply({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
}

main();
