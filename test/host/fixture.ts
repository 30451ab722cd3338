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
//   src/deploy.ts           Japanese comment: deploy, server (as docs/ko/배포.md), container, version
//   ignored/secret.md       the best match for the database query, but .gitignore'd: must never be found
//                           (written by prepareWorkspace, since git would not keep an ignored file)
//   .git/HEAD               the current branch, so a test can switch branches (also written here)
//   unwatched/              an empty folder the file watcher ignores (files.watcherExclude, testSettings)
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IGNORED_DOC, NOTES_LICENSE_DOC, UNWATCHED_DIR } from './fixtureFacts';
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
  mkdirSync(path.join(workspace, UNWATCHED_DIR)); // made now: creating it later would be an event of its own
  mkdirSync(path.join(workspace, '.git'));
  writeFileSync(path.join(workspace, '.git/HEAD'), 'ref: refs/heads/main\n');
  return workspace;
}

/**
 * A multi-root workspace: the fixture workspace and a second folder, `notes`, with its own .gitignore.
 * Returns the .code-workspace file. What notes/ answers is in fixtureFacts.ts (NOTES_*).
 */
export function prepareMultiRootWorkspace(parent: string): string {
  const workspace = prepareWorkspace(parent);
  const notes = path.join(parent, 'notes');
  rmSync(notes, { recursive: true, force: true });
  mkdirSync(path.join(notes, 'docs'), { recursive: true });
  mkdirSync(path.join(notes, 'drafts'), { recursive: true });
  writeFileSync(path.join(notes, '.gitignore'), 'drafts/\n');
  writeFileSync(path.join(notes, NOTES_LICENSE_DOC), '# Licenses\n\n## License of every dependency\n\nEach dependency has a license.\n');
  writeFileSync(path.join(notes, 'drafts/license.md'), '# Draft\n\nThe license of a dependency: a draft.\n');
  const file = path.join(parent, 'multi-root.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: [{ path: workspace }, { path: notes }] }, null, 2));
  return file;
}

/**
 * The fixture workspace with its own settings naming a model folder inside it, the kind of setting a
 * Restricted Mode window must not follow (a model is native code's input). Returns the folder.
 */
export function prepareUntrustedWorkspace(parent: string): string {
  const workspace = prepareWorkspace(parent);
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  mkdirSync(path.join(workspace, 'model'), { recursive: true });
  writeFileSync(path.join(workspace, 'model/config.json'), '{ "not": "a model" }\n');
  writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'semanticSearch.modelPath': path.join(workspace, 'model') }, null, 2));
  return workspace;
}

/**
 * A workspace of `files` Markdown files, each three sections of the fixture's sentences (every one a text
 * of its own, so each is embedded), for watching a first full index. Returns the folder.
 */
export function prepareLargeWorkspace(parent: string, files: number): string {
  const workspace = path.join(parent, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  const sentences = [
    'Configure the database connection in the configuration file.', 'Deploy the image to the server.',
    'The cache keeps the password for an hour.', 'Install the package and read the error log.',
    'The browser shows the security warning.', 'Search the user table for the version.',
  ];
  for (let i = 0; i < files; i++) {
    const dir = path.join(workspace, `part${i % 20}`);
    mkdirSync(dir, { recursive: true });
    const text = (j: number) => Array.from({ length: 8 }, (_, k) => sentences[(i * 7 + j * 3 + k) % 6]).join(' ');
    const section = (j: number) => `## Topic ${i}.${j}\n\n${text(j)} Note ${i * 3 + j}.\n`;
    writeFileSync(path.join(dir, `page${i}.md`), `# Page ${i}\n\n${section(0)}\n${section(1)}\n${section(2)}`);
  }
  return workspace;
}

/**
 * User settings of every test host: the concept model instead of the real one (which cannot be downloaded
 * here), and a folder the file watcher ignores, for the branch-switch test.
 */
export function testSettings(): Record<string, unknown> {
  return { 'semanticSearch.modelPath': conceptModel, 'files.watcherExclude': { [`**/${UNWATCHED_DIR}/**`]: true } };
}
