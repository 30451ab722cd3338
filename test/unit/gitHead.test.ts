import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { headCommit } from '../../src/vscode/gitHead';
import { tempDir } from './helpers';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, {
  cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
}).trim();

describe('the HEAD commit of a workspace, from git\'s files', () => {
  const repo = tempDir('ss git ');
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'a.md'), '# A\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'one');
  const first = git(repo, 'rev-parse', 'HEAD');

  it('reads a branch from its ref file, and from a sub-folder of the repository', async () => {
    assert.equal(await headCommit(repo), first);
    mkdirSync(path.join(repo, 'docs/ko'), { recursive: true });
    assert.equal(await headCommit(path.join(repo, 'docs/ko')), first);
  });

  it('reads a branch from packed-refs, and a detached HEAD', async () => {
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'two');
    const second = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'pack-refs', '--all');
    assert.equal(await headCommit(repo), second);
    git(repo, 'checkout', '-q', '--detach', first);
    assert.equal(await headCommit(repo), first);
    git(repo, 'checkout', '-q', 'main');
  });

  it('follows a worktree to its own HEAD', async () => {
    const wt = path.join(tempDir(), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'side', wt, first);
    assert.equal(await headCommit(wt), first);
  });

  it('gives nothing outside a repository, for a branch without commits, and for a HEAD that leads out', async () => {
    assert.equal(await headCommit(tempDir()), undefined);
    const empty = tempDir();
    git(empty, 'init', '-q');
    assert.equal(await headCommit(empty), undefined);
    const hostile = tempDir();
    mkdirSync(path.join(hostile, '.git'));
    writeFileSync(path.join(hostile, '.git/HEAD'), 'ref: refs/../../../../etc/passwd\n');
    assert.equal(await headCommit(hostile), undefined);
  });
});
