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
/**
 * A search for exactly this text ends the search worker, as a crash would: the extension host of the
 * integration tests sets SEMANTIC_SEARCH_TEST_CRASH_QUERY to it (see src/worker/worker.ts).
 */
export const WORKER_CRASH_QUERY = 'test hook: end the search worker';
/** A folder the file watcher is told to ignore (files.watcherExclude): only a rescan sees its files. */
export const UNWATCHED_DIR = 'unwatched';
/** In the second folder of the multi-root workspace (`notes`): the English answer to NOTES_QUERY_JA. */
export const NOTES_LICENSE_DOC = 'docs/license.md';
export const NOTES_QUERY_JA = '依存関係のライセンス'; // "licence of the dependencies"
/** An English question whose answer is the Korean section "## 서버에 이미지 배포". */
export const DEPLOY_QUERY_EN = 'How do I deploy the image to the server?';
/** Find Similar on the Korean deployment paragraph finds the Japanese comment, not its own section. */
export const DEPLOY_DOC_KO = 'docs/ko/배포.md';
/** First line (the heading) of the section with that paragraph. */
export const DEPLOY_SECTION_LINE = 3;
export const DEPLOY_COMMENT = 'src/deploy.ts';
