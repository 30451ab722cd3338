import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir, writeTree } from './helpers';

export const OUTSIDE = 'links outside the workspace folder';

/** Skipped files as path → reason, to compare whole lists whatever their order. */
export const reasonsByPath = (skipped: { path: string; reason: string }[]) => Object.fromEntries(skipped.map((s) => [s.path, s.reason]));

/** What discovery reports for each entry of {@link hostileTree} that must not be read. */
export const HOSTILE_SKIPS: Record<string, string> = {
  'environ.md': OUTSIDE,
  'linked-out': OUTSIDE,
  'loop-a.md': 'link loop',
  'loop-b.md': 'link loop',
  'pagemap.md': OUTSIDE,
  'pipe.md': 'not a regular file (fifo)',
  'proc': OUTSIDE,
  'random.md': OUTSIDE,
  'secret-link.md': OUTSIDE,
  'socket.md': 'not a regular file (socket)',
  'zero.md': OUTSIDE,
};

/** The files of {@link hostileTree} that are read (relative paths). */
export const HOSTILE_FILES = ['..docs/guide.md', '..x/notes.md', 'a-link.md', 'docs/a.md', 'docs/sub/b.md'];

/**
 * A workspace folder holding what a file walker must not follow or read: links to a folder and a file
 * outside it, links into /proc and /dev, a folder link to /proc/self (whose `root` entry is the whole
 * file system), a fifo, a unix socket and a link loop; beside them links from inside to inside, a folder
 * loop, and folders whose names start with "..". Two of its .gitignore files are a fifo and a /proc link.
 * `close()` ends the socket's server.
 */
export async function hostileTree(): Promise<{ root: string; outside: string; close: () => Promise<void> }> {
  const outside = tempDir('ss-outside-');
  writeTree(outside, { 'secret.md': '# Secret\n\nThe outside password is zebra.\n', 'deep/more.md': '# More\n\nZebra crossing outside.\n' });
  const root = tempDir('ss-root-');
  writeTree(root, {
    'docs/a.md': '# Alpha\n\nThe alpha document.\n',
    'docs/sub/b.md': '# Beta\n\nThe beta document.\n',
    '..docs/guide.md': '# Guide\n\nThe guide in a folder named ..docs.\n',
    '..x/notes.md': '# Notes\n\nNotes in a folder named ..x.\n',
  });
  const link = (target: string, rel: string) => symlinkSync(target, path.join(root, rel));
  link(outside, 'linked-out');
  link(path.join(outside, 'secret.md'), 'secret-link.md');
  link('/proc/self/pagemap', 'pagemap.md');
  link('/proc/self/environ', 'environ.md');
  link('/dev/zero', 'zero.md');
  link('/dev/urandom', 'random.md');
  link('/proc/self', 'proc');
  link(path.join(root, 'docs'), 'docs-link'); // inside → inside: its files are found once, under docs/
  link(path.join(root, 'docs/a.md'), 'a-link.md');
  link(path.join(root, 'docs'), 'docs/sub/up'); // a folder loop
  link('loop-b.md', 'loop-a.md');
  link('loop-a.md', 'loop-b.md');
  link('/proc/self/pagemap', '..x/.gitignore'); // rules files are read under the same rules
  execFileSync('mkfifo', [path.join(root, 'pipe.md')]);
  execFileSync('mkfifo', [path.join(root, 'docs/.gitignore')]);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(root, 'socket.md'), resolve));
  return { root, outside, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
