/*
 * What comments.ts drops rather than returns: lint/format/compiler directives, licence headers and
 * commented-out code.
 */

/** Lint, format and compiler directives and other boilerplate, removed wherever they stand (tested per trimmed line). */
export const PRAGMA = new RegExp(`^(?:${[
  'eslint(?:-disable|-enable|-env)?\\b', 'jshint\\b', 'jslint\\b', 'tslint:', '@ts-(?:ignore|expect-error|nocheck|check)\\b',
  'prettier-ignore', '(?:istanbul|c8|v8)\\s+ignore\\b', 'biome-ignore', 'deno-lint-ignore', 'stylelint-(?:disable|enable)',
  '<(?:reference|amd-module|amd-dependency)\\b', 'noqa\\b', 'type:\\s*ignore', 'pylint:', 'pyright:', 'mypy:', 'ruff:',
  'fmt:\\s*(?:off|on|skip)', 'isort:', 'pragma:?\\s+no\\s+cover', '-\\*-.*-\\*-$', 'vim?:\\s*(?:set?\\s|[a-z]+=)',
  'frozen_string_literal:', '#(?:end)?region\\b', 'endregion\\b', '</?editor-fold\\b', '(?:TODO|FIXME|XXX|HACK)(?:\\([^)]*\\))?[\\s:.!-]*$',
  'nolint\\b', 'NOLINT', '[\\w#!\\[(]*clippy::', 'rubocop:', 'NOSONAR', 'go:\\w+', '\\+build\\b', 'swiftlint:', 'swift-format-ignore',
  'ktlint-disable', 'clang-format\\s+(?:on|off)', '@formatter:(?:on|off)', 'cspell:', 'spell-checker:', 'phpcs:', '@phpstan-ignore',
  '@psalm-suppress', 'shellcheck\\s', 'hadolint\\s', 'yamllint\\s', 'markdownlint-', 'SPDX-(?:License-Identifier|FileCopyrightText):',
  '@license\\b', '@preserve$', 'Code generated .* DO NOT EDIT\\.?$', '![/[]',
].join('|')})`);
/** Directives that read like prose inside a longer comment ("encoding: utf-8 by default"): skipped only as a whole comment. */
export const SOLO_PRAGMA = /^(?:(?:encoding|coding|typed|warn_indent|shareable_constant_value)\s*[:=]\s*\S+$|(?:syntax|escape|check)=\S+$|@(?:flow|noflow|format|jsx\w*|refresh)\b|webpack[A-Z]\w*\s*:|globals?\s+[\w$]+(?:\s*[:,]\s*[\w$]+)*\s*$)/;

const LICENCE = /\bcopyright\b|©|\bSPDX-License-Identifier\b|\blicen[cs]ed under\b|\bpermission is hereby granted\b|\ball rights reserved\b|\b(?:apache|mit|bsd|isc|mozilla public|(?:gnu )?(?:lesser |affero )?general public) licen[cs]e\b/i;

/** True for a comment that reads as a licence/copyright header (copyright, SPDX, "Licensed under", MIT grant…). */
export function isLicenceHeader(text: string): boolean {
  return LICENCE.test(text);
}

// Commented-out code. Strong shapes count whatever the words; weak ones only without a run of prose words.
// No two quantifiers next to each other may take the same characters (`[^:]*x[^:]*:`, `[)]+[)]*`): a line that
// almost matches would make the engine try every way of sharing them out, quadratic in the line's length.
const STRONG_CODE = [
  /^[\])}]+(?:[;,][;,)]*)?$/, /^(?:end|fi|done|esac|else|try|finally|begin|\{)[:;]?$/,
  /^(?:(?:export|pub(?:\([\w ]+\))?|public|private|protected|internal|static|final|async|abstract|override|open|default|unsafe|inline|extern|virtual|readonly)\s+)*(?:const|let|var|val|def|fn|func|function|class|struct|enum|interface|impl|trait|void|int|long|bool|boolean|char|float|double|auto|String|local)\s+[\w$*&<>[\],.]+\s*[(=:{<;]/,
  /^(?:if|for|while|switch|catch|foreach|elif|else\s+if|unless|until)\s*\(.*\)\s*\{?$/,
  /^(?=[^:]*:$)(?:elif|while|if)\s+[^:]*[=<>()[\].]/, /^except\b[^:]*:$/, /^(?=[^:]*:$)for\s+[\w,()]+(?: +[\w,()]+)*\s+in\s+[^:]/, /^with\s.*\bas\s+\w+:$/,
  /^return(?:\s+\S+)?;?$/, /^(?:break|continue|pass)\s*;?$/, /^(?:throw|raise)\s+(?:new\s+)?[\w.]+(?:\(.*\))?;?$/,
  /^#include\s*[<"]/, /^import\s+[\w.*]+;?$/, /^import\s.*\bfrom\s+['"]/, /^import\s+['"{*]/, /^from\s+[\w.]+\s+import\s/,
  /^(?:use|using|require|require_once|include)\s+[\w:.\\'"()/]+;$/, /^package\s+[\w.]+;?$/,
  /^<\/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?\/?>(?:.*<\/[\w:.-]+>)?$/,
  // Comment syntax inside a comment: a commented-out block that had its own comments.
  /^(?:\/\/|\/\*\*?(?:\s|$)|\*\/$|\*$|\* @\w)/,
];
const WEAK_CODE = [
  /[;{]$/,
  /^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*|\[[^\]]*\])*\s*(?:[-+*/%&|^]|\?\?|\|\||&&|<<|>>)?=(?!=)\s*\S/,
  /^(?:await\s+|new\s+|yield\s+|return\s+)?[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*)*\(.*\)[;,]?$/,
];
// Starting only at the start of a word: from inside a long word each try would run to its end again.
const WORDS = /(?<![A-Za-z])[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}/;
const PROSE = /(?<!\p{L})\p{L}{2,}[ ,]+\p{L}{2,}[ ,]+\p{L}{2,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

function looksLikeCode(line: string): boolean {
  const s = line.trim().slice(0, 300);
  const bare = s.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '""');
  // Anything non-ASCII outside quotes is a human language, and a final full stop ends a sentence.
  if (/[^\x00-\x7f]/.test(bare) || /(?:^|[^.])[.?!]$/.test(s)) return false;
  if (STRONG_CODE.some((re) => re.test(s))) return true;
  // Up to six words is a declaration (`public static void main(String[] args) {`), more is a sentence.
  return (s.endsWith('{') ? (bare.match(/[A-Za-z]{2,}/g)?.length ?? 0) <= 6 : !WORDS.test(bare)) && WEAK_CODE.some((re) => re.test(s));
}

/** True when most non-blank lines look like code and little reads as prose: a commented-out block. */
export function isCommentedOutCode(lines: string[]): boolean {
  let n = 0, code = 0, prose = 0;
  for (const l of lines) {
    if (!l.trim()) continue;
    n++;
    if (looksLikeCode(l)) code++;
    else if (PROSE.test(l.slice(0, 300))) prose++;
  }
  return code > 0 && code * 2 >= n && (prose === 0 || code * 10 >= n * 7);
}
