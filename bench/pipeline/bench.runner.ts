/**
 * One benchmark run, start to end: database, pipeline processes, load generator, phases with drains,
 * verification, the two ceilings, profiles, results. Every process and resource it starts is stopped
 * or removed before it returns, failure or not.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteRedisKeys } from '../redis-keyspace';
import { recreateDatabase, seedMerchants, type BenchDatabase } from './bench.database';
import { chartSeries, computeHeadline, coresByGroup, cpuMsPerOrder, evaluateTargets, formatPhaseTable, formatReport, renderResultMarkdown, type BenchResult } from './bench.report';
import { formatProfileSummary, summarizeCpuProfile } from './cpu-profile.summary';
import { summarizeLogs } from './log.summary';
import { measureDatabaseCeiling, type DatabaseCeiling } from './database.ceiling';
import { renderLatencyChart } from './latency.chart';
import { LoadGeneratorProcess, startEchoServer, type Progress } from './load-generator.client';
import { describeMachine } from './machine.info';
import type { BenchOptions } from './options';
import { echoPhases, pipelinePhases } from './phase.plan';
import { perOrder, ratesBetween, readStatus, type StatusSample } from './mysql.status';
import { ERP_SIMULATOR, startPipeline, type RunningPipeline } from './pipeline.launcher';
import { findProcesses } from './proc.stats';
import { verifyRun, type AnsweredOrder, type Verification } from './run.verifier';
import type { Accepted, AnswerCode, PhaseReport, PhaseSpec, ProcessUsage } from './types';
import { UsageMeter } from './usage.meter';
import { collectRunFacts, collectWalletFacts, measureRowMix, waitForDrain, type RowMix } from './verify.queries';
import { createWalletPairs, walletScenarioNote } from './wallet.scenario';
import { verifyWalletRun, type AnsweredAction, type WalletVerification } from './wallet.verifier';

export interface BenchIo {
  /** A line of the report or of what the run is doing. */
  log(line: string): void;
  /** The live progress line (overwritten in place on a terminal). */
  progress(line: string): void;
}

/** Reads MariaDB's counters around a phase. */
interface PhaseProbe {
  read(): Promise<StatusSample>;
  perOrder(from: StatusSample, to: StatusSample, orders: number): Record<string, number>;
}

export interface BenchOutcome {
  result: BenchResult;
  files: string[];
  exitCode: number;
}

/** Prefixes every log line with the time since the run started. */
function withElapsed(io: BenchIo, startMs: number): BenchIo {
  return {
    log: (line) => io.log(line === '' || line.includes('\n') ? line : `[${((Date.now() - startMs) / 1000).toFixed(1).padStart(6)} s] ${line}`),
    progress: (line) => io.progress(line),
  };
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function progressLine(p: Progress): string {
  const p99 = Number.isFinite(p.p99Ms) ? `${p.p99Ms.toFixed(1)} ms` : '-';
  return `${p.phase}: ${(p.elapsedMs / 1000).toFixed(0)} s, ${Math.round(p.ratePerSecond).toLocaleString('en-US')} answers/s, in flight ${p.inFlight}, sent ${p.sent}, p99 so far ${p99}`;
}

export async function runBench(options: BenchOptions, root: string, output: BenchIo): Promise<BenchOutcome> {
  const startedAt = new Date();
  const io = withElapsed(output, startedAt.getTime());
  const runId = `${stamp(startedAt)}-${options.transport}-${options.mode}`;
  const outDir = path.resolve(root, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'paystream-bench-'));
  const profileDir = options.profile ? path.join(outDir, 'profiles', runId) : undefined;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const redisPrefix = `paystream-bench-${randomUUID().slice(0, 8)}`;
  const meter = new UsageMeter();
  for (const server of findProcesses(['mariadbd', 'mysqld', 'redis-server'])) meter.watch({ name: server.name, pid: server.pid });

  let db: BenchDatabase | undefined;
  let pipeline: RunningPipeline | undefined;
  let loadgen: LoadGeneratorProcess | undefined;
  let echo: Awaited<ReturnType<typeof startEchoServer>> | undefined;
  const failures: string[] = [];
  let finished = false;
  try {
    io.log(`run ${runId}: preparing database ${options.database}`);
    db = await recreateDatabase(options.mysqlServerUrl, options.database);
    const machine = await describeMachine(db.pool, options.redisUrl);
    const merchants = await seedMerchants(db.pool, options.merchants, 'Bench Shop');
    const [hot] = await seedMerchants(db.pool, 1, 'Hot Shop');
    if (hot === undefined) throw new Error('could not create the hot merchant');
    const apiKeys = [...merchants.map((m) => m.apiKey), hot.apiKey];
    io.log(`seeded ${merchants.length} merchants and one hot merchant; starting the pipeline (${options.transport}, ${options.mode}, ${options.runtime})`);

    // What MariaDB and Redis do without us (other work on a shared machine), taken off their per-order CPU.
    const quietStart = meter.mark();
    const quietStatus = await readStatus(db.pool);
    await new Promise((resolve) => setTimeout(resolve, options.quick ? 1_000 : 3_000));
    const background = coresByGroup(meter.between(quietStart, meter.mark()));
    const statusBackground = ratesBetween(quietStatus, await readStatus(db.pool));
    const pool = db.pool;
    const mysqlStatus: PhaseProbe = { read: () => readStatus(pool), perOrder: (from, to, orders) => perOrder(from, to, orders, statusBackground) };

    const env: Record<string, string> = { PSP_SIM_LATENCY_MS: String(options.pspLatencyMs) };
    if (options.partitions !== undefined) env.PARTITIONS = String(options.partitions);
    if (options.batchSize !== undefined) env.BATCH_SIZE = String(options.batchSize);
    pipeline = await startPipeline({
      root,
      runtime: options.runtime,
      transport: options.transport,
      mode: options.mode,
      mysqlUrl: db.url,
      redisUrl: options.redisUrl,
      redisPrefix,
      logLevel: options.logLevel,
      logDir: workDir,
      env,
      nodeFlags: options.nodeFlags,
      profileDir,
    });
    // The ERP simulator stands for an external system: its CPU is shown apart (erp), not as paystream's.
    for (const p of pipeline.processes) meter.watch({ name: p.name === ERP_SIMULATOR ? `erp:${p.name}` : `pipeline:${p.name}`, pid: p.pid });
    // Every progress report (once a second) also samples CPU and memory, for each phase's peak RSS.
    loadgen = LoadGeneratorProcess.start((p) => {
      meter.sample();
      io.progress(progressLine(p));
    });
    meter.watch({ name: 'loadgen', pid: loadgen.pid });
    const limits = { timeoutMs: options.callTimeoutMs, maxInFlight: options.maxInFlight, overloadCutoffMs: options.overloadCutoffMs };
    const walletSpecs = pipelinePhases(options).filter((p) => p.scenario === 'wallet');
    const walletPairs = walletSpecs.length === 0 ? [] : await createWalletPairs(pipeline.grpcAddress, apiKeys, options.walletPairs, options.callTimeoutMs);
    await loadgen.connect(pipeline.grpcAddress, apiKeys, walletPairs, limits);
    io.log(`pipeline up at ${pipeline.grpcAddress} (logs in ${workDir})${walletPairs.length === 0 ? '' : `; ${walletPairs.length} wallet pairs created`}`);

    // Pipeline phases, each followed by a drain so the next starts from an idle pipeline.
    const phases: PhaseReport[] = [];
    const answers: Answers = { orders: [], actions: [] };
    const drain = (spec: PhaseSpec) => async (since: Date): Promise<number> => {
      const { state, waitedMs } = await waitForDrain(pool, since, options.drainTimeoutMs);
      if (!state.drained) {
        failures.push(
          `${spec.name}: the pipeline did not drain within ${options.drainTimeoutMs / 1000} s (log rows ${state.logRows} of ${state.expectedLogRows}, projection ${state.finalInProjection} of ${state.requests}, undecided actions ${state.undecidedActions}, unconfirmed at the ERP ${state.unconfirmedAtErp})`,
        );
      }
      return waitedMs;
    };
    const runStart = meter.mark();
    // The header of the table whose rows are printed as the phases finish.
    io.log(formatPhaseTable([]).split('\n').slice(0, 2).join('\n'));
    for (const spec of pipelinePhases(options).filter((p) => p.scenario !== 'wallet')) {
      const report = await runPhase(spec, loadgen, meter, io, background, mysqlStatus, drain(spec), answers);
      if (!spec.warmup) phases.push(report);
    }
    // The rows an order leaves behind, before wallet actions add rows of their own to the same tables.
    const { mix } = await measureRowMix(pool);
    for (const spec of walletSpecs) {
      const report = await runPhase(spec, loadgen, meter, io, background, mysqlStatus, drain(spec), answers);
      if (!spec.warmup) phases.push(report);
    }
    const runEnd = meter.mark();
    const pipelineUsage = meter.between(runStart, runEnd, (p) => p.name.startsWith('pipeline:') || p.name.startsWith('erp:') || p.name === 'loadgen');

    io.log('stopping the pipeline (graceful: SIGTERM)');
    const stopped = pipeline;
    pipeline = undefined;
    const codes = await stopped.stop();
    for (const { name, code } of codes) if (code !== 0) failures.push(`pipeline process ${name} exited with ${String(code)}`);
    const logs = stopped.processes.map((p) => ({ process: p.name, summary: summarizeLogs(readFileSync(p.logFile, 'utf8')) }));

    io.log('verifying every accepted order against MySQL');
    const verification: Verification = verifyRun(answers.orders, await collectRunFacts(db.pool));
    if (verification.lost > 0) failures.push(`${verification.lost} accepted order(s) lost`);
    if (verification.duplicated > 0) failures.push(`${verification.duplicated} order(s) duplicated`);
    if (verification.inconsistent > 0) failures.push(`${verification.inconsistent} order(s) answered differently from what was recorded`);
    if (!verification.balances.ok) failures.push('balances do not add up');
    let walletVerification: WalletVerification | null = null;
    if (walletPairs.length > 0) {
      io.log('verifying every wallet action against MySQL');
      walletVerification = verifyWalletRun(answers.actions, await collectWalletFacts(db.pool, walletPairs.flatMap((p) => [p.a, p.b])));
      if (walletVerification.lost > 0) failures.push(`${walletVerification.lost} wallet action(s) lost`);
      if (walletVerification.duplicated > 0) failures.push(`${walletVerification.duplicated} wallet action(s) duplicated`);
      if (walletVerification.inconsistent > 0) failures.push(`${walletVerification.inconsistent} wallet action(s) answered differently from what was recorded`);
      if (walletVerification.walletMismatches > 0) failures.push(`${walletVerification.walletMismatches} wallet(s) whose balance is not the sum of its actions`);
    }

    let grpcCeiling: number | null = null;
    let database: DatabaseCeiling | null = null;
    if (options.ceilings) {
      io.log('gRPC ceiling: the same load generator against an echo server of the same proto');
      echo = await startEchoServer();
      meter.watch({ name: 'echo', pid: echo.pid });
      await loadgen.connect(echo.address, apiKeys, [], limits);
      for (const spec of echoPhases(options)) {
        const report = await runPhase(spec, loadgen, meter, io, background, null, () => Promise.resolve(null), { orders: [], actions: [] });
        if (!spec.warmup) phases.push(report);
      }
      await echo.stop();
      echo = undefined;
      grpcCeiling = Math.max(...phases.filter((p) => p.target === 'echo' && p.load.kind === 'closed').map((p) => p.answeredPerSecond));
      io.log(`database ceiling: set-based inserts of the run's row mix (${describeMix(mix)})`);
      database = await measureDatabaseCeiling(db.pool, mix, {
        durationMs: options.dbCeilingMs,
        connections: options.dbCeilingConnections,
        ordersPerBatch: 100,
        rowsPerStatement: 100,
      });
    }
    await loadgen.exit();
    loadgen = undefined;

    const profiles = profileDir === undefined ? [] : readProfiles(profileDir, root);
    const headline = computeHeadline(phases, grpcCeiling, database, pipelineUsage);
    const targets = evaluateTargets(options.transport, headline, pipelineUsage.filter((u) => u.name.startsWith('pipeline:')));
    if (options.strict) for (const t of targets) if (t.met === false) failures.push(`target missed: ${t.name}`);
    const result: BenchResult = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      config: {
        transport: options.transport,
        mode: options.mode,
        runtime: options.runtime,
        quick: options.quick,
        merchants: options.merchants,
        pspLatencyMs: options.pspLatencyMs,
        logLevel: options.logLevel,
        nodeFlags: options.nodeFlags,
        partitions: options.partitions ?? null,
        batchSize: options.batchSize ?? null,
        notifications: 'SMTP_URL and SMS_URL unset: each notification is recorded NOT_CONFIGURED (no provider call)',
      },
      machine,
      background,
      phases,
      pipelineUsage,
      verification,
      walletVerification,
      rowMix: roundMix(mix),
      ceilings: { grpcOrdersPerSecond: grpcCeiling, database },
      headline,
      targets,
      walletScenario:
        walletPairs.length === 0
          ? { available: false, note: 'skipped (--no-wallet)' }
          : { available: true, note: `${walletScenarioNote()}; ${walletPairs.length} merchants with an enterprise and a personal wallet` },
      profiles,
      logs,
      ok: failures.length === 0,
      failures,
    };
    const files = writeResults(outDir, runId, result);
    io.log('');
    io.log(formatReport(result));
    for (const p of profiles) {
      io.log('');
      io.log(formatProfileSummary(`${p.process} (${p.file})`, p.summary));
    }
    io.log('');
    io.log(`results: ${files.map((f) => path.relative(root, f)).join(', ')}`);
    finished = true;
    return { result, files, exitCode: failures.length === 0 ? 0 : 1 };
  } finally {
    await echo?.stop().catch(() => undefined);
    await loadgen?.exit().catch(() => undefined);
    await pipeline?.stop().catch(() => undefined);
    if (db !== undefined) {
      if (options.keepDatabase) await db.pool.end().catch(() => undefined);
      else await db.drop().catch((err: unknown) => io.log(`could not drop ${options.database}: ${String(err)}`));
    }
    if (options.transport === 'redis') await deleteRedisKeys(options.redisUrl, redisPrefix).catch(() => 0);
    if (finished && failures.length === 0 && !options.keepLogs) rmSync(workDir, { recursive: true, force: true });
    else io.log(`pipeline logs kept in ${workDir}`);
  }
}

async function runPhase(
  spec: PhaseSpec,
  loadgen: LoadGeneratorProcess,
  meter: UsageMeter,
  io: BenchIo,
  background: Readonly<Record<string, number>>,
  mysqlStatus: PhaseProbe | null,
  drain: (since: Date) => Promise<number | null>,
  answers: Answers,
): Promise<PhaseReport> {
  const since = new Date();
  const start = meter.mark();
  const statusStart = await mysqlStatus?.read();
  const measurement = await loadgen.run(spec);
  io.progress('');
  const { accepted, ...figures } = measurement;
  collectAnswers(accepted, answers);
  const drainMs = await drain(since);
  const end = meter.mark();
  const statusEnd = await mysqlStatus?.read();
  const usage: ProcessUsage[] = meter.between(start, end, (p) => (spec.target === 'echo' ? !p.name.startsWith('pipeline:') : p.name !== 'echo'), true);
  const report: PhaseReport = {
    ...figures,
    target: spec.target,
    scenario: spec.scenario,
    load: spec.load,
    durationMs: spec.durationMs,
    drainMs,
    drainedPerSecond: drainMs === null ? null : (measurement.answered * 1000) / (measurement.elapsedMs + drainMs),
    usage,
    cpuMsPerOrder: cpuMsPerOrder(usage, measurement.answered, (end.at - start.at) / 1000, background),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    mysqlPerOrder: mysqlStatus === null || statusStart === undefined || statusEnd === undefined ? null : mysqlStatus.perOrder(statusStart, statusEnd, measurement.answered),
  };
  if (!spec.warmup) io.log(formatPhaseTable([report]).split('\n').slice(2).join('\n'));
  return report;
}

/** Every answer of the run so far: orders and wallet actions. */
interface Answers {
  orders: AnsweredOrder[];
  actions: AnsweredAction[];
}

const ANSWER_CODES: readonly AnswerCode[] = ['C', 'F', 'P', 'H', 'O', 'R'];

function collectAnswers(accepted: Accepted, answers: Answers): void {
  const { ids, statuses, amounts, tags } = accepted;
  for (let i = 0; i < ids.length; i += 1) {
    const id = ids[i] ?? '';
    const status = ANSWER_CODES.find((c) => c === statuses[i]) ?? 'P';
    const amount = amounts[i] ?? 0;
    if (tags[i] === 'O') answers.orders.push({ orderId: id, status, netMinor: amount });
    else answers.actions.push({ actionId: id, status, amountMinor: amount });
  }
}

function roundMix(mix: RowMix): RowMix {
  return Object.fromEntries(Object.entries(mix).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

function describeMix(mix: RowMix): string {
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  return `${total.toFixed(1)} rows per order: ${Object.entries(roundMix(mix))
    .map(([t, n]) => `${t} ${n}`)
    .join(', ')}`;
}

function readProfiles(dir: string, root: string): BenchResult['profiles'] {
  const profiles: BenchResult['profiles'] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const full = path.join(dir, file);
    const summary = summarizeCpuProfile(JSON.parse(readFileSync(full, 'utf8')) as unknown, { root, top: 30 });
    profiles.push({ process: file.replace(/\.cpuprofile$/, ''), file: path.relative(root, full), summary });
  }
  return profiles;
}

function writeResults(outDir: string, runId: string, result: BenchResult): string[] {
  const json = `${JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
  const svg = renderLatencyChart(chartSeries(result.phases), {
    title: `paystream latency vs offered load (${result.config.transport}, ${result.config.mode})`,
    subtitle: `${result.machine.nproc} × ${result.machine.cpuModel}; load generator on the same cores; ${result.startedAt}`,
  });
  const files = [
    [`${runId}.json`, json],
    ['latest.json', json],
    [`${runId}.svg`, svg],
    ['latest.svg', svg],
    ['latest.md', renderResultMarkdown(result)],
  ] as const;
  for (const [name, content] of files) writeFileSync(path.join(outDir, name), content);
  return files.map(([name]) => path.join(outDir, name));
}
