/**
 * The human language a text is written in, judged by its writing script: 'ko' (Hangul), 'ja' (any Kana),
 * 'zh' (Han without Kana), 'en' (Latin), 'ru' (Cyrillic), or 'other'. Script is what the ranking and the UI
 * need (a badge, and whether full-text matching can work across a query and a chunk); telling English from
 * French is not. Programming languages are another matter (src/node/split/codeLanguages.ts).
 */
export function languageByScript(text: string): string {
  let hangul = 0, kana = 0, han = 0, latin = 0, cyrillic = 0;
  const limit = Math.min(text.length, 2000);
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
    } else if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f)) hangul++;
    else if (c >= 0x3040 && c <= 0x30ff) kana++;
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) han++;
    else if (c >= 0x0400 && c <= 0x04ff) cyrillic++;
    else if (c >= 0xc0 && c <= 0x24f) latin++;
  }
  // CJK characters carry a word's worth of meaning each; weigh them against Latin letters accordingly.
  const scores: [string, number][] = [['ko', hangul * 3], ['ja', kana * 3 + (kana ? han * 3 : 0)], ['zh', kana ? 0 : han * 3], ['en', latin], ['ru', cyrillic]];
  let best = 'other', bestScore = 0;
  for (const [lang, score] of scores) if (score > bestScore) [best, bestScore] = [lang, score];
  return best;
}
