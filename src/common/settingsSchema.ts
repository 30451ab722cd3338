import * as v from 'valibot';
import { DEVICES, type Threads } from './protocol/worker';
import { escapeControl } from './terminalText';

/*
 * What each `semanticSearch.*` setting may hold, and what is used instead of a value that breaks the rule:
 * a number out of range is clamped (and rounded where it must be whole), anything else falls back to the
 * default. Settings files are hand-edited JSON, so any type can arrive: a string `maxFileSize` must not
 * switch the size limit off.
 */

/** The largest file size limit that can be set: larger Markdown or source files are never worth reading whole. */
export const MAX_FILE_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * A model revision as git and the hub name one: a branch, a tag, `refs/pr/1` or a commit id. Segments of
 * letters, digits, `.`, `_`, `-`, none empty or starting with `.` or `-`, no `..`, not ending in `.lock` or `.`.
 */
const REVISION = /^(?![-/])(?!.*\/[-.])(?!\.)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock$)(?!.*\.$)[A-Za-z0-9._/-]{1,255}$/;

/** An http(s) address with a host, such as https://huggingface.co or a mirror's base address. */
function isEndpoint(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

/**
 * Where a shared index comes from: an absolute path (POSIX or Windows), or an https address (http only to this
 * machine, for a local server), without control characters. `${commit}` may stand anywhere in it.
 */
function isSharedIndex(s: string): boolean {
  if (/[\x00-\x1f]/.test(s)) return false;
  if (s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)) return true;
  try {
    const url = new URL(s.replaceAll('${commit}', '0'));
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

interface Rule<T> {
  schema: v.GenericSchema<unknown, T>;
  fallback: T;
  /** What a valid value is, for the log. */
  expected: string;
  /** The usable value nearest to one that breaks the rule, if there is one (else the fallback). */
  repair?: (value: unknown) => T | undefined;
}

const number = (min: number, max: number, fallback: number, whole: boolean): Rule<number> => ({
  schema: whole ? v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)) : v.pipe(v.number(), v.minValue(min), v.maxValue(max)),
  fallback,
  expected: `${whole ? 'a whole number' : 'a number'} from ${min} to ${max}`,
  repair: (value) => (typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, whole ? Math.round(value) : value)) : undefined),
});
const picklist = <T extends string>(options: readonly T[], fallback: T): Rule<T> => ({
  schema: v.picklist(options), fallback, expected: `one of ${options.map((o) => `"${o}"`).join(', ')}`,
});
const boolean = (fallback: boolean): Rule<boolean> => ({ schema: v.boolean(), fallback, expected: 'true or false' });
const globs: Rule<string[]> = {
  schema: v.array(v.string()),
  fallback: [],
  expected: 'a list of glob patterns (strings)',
  repair: (value) => (Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : undefined),
};
/** 'auto' (the default: all the cores while the editor is idle, half while you work) or a fixed count of threads. */
const threads = (max: number): Rule<Threads> => {
  const count = number(0, max, 0, true);
  return {
    schema: v.union([v.literal('auto'), count.schema]),
    fallback: 'auto',
    expected: `"auto" or ${count.expected}`,
    repair: count.repair,
  };
};
const string = (check: (s: string) => boolean, expected: string): Rule<string> => ({
  schema: v.pipe(v.string(), v.check((s) => s.trim() === '' || check(s.trim()))),
  fallback: '',
  expected,
});

const RULES = {
  include: globs,
  exclude: globs,
  useGitignore: boolean(true),
  maxFileSize: number(1024, MAX_FILE_SIZE_LIMIT, 1024 * 1024, true),
  maxResults: number(1, 200, 20, true),
  minScore: number(-1, 1, 0.2, false),
  hybrid: boolean(true),
  threads: threads(64),
  modelPath: string((s) => !/[\x00-\x1f]/.test(s), 'a folder path'),
  modelEndpoint: string(isEndpoint, 'an http or https address, such as https://huggingface.co'),
  modelRevision: string((s) => REVISION.test(s), 'a branch, tag or commit of the model repository, such as main or a 40-character commit id'),
  sharedIndex: string(isSharedIndex, 'an absolute path or an https address of an exported index, optionally with ${commit}'),
  device: picklist(DEVICES, 'cpu'),
};

export type SettingName = keyof typeof RULES;
/** Every setting, as named after `semanticSearch.`. */
export const SETTING_NAMES = Object.keys(RULES) as SettingName[];
export type SettingValue<K extends SettingName> = (typeof RULES)[K]['fallback'];

/** A value that broke its setting's rule, and what is used instead. */
export interface SettingProblem {
  /** e.g. 'semanticSearch.maxFileSize' */
  setting: string;
  /** The value as set, shown as JSON (shortened, control characters escaped). */
  value: string;
  /** The value used instead, shown the same way. */
  used: string;
  /** What a valid value is (English, for the log). */
  expected: string;
}

/** `value` as JSON for a message: at most ~80 characters, control characters escaped. */
export function showValue(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return escapeControl(json.length > 80 ? `${json.slice(0, 77)}…` : json);
}

/**
 * The value to use for setting `name`: `value` when it keeps the rule (unset means the default, with no
 * problem), else the nearest usable value or the default, with the problem.
 */
export function checkSetting<K extends SettingName>(name: K, value: unknown): { value: SettingValue<K>; problem?: SettingProblem } {
  const rule = RULES[name] as unknown as Rule<SettingValue<K>>;
  if (value === undefined) return { value: rule.fallback };
  const parsed = v.safeParse(rule.schema, value);
  if (parsed.success) return { value: typeof parsed.output === 'string' ? parsed.output.trim() as SettingValue<K> : parsed.output };
  const used = rule.repair?.(value) ?? rule.fallback;
  return { value: used, problem: { setting: `semanticSearch.${name}`, value: showValue(value), used: showValue(used), expected: rule.expected } };
}

/**
 * Remembers which problems were reported, so each bad value is reported once: again only after it was
 * changed (to another bad value, or fixed and broken again), not on every read.
 */
export class SettingProblemLog {
  private readonly reported = new Map<string, string>();

  /**
   * The problems of a read to report now. `scope` names where the values were read (a workspace folder,
   * or '' for the window); `checked` are the settings that were read there, fixed ones among them forgotten.
   */
  fresh(scope: string, checked: readonly string[], problems: readonly SettingProblem[]): SettingProblem[] {
    const bad = new Map(problems.map((p) => [p.setting, p]));
    const out: SettingProblem[] = [];
    for (const setting of checked) {
      const key = `${scope}\0${setting}`;
      const problem = bad.get(setting);
      if (!problem) this.reported.delete(key);
      else if (this.reported.get(key) !== problem.value) {
        this.reported.set(key, problem.value);
        out.push(problem);
      }
    }
    return out;
  }
}
