// The multilingual fixture workspace (test/fixtures/workspace) and the settings that point the extension at
// the concept test model. Every text in the fixture uses words of scripts/models/concepts.mjs only, so which
// file answers which query is known in every language:
//
//   docs/database.md        English  "## Configure the database connection" (line 7): database, connection,
//                                    configuration, file; "## Backup" (line 3): backup, database, table
//   docs/ko/배포.md          Korean   deploy, server, image
//   docs/ja/インストール.md  Japanese install, error, log
//   docs/xss.md             English  browser, security; markup that must be shown as text, never run
//   src/cache.py            Korean comments: password, cache
//   src/search.go           Chinese comment: user, search, error
//   ignored/secret.md       the best match for the database query, but .gitignore'd: must never be found
//                           (written by prepareWorkspace, since git would not keep an ignored file)
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IGNORED_DOC } from './fixtureFacts';
import { conceptModel, fixtureWorkspace } from './paths';

const SECRET = `# Secret

## Configure the database connection

The database connection password is in this file.
`;

/**
 * Copies the fixture into `parent`/workspace (a new temporary folder if not given), since tests change
 * files and settings, and adds the git-ignored file. Returns the workspace folder.
 */
export function prepareWorkspace(parent = mkdtempSync(path.join(os.tmpdir(), 'semantic-search-test-'))): string {
  const workspace = path.join(parent, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  cpSync(fixtureWorkspace, workspace, { recursive: true });
  mkdirSync(path.join(workspace, 'ignored'), { recursive: true });
  writeFileSync(path.join(workspace, IGNORED_DOC), SECRET);
  return workspace;
}

/** User settings of every test host: the concept model instead of the real one (which cannot be downloaded here). */
export function testSettings(): Record<string, unknown> {
  return { 'semanticSearch.modelPath': conceptModel };
}
