/** The text of a file, or why it cannot be read as text. */
export type Decoded = { text: string; encoding: string } | { reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const utf16le = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: false });
const utf16be = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: false });

/**
 * Decodes UTF-8 (with or without BOM) and UTF-16 LE/BE with a BOM. Anything else — a NUL byte in an
 * un-marked file, or bytes that are not valid UTF-8 — is reported, not guessed at: indexing a mis-decoded
 * file would put mojibake into search results.
 */
export function decodeText(bytes: Uint8Array): Decoded {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: utf16le.decode(bytes), encoding: 'utf-16le' };
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: utf16be.decode(bytes), encoding: 'utf-16be' };
  } catch {
    return { reason: 'not valid UTF-16 text' };
  }
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { reason: 'binary file' };
  try {
    // TextDecoder drops a UTF-8 BOM itself (ignoreBOM: false).
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { reason: 'not valid UTF-8 text (only UTF-8 and UTF-16 with a byte-order mark are read)' };
  }
}
