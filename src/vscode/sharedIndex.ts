import { headCommit } from './gitHead';
import { readSettings } from './settings';

/** What `semanticSearch.sharedIndex` names for the workspace now: a seed for the engine, or why there is none. */
export type SharedIndex = { seed: string } | { problem: string } | undefined;

/**
 * The shared index to seed a full run with: the setting, with `${commit}` replaced by the HEAD commit of the
 * first workspace folder's git repository (an exported index per commit, as CI publishes it). Undefined when
 * the setting is empty. The engine fetches and verifies the seed, and only when texts wait to be embedded.
 */
export async function sharedIndexSeed(folder: string): Promise<SharedIndex> {
  const setting = readSettings().sharedIndex.trim();
  if (!setting) return undefined;
  if (!setting.includes('${commit}')) return { seed: setting };
  const commit = await headCommit(folder);
  if (!commit) return { problem: `${folder} is not a git repository with a commit checked out, so \${commit} in semanticSearch.sharedIndex cannot be filled in` };
  return { seed: setting.replaceAll('${commit}', commit) };
}
