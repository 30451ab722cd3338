import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** The repository this bench folder belongs to. */
export const repoRoot = path.resolve(__dirname, '../..');
/** The random-weight model of the real architecture and size (`node scripts/makeModels.mjs --only full`). */
export const defaultBenchModel = path.join(repoRoot, 'test/models/full');
/** The real documentation corpus shared by the project's machines. */
export const defaultCorpus = path.resolve(repoRoot, '../shared/corpus/astro-docs');
/** Languages of the corpus, English first. */
export const corpusLanguages = ['en', 'ko', 'ja', 'zh-cn'] as const;

/** A folder under the repository's `.semantic-search/` (git-ignored), created on demand. */
export function cacheDir(name: string): string {
  const dir = path.join(repoRoot, '.semantic-search', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** True when `dir` is one of the project's generated stand-in models (their folder has a generator.json). */
export function isStandInModel(dir: string): boolean {
  return existsSync(path.join(dir, 'generator.json'));
}
