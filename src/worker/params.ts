import * as v from 'valibot';
import { EngineError } from '../common/errors';

/**
 * The params of each request as they arrive from the host, checked field by field. A malformed request is
 * answered with 'bad-request' and one sentence; what passes is typed as the protocol declares it.
 */

const SEARCH = 'A search needs a query string.';
const SEARCH_OPTIONS = 'The search options are malformed.';
const INDEX = 'Indexing needs a list of folders (and optionally of files).';
const INDEX_OPTIONS = 'The indexing options are malformed.';
const SEED = 'The index seed must be a file path or an https address.';
const SHARD = 'A shard must be { index, count } with 1 ≤ index ≤ count.';
const EFFORT = 'How many cores indexing may use must be "all" or "half".';

const strings = (message: string) => v.array(v.string(message), message);

const indexOptions = v.object({
  include: v.optional(strings(INDEX_OPTIONS)),
  exclude: v.optional(strings(INDEX_OPTIONS)),
  maxFileSize: v.optional(v.number(INDEX_OPTIONS)),
  useGitignore: v.optional(v.boolean(INDEX_OPTIONS)),
}, INDEX_OPTIONS);

export const indexParams = v.object({
  roots: strings(INDEX),
  options: v.optional(indexOptions),
  rootOptions: v.optional(v.record(v.string(INDEX_OPTIONS), indexOptions, INDEX_OPTIONS)),
  paths: v.optional(strings(INDEX)),
  priorityPaths: v.optional(strings(INDEX)),
  seed: v.optional(v.pipe(v.string(SEED), v.minLength(1, SEED))),
  shard: v.optional(v.pipe(
    v.object({ index: v.pipe(v.number(SHARD), v.safeInteger(SHARD)), count: v.pipe(v.number(SHARD), v.safeInteger(SHARD), v.minValue(1, SHARD)) }, SHARD),
    v.check((s) => s.index >= 1 && s.index <= s.count, SHARD),
  )),
}, INDEX);

export const searchParams = v.object({
  query: v.string(SEARCH),
  options: v.optional(v.object({
    limit: v.optional(v.number(SEARCH_OPTIONS)),
    mode: v.optional(v.picklist(['vector', 'fulltext', 'hybrid'], SEARCH_OPTIONS)),
    minScore: v.optional(v.number(SEARCH_OPTIONS)),
    kinds: v.optional(v.array(v.picklist(['markdown', 'comment'], SEARCH_OPTIONS), SEARCH_OPTIONS)),
    root: v.optional(v.string(SEARCH_OPTIONS)),
    pathPrefix: v.optional(v.string(SEARCH_OPTIONS)),
    partialWords: v.optional(v.boolean(SEARCH_OPTIONS)),
  }, SEARCH_OPTIONS)),
}, SEARCH);

export const effortParams = v.object({ effort: v.picklist(['all', 'half'], EFFORT) }, EFFORT);

/** `raw` as `schema` types it, or a 'bad-request' error with the schema's sentence. */
export function checked<S extends v.GenericSchema>(schema: S, raw: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, raw);
  if (!result.success) throw new EngineError('bad-request', result.issues[0].message);
  return result.output;
}
