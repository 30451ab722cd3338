// Runs INSIDE the VS Code extension host (loaded as `extensionTestsPath` by bench/hostStall/run.mjs through
// test/host/extensionTests.ts): measures the longest event-loop stall of the extension host's main thread
// while the extension indexes a workspace from scratch.
//
// The workspace opens without Markdown, so nothing activates the extension (`workspaceContains:**/*.md`)
// before the probes run; this module then moves the corpus in (one rename per top folder), waits until VS
// Code's file events have settled, measures an idle window as the floor, and then, with the probes running,
// activates the extension and awaits `api.whenIndexed()` for the first (full, fresh) index. The user-data
// folder of each run is new, so there is no stored index.
//
// Environment (passed by run.mjs through the harness's extensionEnv):
//   HOST_STALL_OUT      file the JSON result is written to (required)
//   HOST_STALL_STAGING  folder whose entries are moved into the workspace before the measurement (required)
//   HOST_STALL_TRACE=1  also trace worker messages, GC pauses and each late tick (see trace.ts)
//   HOST_STALL_IDLE_MS  length of the idle window (default 2000)
//   HOST_STALL_EXPERIMENTS  comma-separated candidate fixes to simulate (see experiments.ts)
import { readdirSync, renameSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { IndexInfo, IndexSummary } from '../../src/common/protocol/engine';
import { EXPERIMENTS, Experiments, type ExperimentName } from './experiments';
import { GcWatch, RESOLUTION_MS, StallProbe, type StallFigures } from './probes';
import { MainThreadProfile } from './profile';
import { MainThreadSampler } from './sampler';
import { WorkerTrace } from './trace';

const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';

/** What activate() returns (src/vscode/extension.ts). */
interface SemanticSearchApi {
  whenIndexed(): Promise<IndexSummary | undefined>;
  info(): Promise<IndexInfo>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Resolves once `watcher` has been silent for `quietMs` (at most `maxMs`); returns the events seen. */
async function settle(watcher: vscode.FileSystemWatcher, quietMs: number, maxMs: number): Promise<number> {
  let events = 0;
  let last = performance.now();
  const bump = () => { events++; last = performance.now(); };
  const subs = [watcher.onDidCreate(bump), watcher.onDidChange(bump), watcher.onDidDelete(bump)];
  const start = performance.now();
  try {
    while (performance.now() - last < quietMs && performance.now() - start < maxMs) await sleep(100);
  } finally {
    for (const s of subs) s.dispose();
  }
  return events;
}

/** Busy share of all CPUs over a window, from /proc/stat (Linux). */
function cpuTimes(): { busy: number; total: number; steal: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest time is inside user)
    return { busy: total - idle, total, steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** Waits for the first completed full index (whenIndexed can resolve before the first run is queued). */
async function firstIndex(api: SemanticSearchApi): Promise<IndexSummary> {
  for (;;) {
    const summary = await api.whenIndexed();
    if (summary && summary.files > 0) return summary;
    await sleep(50);
  }
}

export async function run(): Promise<void> {
  const outFile = process.env.HOST_STALL_OUT;
  const staging = process.env.HOST_STALL_STAGING;
  if (!outFile || !staging) throw new Error('HOST_STALL_OUT and HOST_STALL_STAGING must be set (run bench/hostStall/run.mjs)');
  const tracing = process.env.HOST_STALL_TRACE === '1';
  const idleMs = Number(process.env.HOST_STALL_IDLE_MS) || 2000;
  const experimentNames = (process.env.HOST_STALL_EXPERIMENTS ?? '').split(',').filter(Boolean) as ExperimentName[];
  const unknown = experimentNames.filter((e) => !EXPERIMENTS.includes(e));
  if (unknown.length) throw new Error(`unknown experiment(s) ${unknown.join(', ')}; known: ${EXPERIMENTS.join(', ')}`);
  const log = (m: string) => console.log(`[host-stall] ${m}`);

  const extension = vscode.extensions.getExtension<SemanticSearchApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  if (extension.isActive) throw new Error('the extension was activated before the benchmark started; the workspace must open without .md/.mdx files');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');

  // 1. The corpus moves in; VS Code's file events for it are let through before anything is measured.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*');
  for (const entry of readdirSync(staging)) renameSync(path.join(staging, entry), path.join(folder.uri.fsPath, entry));
  const fileEvents = await settle(watcher, 1500, 30_000);
  watcher.dispose();
  log(`corpus moved into ${folder.uri.fsPath} (${fileEvents} file events)`);

  // 2. The floor: the same probes with the host idle.
  const idleProbe = new StallProbe();
  idleProbe.start();
  await sleep(idleMs);
  const idle = idleProbe.stop();
  log(`idle ${idleMs} ms: max stall ${idle.maxStallMs} ms`);

  // 3. The measurement: activation and the first full index of the workspace.
  const probe = new StallProbe({ detail: tracing });
  const trace = tracing ? new WorkerTrace() : undefined;
  const gc = tracing ? new GcWatch() : undefined;
  const sampler = tracing ? new MainThreadSampler() : undefined;
  const profile = tracing ? new MainThreadProfile() : undefined;
  trace?.install();
  gc?.start();
  sampler?.start();
  await profile?.start();
  const experiments = new Experiments(experimentNames);
  experiments.install();
  const cpu0 = cpuTimes();
  const ownCpu0 = process.cpuUsage();
  probe.start();
  const t0 = performance.now();
  let stall: StallFigures;
  let summary: IndexSummary;
  let activateMs: number;
  try {
    const api = await extension.activate();
    activateMs = performance.now() - t0;
    summary = await firstIndex(api);
  } finally {
    stall = probe.stop();
    gc?.stop();
    trace?.finish();
    await sampler?.stop();
    await profile?.stop();
    experiments.dispose();
  }
  const t1 = performance.now();
  const indexMs = t1 - t0;
  const cpu1 = cpuTimes();
  const ownCpu = process.cpuUsage(ownCpu0);
  const api = extension.exports;
  const info = await api.info();
  log(`indexed ${summary.files} files, ${summary.chunks} chunks in ${Math.round(indexMs)} ms; max stall ${stall.maxStallMs} ms`);

  const result = {
    files: summary.files,
    chunks: summary.chunks,
    indexMs: Math.round(indexMs),
    maxStallMs: stall.maxStallMs,
    p99StallMs: stall.p99StallMs,
    meanStallMs: stall.meanStallMs,
    probeMaxLagMs: stall.probeMaxLagMs,
    // context
    resolutionMs: RESOLUTION_MS,
    samples: stall.samples,
    activateMs: Math.round(activateMs),
    engineMs: summary.ms,
    embedded: summary.embedded,
    read: summary.read,
    skipped: summary.skipped.length,
    vectors: info.vectors,
    model: info.model?.id,
    idle: { ms: idle.ms, maxStallMs: idle.maxStallMs, p99StallMs: idle.p99StallMs, probeMaxLagMs: idle.probeMaxLagMs },
    ...(stall.threadCpuMs !== undefined ? { hostThreadCpuMs: stall.threadCpuMs, hostThreadRunQueueMs: stall.threadRunQueueMs } : {}),
    hostProcessCpuMs: Math.round((ownCpu.user + ownCpu.system) / 1000),
    ...(cpu0 && cpu1 ? {
      machineBusyPct: Math.round((100 * (cpu1.busy - cpu0.busy)) / Math.max(1, cpu1.total - cpu0.total)),
      machineStealMs: (cpu1.steal - cpu0.steal) * 10,
    } : {}),
    ...(experimentNames.length ? { experiments: experimentNames, experimentNotes: experiments.notes } : {}),
    cpus: os.cpus().length,
    windowEpochMs: [Math.round(performance.timeOrigin + t0), Math.round(performance.timeOrigin + t1)],
    vscode: vscode.version,
    node: process.versions.node,
    ...(trace && gc && sampler && profile ? { trace: traceReport(t0, t1, probe, trace, gc, sampler, profile) } : {}),
  };
  writeFileSync(outFile, JSON.stringify(result, null, 2));
  // Everything stays up a moment longer, so run.mjs reads the processes' CPU times after the window too.
  await sleep(1500);
}

/** The late ticks with what happened during each, the message kinds, and the GC pauses. */
function traceReport(t0: number, t1: number, probe: StallProbe, trace: WorkerTrace, gc: GcWatch, sampler: MainThreadSampler, profile: MainThreadProfile) {
  const rel = (t: number) => Math.round(t - t0);
  const phaseStart: Record<string, number> = {};
  for (const m of trace.messages) {
    const key = m.type === 'progress' ? `progress:${m.phase}` : m.method ? `${m.type}:${m.method}` : m.type;
    phaseStart[key] ??= rel(m.at);
  }
  const stalls = [...probe.lags].sort((a, b) => b.lagMs - a.lagMs).slice(0, 15).map((l) => {
    // The tick was due at (l.at − l.lagMs); the loop was blocked somewhere in the preceding interval.
    const from = l.at - l.lagMs - RESOLUTION_MS;
    const inWindow = <T extends { at: number }>(xs: T[]) => xs.filter((x) => x.at >= from && x.at <= l.at);
    const msgs = inWindow(trace.messages);
    const kinds: Record<string, number> = {};
    for (const m of msgs) {
      const k = m.type === 'progress' ? `progress:${m.phase}` : [m.type, m.method].filter(Boolean).join(':');
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    const big = msgs.filter((m) => (m.bytes ?? 0) > 10_000 || m.handlerMs > 5)
      .map((m) => ({ type: [m.type, m.method].filter(Boolean).join(':'), bytes: m.bytes, handlerMs: round(m.handlerMs, 2), ...(m.skipped !== undefined ? { skipped: m.skipped } : {}) }));
    const gcs = inWindow(gc.pauses);
    const absFrom = performance.timeOrigin + from;
    const thread = sampler.between(absFrom, absFrom + (l.at - from));
    return {
      atMs: rel(l.at), lagMs: l.lagMs, cpuMs: l.cpuMs, runQueueMs: l.runQueueMs, stealMs: l.stealMs,
      thread: thread.states, samplerMaxGapMs: thread.samplerMaxGapMs, cpuProfile: profile.between(from, l.at, 4),
      messages: kinds, ...(big.length ? { bigMessages: big } : {}),
      ...(gcs.length ? { gcMs: round(gcs.reduce((a, g) => a + g.ms, 0), 2) } : {}),
    };
  });
  const pauses = gc.pauses.map((g) => g.ms);
  return {
    firstSeenMs: phaseStart,
    lateTicks: probe.lags.length,
    stalls,
    messages: trace.stats(),
    peakProgressPerSecond: trace.peakProgressPerSecond(),
    gc: {
      count: pauses.length, totalMs: round(pauses.reduce((a, b) => a + b, 0)), maxMs: round(Math.max(0, ...pauses), 2),
      // kind: 1 scavenge, 2 mark-sweep-compact, 4 incremental marking, 8 weak callbacks
      longest: [...gc.pauses].sort((a, b) => b.ms - a.ms).slice(0, 5).map((g) => ({ atMs: rel(g.at), ms: g.ms, kind: g.kind })),
    },
    threadSamples: sampler.samples.length,
    // the whole window: where the main thread's CPU went (0.5 ms samples), and which extension code it was in
    cpuProfile: profile.between(t0, t1, 12),
  };
}
