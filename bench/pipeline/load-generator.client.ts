/** The orchestrator's side of the load generator process: one request at a time over IPC. */
import type { ChildProcess } from 'node:child_process';
import { forkHelper, siblingModule, stopChild } from './child.process';
import { fromEchoServer, fromLoadGenerator, type FromLoadGenerator, type ToLoadGenerator } from './ipc.messages';
import type { PhaseMeasurement, PhaseSpec } from './types';

export type Progress = Extract<FromLoadGenerator, { type: 'progress' }>;
/** Deadline of each call; open loop: most calls in flight, and the overload cut-off. */
export interface CallLimits {
  timeoutMs: number;
  maxInFlight: number;
  overloadCutoffMs: number;
}

/** A merchant (index into the API keys) and its two wallets for the wallet scenario. */
export type WalletPairSpec = Extract<ToLoadGenerator, { type: 'connect' }>['walletPairs'][number];

export class LoadGeneratorProcess {
  private waiter: { resolve: (message: FromLoadGenerator) => void; reject: (err: Error) => void } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly onProgress: (progress: Progress) => void,
  ) {
    child.on('message', (raw: unknown) => {
      const parsed = fromLoadGenerator.safeParse(raw);
      if (!parsed.success) {
        this.fail(new Error(`the load generator sent a malformed message: ${parsed.error.message}`));
        return;
      }
      const message = parsed.data;
      if (message.type === 'progress') {
        this.onProgress(message);
        return;
      }
      const waiter = this.waiter;
      this.waiter = undefined;
      if (message.type === 'failed') waiter?.reject(new Error(`load generator: ${message.message}`));
      else waiter?.resolve(message);
    });
    child.once('exit', (code, signal) => this.fail(new Error(`the load generator exited (${signal ?? String(code)})`)));
  }

  static start(onProgress: (progress: Progress) => void): LoadGeneratorProcess {
    return new LoadGeneratorProcess(forkHelper(siblingModule('load-generator.process')), onProgress);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private fail(err: Error): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }

  private request(message: ToLoadGenerator): Promise<FromLoadGenerator> {
    if (this.waiter !== undefined) return Promise.reject(new Error('the load generator is busy'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.child.send(message, (err) => {
        if (err !== null) this.fail(err);
      });
    });
  }

  async connect(address: string, apiKeys: readonly string[], walletPairs: readonly WalletPairSpec[], limits: CallLimits): Promise<void> {
    const reply = await this.request({ type: 'connect', address, apiKeys: [...apiKeys], walletPairs: [...walletPairs], ...limits });
    if (reply.type !== 'connected') throw new Error(`unexpected reply to connect: ${reply.type}`);
  }

  async run(phase: PhaseSpec): Promise<PhaseMeasurement> {
    const reply = await this.request({ type: 'run', phase });
    if (reply.type !== 'done') throw new Error(`unexpected reply to run: ${reply.type}`);
    return reply.measurement;
  }

  async exit(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToLoadGenerator);
    await stopChild(this.child, 5_000);
  }
}

/** The echo server (gRPC ceiling) as a child process; resolves once it listens. */
export async function startEchoServer(): Promise<{ pid: number; address: string; stop(): Promise<void> }> {
  const child = forkHelper(siblingModule('echo.server'));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (raw: unknown) => {
      const parsed = fromEchoServer.safeParse(raw);
      if (!parsed.success) reject(new Error(`the echo server sent a malformed message: ${parsed.error.message}`));
      else if (parsed.data.type === 'failed') reject(new Error(`echo server: ${parsed.data.message}`));
      else resolve(parsed.data.port);
    });
    child.once('exit', (code) => reject(new Error(`the echo server exited (${String(code)}) before listening`)));
  });
  return {
    pid: child.pid ?? -1,
    address: `127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child, 5_000);
    },
  };
}
