/**
 * One of N shards of the texts to embed, chosen by the text's hash: every job of a CI matrix reads and splits
 * the whole tree, and embeds only the texts of its shard. SHA-256 is uniform, so the first 48 bits of the hash
 * modulo N give shards of equal size (within a few per cent at tens of thousands of texts) and each text
 * falls in exactly one of them, whichever job looks.
 */
export interface Shard {
  /** 1..count */
  index: number;
  count: number;
}

/** Whether the text with this SHA-256 (hex) is embedded by `shard`. */
export function inShard(hash: string, shard: Shard): boolean {
  return shardOf(hash, shard.count) === shard.index;
}

/** The shard (1..count) of a text hash. */
export function shardOf(hash: string, count: number): number {
  return (parseInt(hash.slice(0, 12), 16) % count) + 1;
}

/** `K/N` as the command line writes it, or a sentence. */
export function parseShard(text: string): Shard | { problem: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 1024 || index < 1 || index > count) {
    return { problem: `--shard must be K/N with 1 ≤ K ≤ N ≤ 1024 (for example 2/4), not "${text}".` };
  }
  return { index, count };
}
