import type { Logger } from 'pino';

/** What one round of a loop reports: whether more work is waiting, or how long to wait at least. */
export interface RoundResult {
  more: boolean;
  /** A hint to sleep this long (never more than the loop's idle time). */
  waitMs?: number;
}

/** A background loop of rounds: start/stop with its role, wake it when new work arrives. */
export interface WorkLoop {
  start(): void;
  /** Stops scheduling and waits for the round in progress. */
  stop(): Promise<void>;
  /** Runs the next round now (or right after the one in progress). */
  wake(): void;
  /** One round, outside the schedule (tests, CLI). */
  runOnce(): Promise<RoundResult>;
}

/**
 * Runs `round` again and again: at once while it reports more work, after `idleMs` otherwise. A round
 * that throws is logged at error level with its error and tried again after `idleMs`: the loop never
 * dies and never hides a failure.
 */
export function createWorkLoop(options: { name: string; logger: Logger; idleMs: number; round: () => Promise<RoundResult> }): WorkLoop {
  const log = options.logger.child({ loop: options.name });
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wakeRequested = false;

  function schedule(delayMs: number): void {
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    running = (async () => {
      let delay = options.idleMs;
      try {
        const result = await options.round();
        delay = result.more ? 0 : Math.min(options.idleMs, result.waitMs ?? options.idleMs);
      } catch (err) {
        log.error({ err }, `${options.name} round failed; trying again`);
      }
      running = undefined;
      if (!stopped) schedule(wakeRequested ? 0 : delay);
      wakeRequested = false;
    })();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    wake() {
      if (stopped) return;
      if (running !== undefined) {
        wakeRequested = true;
        return;
      }
      if (timer !== undefined) clearTimeout(timer);
      schedule(0);
    },
    runOnce: () => options.round(),
  };
}
