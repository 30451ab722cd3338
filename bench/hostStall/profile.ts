// Diagnosis only (`--trace`): a V8 CPU profile of the extension host's main thread, taken from inside through
// node:inspector (no --cpu-prof flag needed), to say which code ran during a stall that was spent on the CPU.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export class MainThreadProfile {
  private readonly session = new Session();
  private profile: Profile | undefined;
  private times: number[] = [];
  private parent = new Map<number, number>();
  private byId = new Map<number, ProfileNode>();
  /** performance.now() − CLOCK_MONOTONIC ms (V8's profile clock is CLOCK_MONOTONIC in µs, as is process.hrtime). */
  private readonly offset = performance.now() - Number(process.hrtime.bigint()) / 1e6;

  private post<T = unknown>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))));
  }

  async start(intervalUs = 500): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
  }

  async stop(): Promise<void> {
    const { profile } = await this.post<{ profile: Profile }>('Profiler.stop');
    await this.post('Profiler.disable');
    this.session.disconnect();
    this.profile = profile;
    let t = profile.startTime;
    this.times = profile.timeDeltas.map((d) => (t += d) / 1000 + this.offset);
    for (const n of profile.nodes) {
      this.byId.set(n.id, n);
      for (const c of n.children ?? []) this.parent.set(c, n.id);
    }
  }

  private readonly maps = new Map<string, SourceMap | undefined>();

  /** "name src/vscode/indexer.ts:123" through the bundle's source map where there is one, else "name dir/file.js:line". */
  private label(n: ProfileNode): string {
    const f = n.callFrame;
    const name = f.functionName || '(anonymous)';
    if (!f.url) return name;
    if (!this.maps.has(f.url)) {
      let map: SourceMap | undefined;
      try {
        const file = f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url;
        if (file.startsWith('/') && file.includes('/dist/')) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      } catch {
        map = undefined;
      }
      this.maps.set(f.url, map);
    }
    const entry = this.maps.get(f.url)?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) return `${name} ${entry.originalSource.replace(/^.*?(?=(src|node_modules)\/)/, '')}:${(entry.originalLine ?? 0) + 1}`;
    return `${name} ${f.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, '')}:${f.lineNumber + 1}`;
  }

  /**
   * What ran between two performance.now() times: samples by leaf function ("self"), and by the innermost
   * frame of the extension's own bundle (dist/extension.js), if any, so a stall can be put on a line of src/vscode.
   */
  between(from: number, to: number, top = 6): { samples: number; self: Record<string, number>; extension: Record<string, number> } {
    const p = this.profile;
    if (!p) return { samples: 0, self: {}, extension: {} };
    const self = new Map<string, number>();
    const ext = new Map<string, number>();
    let count = 0;
    for (let i = 0; i < p.samples.length; i++) {
      if (this.times[i] < from || this.times[i] > to) continue;
      const leaf = this.byId.get(p.samples[i]);
      if (!leaf || ['(idle)', '(program)', '(root)'].includes(leaf.callFrame.functionName)) continue;
      count++;
      // a native leaf (no script) is named after its nearest caller that has one: "write ← logFn foo.js:12"
      let l = this.label(leaf);
      if (!leaf.callFrame.url) {
        for (let id = this.parent.get(leaf.id); id !== undefined; id = this.parent.get(id)) {
          const n = this.byId.get(id)!;
          if (n.callFrame.url && !n.callFrame.url.startsWith('node:')) {
            l += ` ← ${this.label(n)}`;
            break;
          }
        }
      }
      self.set(l, (self.get(l) ?? 0) + 1);
      for (let id: number | undefined = leaf.id; id !== undefined; id = this.parent.get(id)) {
        const n = this.byId.get(id)!;
        if (n.callFrame.url.includes('/dist/extension.js')) {
          const k = this.label(n);
          ext.set(k, (ext.get(k) ?? 0) + 1);
          break;
        }
      }
    }
    const topOf = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).slice(0, top));
    return { samples: count, self: topOf(self), extension: topOf(ext) };
  }
}
