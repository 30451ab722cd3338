import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodePointTrie, completeTrie, type TrieParts } from './unigram';

/**
 * The complete trie of a model's vocabulary (unigram.ts), saved in the model folder: building it costs ~0.5 s
 * of CPU for XLM-R's 250,002 pieces, and a first index would otherwise fill it piece group by piece group on
 * each thread that counts tokens, while the user waits for words. Read back, it is one file read into shared
 * memory, which the engine hands to its reading thread (readThread.ts) as it is.
 *
 * The file is only a cache. It names the tokenizer.json it was built from (its SHA-256) and carries the
 * SHA-256 of its own arrays; a file that is missing, of another tokenizer, cut short or damaged is built
 * again and replaced (a new file, renamed over the old one, so a reader never sees half of one). A model
 * folder that cannot be written only means the trie is built at each start.
 */
export const VOCABULARY_TRIE_FILE = 'vocabulary.trie';

/** Where a vocabulary's trie is saved, and of which tokenizer.json. */
export interface SavedVocabulary {
  dir: string;
  tokenizerSha256: string;
}

const MAGIC = 'SSVOCAB1';
// magic (8 bytes) | tokenizer.json's SHA-256 in hex (64) | slots, token slots, nodes, used slots, pieces (5 × float64)
// | SHA-256 of the arrays (32) | keys (slots × 8) | children (slots × 4) | tokens (token slots × 4)
const HEADER = 8 + 64 + 5 * 8 + 32;
/** No vocabulary needs more slots (a trie of 64M edges); a header that says more is not one of ours. */
const MAX_SLOTS = 2 ** 27;
const CODE_POINTS = 0x110000;

/**
 * The complete trie of `pieces` (with their ids in `ids`): the one `saved` (read with {@link readTrieFile},
 * which a caller starts early, so the file is read while it does other work) when it is good and of the same
 * tokenizer, else one built now and saved in `saved.dir`. `log` hears why a file there was not used or not written.
 */
export async function savedTrie(
  pieces: readonly string[], ids: ReadonlyMap<string, number>, saved: SavedVocabulary, log?: (message: string) => void,
  read: Promise<TrieFile | string | undefined> = readTrieFile(saved),
): Promise<CodePointTrie> {
  const found = trieOf(await read, pieces.length);
  if (found instanceof CodePointTrie) return found;
  const file = path.join(saved.dir, VOCABULARY_TRIE_FILE);
  if (found) log?.(`The vocabulary's saved lookup (${file}) is built again: ${found}.`);
  const trie = completeTrie(pieces, ids);
  try {
    writeTrie(file, trie.parts, saved.tokenizerSha256, pieces.length);
  } catch (e) {
    log?.(`The vocabulary's lookup could not be saved in ${saved.dir} (${(e as Error).message}); it is built at each start.`);
  }
  return trie;
}

/** A saved trie file's header and arrays, as read (not yet checked against its checksum). */
export interface TrieFile {
  header: Buffer;
  body: SharedArrayBuffer;
}

/**
 * Reads the trie file saved for this tokenizer into shared memory, off this thread (on libuv's): its bytes,
 * or why they are not a trie of this tokenizer's (undefined when there is no file).
 */
export async function readTrieFile(saved: SavedVocabulary): Promise<TrieFile | string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path.join(saved.dir, VOCABULARY_TRIE_FILE), 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    if (size < HEADER) return 'the file is cut short';
    const header = Buffer.alloc(HEADER);
    await readFully(handle, header, 0);
    if (header.toString('latin1', 0, 8) !== MAGIC) return 'it is not a vocabulary file of this version';
    if (header.toString('latin1', 8, 72) !== saved.tokenizerSha256) return 'it is of another tokenizer.json';
    const [slots, tokenSlots] = [header.readDoubleLE(72), header.readDoubleLE(80)];
    if (!(Number.isInteger(Math.log2(slots)) && slots >= 2 && slots <= MAX_SLOTS && Number.isInteger(tokenSlots) && tokenSlots <= slots)) return 'its sizes are wrong';
    if (size !== HEADER + slots * 12 + tokenSlots * 4) return 'the file is cut short or too long';
    const body = new SharedArrayBuffer(size - HEADER);
    await readFully(handle, new Uint8Array(body), HEADER);
    return { header, body };
  } catch (e) {
    return `it could not be read (${(e as Error).message})`;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** The trie of a file read by {@link readTrieFile}, for a vocabulary of `pieces` pieces, or why not. */
export function trieOf(read: TrieFile | string | undefined, pieces: number): CodePointTrie | string | undefined {
  if (read === undefined || typeof read === 'string') return read;
  const { header, body } = read;
  const [slots, tokenSlots, nodes, used, count] = [0, 1, 2, 3, 4].map((i) => header.readDoubleLE(72 + 8 * i));
  if (count !== pieces) return 'it is of another vocabulary';
  if (!createHash('sha256').update(new Uint8Array(body)).digest().equals(header.subarray(112, HEADER))) return 'its content is damaged';
  const parts: TrieParts = {
    keys: new Float64Array(body, 0, slots),
    children: new Int32Array(body, slots * 8, slots),
    tokens: new Int32Array(body, slots * 12, tokenSlots),
    nodes,
    used,
  };
  const wrong = partsProblem(parts);
  return wrong ? `it does not hold a trie (${wrong})` : new CodePointTrie(parts);
}

/** Writes `parts` to `file` for this tokenizer: a new file, renamed over the old one. */
export function writeTrie(file: string, parts: TrieParts, tokenizerSha256: string, pieces: number): void {
  const arrays = [parts.keys, parts.children, parts.tokens].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(a);
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.write(tokenizerSha256, 8, 64, 'latin1');
  [parts.keys.length, parts.tokens.length, parts.nodes, parts.used, pieces].forEach((n, i) => header.writeDoubleLE(n, 72 + 8 * i));
  hash.digest().copy(header, 112);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, header, { flag: 'wx' });
    for (const a of arrays) writeFileSync(temp, a, { flag: 'a' });
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

async function readFully(handle: fs.FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error('the file ended early');
    done += bytesRead;
  }
}

/**
 * What makes `parts` no trie a search can walk safely, or undefined: every edge leads from a node to a later
 * node of the trie along a code point, each node but the root has one edge into it, and a free slot is left
 * (a lookup stops at one).
 */
function partsProblem({ keys, children, tokens, nodes, used }: TrieParts): string | undefined {
  if (!(Number.isInteger(nodes) && nodes >= 1 && nodes <= tokens.length && used === nodes - 1 && used < keys.length)) return 'wrong counts';
  let edges = 0;
  for (let slot = 0; slot < keys.length; slot++) {
    const key = keys[slot];
    if (key === 0) continue;
    edges++;
    const node = Math.floor((key - 1) / CODE_POINTS);
    if (!Number.isInteger(key) || key < 1 || node >= nodes || children[slot] <= node || children[slot] >= nodes) return `a wrong edge in slot ${slot}`;
  }
  if (edges !== used) return 'wrong counts';
  for (let node = 0; node < nodes; node++) if (tokens[node] < -1) return `a wrong token at node ${node}`;
  return undefined;
}
