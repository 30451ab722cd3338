// What the fixture workspace (see fixture.ts) answers. No imports: the integration suites, bundled into the
// extension host, use these too.

/** The Korean question whose answer is the English section "Configure the database connection". */
export const DATABASE_QUERY_KO = '데이터베이스 연결은 어떻게 설정하나요?';
export const DATABASE_DOC = 'docs/database.md';
/** First line (the heading) of the section that answers DATABASE_QUERY_KO. */
export const DATABASE_SECTION_LINE = 7;
export const XSS_QUERY = 'browser security';
export const XSS_DOC = 'docs/xss.md';
export const IGNORED_DOC = 'ignored/secret.md';
