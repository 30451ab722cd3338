import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { IndexOptions, SkippedFile } from '../../common/protocol/engine';
import { languageForPath } from '../split/languages';

/** Folders that hold dependencies, build output or tool state: never documentation a user wrote. */
export const DEFAULT_EXCLUDED_DIRS = [
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'jspm_packages', '.pnpm-store', '.yarn',
  'dist', 'out', 'build', 'target', '.next', '.nuxt', '.svelte-kit', '.astro', '.turbo', '.parcel-cache',
  '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache', '.pytest_cache', '.gradle', '.idea', 'coverage',
  '.cache', 'Pods', '.terraform', '.dart_tool', '.vscode-test', '.semantic-search',
];

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

const MARKDOWN_EXTENSIONS = new Set(['.md', '.mdx', '.markdown']);

/** A file the engine will read. */
export interface FoundFile {
  abs: string;
  /** Relative to the root, '/' separators. */
  rel: string;
  size: number;
  mtimeMs: number;
  /** 'markdown' or a code language id. */
  language: string;
}

/** Which language a path is read as, or undefined if it is neither Markdown nor a known code file. */
export function fileLanguage(filePath: string): string | undefined {
  const ext = path.extname(filePath).toLowerCase();
  if (MARKDOWN_EXTENSIONS.has(ext)) return 'markdown';
  return languageForPath(filePath);
}

/** Decides, for a path relative to the root, whether include/exclude globs let it through. */
export function globFilter(options: IndexOptions): { excludes(rel: string, isDir: boolean): boolean; includes(rel: string): boolean } {
  const opts = { dot: true };
  const exclude = options.exclude?.length ? picomatch(options.exclude, opts) : undefined;
  const include = options.include?.length ? picomatch(options.include, opts) : undefined;
  return {
    excludes: (rel, isDir) => !!exclude && (exclude(rel) || (isDir && exclude(rel + '/'))),
    includes: (rel) => !include || include(rel),
  };
}

interface IgnoreLayer {
  /** Folder of the .gitignore, relative to the root ('' for the root), with a trailing '/' unless ''. */
  base: string;
  rules: Ignore;
}

/**
 * Lists the files of `root` the engine reads: Markdown and code files, minus `.gitignore`d paths (nested
 * files too), the default dependency/build folders, and the exclude globs. Too-large files are reported in
 * `skipped`. Symbolic links are followed once: a folder already visited (by its real path) is not entered
 * again, so link loops end.
 */
export async function discoverFiles(root: string, options: IndexOptions = {}): Promise<{ files: FoundFile[]; skipped: SkippedFile[] }> {
  const maxSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const globs = globFilter(options);
  const excludedNames = new Set(DEFAULT_EXCLUDED_DIRS);
  const files: FoundFile[] = [];
  const skipped: SkippedFile[] = [];
  const visited = new Set<string>();

  const ignoredByGit = (layers: IgnoreLayer[], rel: string, isDir: boolean) => {
    for (const { base, rules } of layers) {
      if (!rel.startsWith(base)) continue;
      const local = rel.slice(base.length) + (isDir ? '/' : '');
      if (rules.ignores(local)) return true;
    }
    return false;
  };

  const walk = async (dirAbs: string, dirRel: string, layers: IgnoreLayer[]): Promise<void> => {
    let real: string;
    try {
      real = await fs.realpath(dirAbs);
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: dirRel || '.', reason: `folder not readable (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    if (options.useGitignore !== false && entries.some((e) => e.name === '.gitignore' && !e.isDirectory())) {
      try {
        const text = await fs.readFile(path.join(dirAbs, '.gitignore'), 'utf8');
        layers = [...layers, { base: dirRel ? dirRel + '/' : '', rules: ignore().add(text) }];
      } catch {
        // An unreadable .gitignore ignores nothing; the files under it are still subject to the other rules.
      }
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dirAbs, entry.name);
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const st = await fs.stat(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) {
        if (excludedNames.has(entry.name) || globs.excludes(rel, true) || ignoredByGit(layers, rel, true)) continue;
        await walk(abs, rel, layers);
      } else if (isFile) {
        const language = fileLanguage(entry.name);
        if (!language || !globs.includes(rel) || globs.excludes(rel, false) || ignoredByGit(layers, rel, false)) continue;
        let st;
        try {
          st = await fs.stat(abs);
        } catch (e) {
          skipped.push({ path: rel, reason: `not readable (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
          continue;
        }
        if (st.size > maxSize) {
          skipped.push({ path: rel, reason: `larger than the ${formatBytes(maxSize)} limit (${formatBytes(st.size)})` });
          continue;
        }
        files.push({ abs, rel, size: st.size, mtimeMs: st.mtimeMs, language });
      }
    }
  };
  await walk(path.resolve(root), '', []);
  return { files, skipped };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
