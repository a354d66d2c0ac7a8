/**
 * Child processes of the benchmark: the pipeline's `paystream start` processes (plain spawn, output
 * to a log file) and the benchmark's own helpers (forked with an IPC channel). TypeScript runs
 * through tsx; compiled JavaScript runs as is.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** The repository root: the nearest folder above this file holding package.json (works from `dist/` too). */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'cli'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
}

/** Node arguments that run `file` (a .ts file through tsx, a .js file directly). */
export function nodeArgsFor(file: string, nodeFlags: readonly string[] = []): string[] {
  return file.endsWith('.ts') ? ['--import', 'tsx', ...nodeFlags, file] : [...nodeFlags, file];
}

/** A sibling of the running module: `name.ts` when this runs as TypeScript, `name.js` when compiled. */
export function siblingModule(name: string): string {
  return path.join(__dirname, `${name}${path.extname(__filename) === '.ts' ? '.ts' : '.js'}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last few kilobytes of its output (for error messages). */
  tail(): string;
  /** Where its whole output goes. */
  logFile: string;
  /** Resolves when its output contains `readyText`; rejects if it exits first. */
  ready: Promise<void>;
  exited(): boolean;
  /** SIGTERM, then its exit code (SIGKILL after `graceMs`). */
  stop(graceMs: number): Promise<number | null>;
}

const TAIL_BYTES = 16_384;

/** Spawns `node <args>` with its stdout and stderr written to `logFile`. */
export function spawnLogged(name: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; readyText: string }): ManagedProcess {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(options.logFile);
  let tail = '';
  let seenReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
      if (!seenReady && tail.includes(options.readyText)) {
        seenReady = true;
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      log.end();
      reject(new Error(`${name} exited (${signal ?? String(code)}) before it was ready:\n${tail.slice(-4000)}`));
    });
  });
  ready.catch(() => undefined);
  return {
    name,
    pid: child.pid ?? -1,
    child,
    tail: () => tail,
    logFile: options.logFile,
    ready,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: (graceMs) => stopChild(child, graceMs),
  };
}

/** Forks a benchmark helper module with an IPC channel; its output goes to this process's stderr. */
export function forkHelper(file: string, nodeFlags: readonly string[] = []): ChildProcess {
  const args = nodeArgsFor(file, nodeFlags);
  const script = args[args.length - 1] ?? file;
  return fork(script, [], { execArgv: args.slice(0, -1), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function stopChild(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}
