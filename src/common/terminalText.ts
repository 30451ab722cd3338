/**
 * Characters a terminal acts on rather than shows: C0 controls (ESC starts colour, cursor and title sequences,
 * CR and backspace overwrite what was printed, BEL rings), DEL, C1 controls (0x9b is a one-byte CSI), the line
 * and paragraph separators, and the bidi marks and overrides that make text read in another order than it runs.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` for printing to a terminal as data: every character of {@link UNSAFE} is shown as its escape
 * (`\x1b`, `\u202e`), so file names and passages from a workspace cannot colour, move, retitle or reorder
 * the output, nor forge a line of it.
 */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
