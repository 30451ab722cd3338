import { constants, promises as fs, type Stats } from 'node:fs';
import { isInside } from './inside';

/** The reason a link whose target is not inside its workspace folder (or a folder link out) is skipped. */
export const OUTSIDE_REASON = 'links outside the workspace folder';

/** First read of a file whose size stat does not know (/proc files say 0). */
const FIRST_READ = 64 * 1024;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The reason a file over the size limit is skipped; `size` when it is known. */
export function tooLargeReason(limit: number, size?: number): string {
  return `larger than the ${formatBytes(limit)} limit${size !== undefined && size > limit ? ` (${formatBytes(size)})` : ''}`;
}

/** The reason a path that exists is not a regular file, or undefined for a regular file or a folder. */
export function specialFileReason(st: Stats): string | undefined {
  const kind = st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'character device' : st.isBlockDevice() ? 'block device' : undefined;
  return kind && `not a regular file (${kind})`;
}

/** The reason for a failed stat, open or read. */
export function unreadableReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ELOOP' ? 'link loop' : `not readable (${code ?? (e as Error).message})`;
}

/**
 * Reads a file found by discovery, checking again what discovery checked, because the file may have been
 * replaced since: its real path must be inside `root`, it must be a regular file (a fifo would block the
 * read, a device never end it), and at most `maxBytes` are read whatever stat says — /proc files say 0 bytes
 * and can be endless, and a file can grow after it was measured. A file over the limit gives the same reason
 * as in discovery. `realRoot`, when given, is the root's real path as discovery found it.
 */
export async function readFileCapped(abs: string, root: string, maxBytes: number, realRoot?: string): Promise<{ bytes: Buffer } | { reason: string }> {
  let real: string, st: Stats;
  try {
    const [inside, realPath] = await Promise.all([realRoot ?? fs.realpath(root), fs.realpath(abs)]);
    if (!isInside(inside, realPath)) return { reason: OUTSIDE_REASON };
    real = realPath;
    st = await fs.lstat(real); // a link here means the path was swapped since realpath
  } catch (e) {
    return { reason: unreadableReason(e) };
  }
  if (!st.isFile()) return { reason: specialFileReason(st) ?? 'changed while it was being read' };
  if (st.size > maxBytes) return { reason: tooLargeReason(maxBytes, st.size) };
  let handle: fs.FileHandle;
  try {
    // No blocking open should a fifo have taken the file's place after the check, and no link followed.
    handle = await fs.open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    return { reason: (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'changed while it was being read' : unreadableReason(e) };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) return { reason: specialFileReason(opened) ?? 'changed while it was being read' };
    // One byte past the limit tells a file over it from one exactly at it.
    const cap = maxBytes + 1;
    let buf = Buffer.allocUnsafe(Math.min(cap, opened.size ? opened.size + 1 : FIRST_READ));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n === cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, n * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, n, buf.length - n, null);
      if (!bytesRead) break;
      n += bytesRead;
    }
    if (n > maxBytes) return { reason: tooLargeReason(maxBytes, Math.max(opened.size, st.size)) };
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return { reason: unreadableReason(e) };
  } finally {
    await handle.close();
  }
}
