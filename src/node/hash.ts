import { createHash } from 'node:crypto';

/**
 * The SHA-256 of bytes or text (text as UTF-8), in hex: the identity of a file's content, of a chunk's text
 * (the key of its vector), and the checksum of each file of a saved index.
 */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
