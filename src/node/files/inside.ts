import path from 'node:path';

/**
 * True if `p` lies below the folder `root` (the folder itself is not below it). Both are absolute paths of
 * the same kind (both real, or both as given). Only a `..` segment leads out: a folder named `..docs` is
 * inside.
 */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
