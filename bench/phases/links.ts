import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IndexSummary } from '../../src/common/protocol/engine';
import { startWorker } from '../../src/node/startWorker';
import { note, runPhase } from '../lib/phase';
import { peakRssMb, resetPeakRss, rssMb } from '../lib/proc';
import { round } from '../lib/stats';

export interface LinksArgs {
  model: string;
  workerFile: string;
  /** Scratch folder: the workspace and its index are made here. */
  work: string;
  pages: number;
  /** Runs with and without the links (each), in the order ABBA after a warm-up run; even. */
  reps: number;
}

/** Links a workspace can hold that a reader must never follow: endless, huge or blocking files and folders. */
export const HOSTILE_LINKS: Record<string, string> = {
  'pagemap.md': '/proc/self/pagemap', // "0 bytes" by stat, hundreds of GB when read
  'mem.md': '/proc/self/mem',
  'environ.md': '/proc/self/environ',
  'zero.md': '/dev/zero', // endless
  'urandom.md': '/dev/urandom',
  'proc': '/proc/self', // a folder whose `root` entry is the whole file system
  'dev': '/dev',
};

/** What the phase reports (RSS in MB of 1e6 bytes, times in ms). */
export interface LinksResult {
  pages: number;
  files: number;
  chunks: number;
  links: number;
  linksSkipped: number;
  reasons: string[];
  /** The worker's process after the model loaded, before any indexing. */
  baselineMb: number;
  /** Means over the runs of each kind. */
  peakWithoutLinksMb: number;
  peakWithLinksMb: number;
  /** Mean peak with the links minus mean peak without. */
  deltaMb: number;
  reps: number;
  /** Each run's peak, in the order run within its kind. */
  samplesMb: { without: number[]; with: number[] };
  withoutLinksMs: number;
  withLinksMs: number;
  /** False where VmHWM cannot be reset: the peaks are then the RSS after each run. */
  peakExact: boolean;
}

const WORDS = ['index', 'search', 'worker', 'memory', 'folder', 'link', 'model', 'passage', 'query', 'cache', 'limit', 'reader'];

/**
 * The worker's memory while indexing a workspace that links to /proc and /dev, beside the same workspace
 * without the links. The worker is started as the extension starts it (the bundled src/worker/worker.ts,
 * with its resource limits); its RSS after the model loaded is the baseline. Each run indexes the pages from
 * an empty index (so the same files are read and embedded every time), and the peak RSS of each run is read
 * from VmHWM, reset just before it. RSS creeps up by some MB from one run to the next whatever the files, so
 * after a warm-up run (onnxruntime's arena grows in its first runs) runs without (A) and with (B) the links go
 * in the order ABBA…, where a steady creep cancels out of the difference of the means. Links that were read
 * would show as a peak far above the plain runs' (a read of /proc/self/pagemap grows past 1.5 GB), or as a
 * run that never ends.
 */
runPhase(async (a: LinksArgs) => {
  const root = path.join(a.work, 'links-workspace');
  const store = path.join(a.work, 'links-store');
  for (const dir of [root, store]) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  for (let p = 0; p < a.pages; p++) {
    const sections = Array.from({ length: 5 }, (_, s) => {
      const words = Array.from({ length: 40 }, (_, w) => WORDS[(p * 7 + s * 3 + w * w) % WORDS.length]).join(' ');
      return `## Section ${p}.${s}\n\nPage ${p} part ${s}: ${words}.\n`;
    });
    writeFileSync(path.join(root, `docs/page-${p}.md`), `# Page ${p}\n\n${sections.join('\n')}`);
  }

  const { client, stop } = startWorker({ modelDir: a.model, storeDir: store }, { workerFile: a.workerFile });
  try {
    await client.ready;
    const baselineMb = rssMb();
    const exact = resetPeakRss();
    const run = async (label: string) => {
      await client.call('clear', {});
      resetPeakRss();
      const t = performance.now();
      const s: IndexSummary = await client.call('index', { roots: [root] });
      const peak = exact ? peakRssMb() : rssMb();
      note(`${label}: ${s.files} files, ${s.chunks} chunks, ${s.skipped.length} skipped, peak RSS ${peak.toFixed(0)} MB, ${((performance.now() - t) / 1000).toFixed(1)} s`);
      return { summary: s, peakMb: peak, ms: performance.now() - t };
    };
    await run('warm-up');
    type Run = Awaited<ReturnType<typeof run>>;
    const plainRuns: Run[] = [], linkedRuns: Run[] = [];
    for (let i = 0; i < 2 * a.reps; i++) {
      if (i % 4 === 0 || i % 4 === 3) {
        plainRuns.push(await run('without links'));
        continue;
      }
      for (const [rel, target] of Object.entries(HOSTILE_LINKS)) symlinkSync(target, path.join(root, rel));
      linkedRuns.push(await run(`with ${Object.keys(HOSTILE_LINKS).length} links to /proc and /dev`));
      for (const rel of Object.keys(HOSTILE_LINKS)) unlinkSync(path.join(root, rel));
    }
    const mean = (runs: Run[], key: 'peakMb' | 'ms') => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
    const linked = linkedRuns[0].summary;
    const linkSkips = linked.skipped.filter((k) => k.path in HOSTILE_LINKS);
    const result: LinksResult = {
      pages: a.pages, files: linked.files, chunks: linked.chunks, links: Object.keys(HOSTILE_LINKS).length,
      linksSkipped: linkSkips.length, reasons: [...new Set(linkSkips.map((k) => k.reason))],
      baselineMb: round(baselineMb, 0), peakWithoutLinksMb: round(mean(plainRuns, 'peakMb'), 0), peakWithLinksMb: round(mean(linkedRuns, 'peakMb'), 0),
      deltaMb: round(mean(linkedRuns, 'peakMb') - mean(plainRuns, 'peakMb'), 0), reps: a.reps,
      samplesMb: { without: plainRuns.map((r) => round(r.peakMb, 0)), with: linkedRuns.map((r) => round(r.peakMb, 0)) },
      withoutLinksMs: round(mean(plainRuns, 'ms'), 0), withLinksMs: round(mean(linkedRuns, 'ms'), 0), peakExact: exact,
    };
    return result;
  } finally {
    await stop();
    for (const dir of [root, store]) rmSync(dir, { recursive: true, force: true });
  }
});
