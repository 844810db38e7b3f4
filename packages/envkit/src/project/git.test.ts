import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { isolatedGitUser } from '../../../../test/helpers/git-user.js';
import { gitFileStatus } from './git.js';

const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
const hasGit = requireTool('git', realGit !== '', 'apt-get install -y git');
isolatedGitUser();

function git(dir: string, ...args: string[]): void {
  const r = spawnSync(realGit, ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** A `git` first on PATH that logs each call to a file, then runs the real one: counts the processes. */
let savedPath: string | undefined;
let log = '';
beforeEach(() => {
  savedPath = process.env.PATH;
  const bin = testdir();
  log = join(bin, 'calls');
  writeFileSync(log, '');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$1 $2" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  process.env.PATH = `${bin}:${savedPath}`;
});
afterEach(() => {
  process.env.PATH = savedPath;
});
const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);

describe.runIf(hasGit)('gitFileStatus', () => {
  it('an ignored, untracked env file: read from the repository, no git process', () => {
    const dir = testdir({ '.gitignore': '.env\n', '.env': 'A=1\n' });
    git(dir, 'init', '-q');
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    expect(calls()).toEqual([]);
  });

  it('an untracked env file no rule ignores', () => {
    const dir = testdir({ '.gitignore': 'node_modules/\n', '.env': 'A=1\n' });
    git(dir, 'init', '-q');
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: false });
    expect(calls()).toEqual([]);
  });

  it('a committed env file is tracked, and ignored when a rule matches it (so the fix is git rm --cached, not a rule)', () => {
    const dir = testdir({ '.env': 'A=1\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', '.env');
    git(dir, 'commit', '-qm', 'oops');
    writeFileSync(join(dir, '.gitignore'), '.env\n');
    writeFileSync(join(dir, '.env'), 'A=2\n');
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: true, ignored: true });
    // In the index: git answers (ls-files, then ls-files -i for the rules).
    expect(calls()).toHaveLength(2);
  });

  it('a missing env file: the rules answer, read from the repository', () => {
    const ignoring = testdir({ '.gitignore': '.env\n' });
    git(ignoring, 'init', '-q');
    expect(gitFileStatus(ignoring, join(ignoring, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    const open = testdir({ '.gitignore': '# nothing\n' });
    git(open, 'init', '-q');
    expect(gitFileStatus(open, join(open, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: false });
    expect(calls()).toEqual([]);
  });

  it('a project in a subdirectory of the repository, env file in an untracked directory, a name with glob characters', () => {
    const dir = testdir({ 'deploy/x/.env': 'A=1\n', 'deploy/x/[a].env': 'A=1\n', '.gitignore': 'deploy/x/.env\n' });
    git(dir, 'init', '-q');
    const project = join(dir, 'deploy/x');
    expect(gitFileStatus(project, join(project, '.env'))).toMatchObject({ inRepo: true, tracked: false, ignored: true });
    expect(gitFileStatus(project, join(project, '[a].env'))).toMatchObject({ inRepo: true, tracked: false, ignored: false });
    expect(calls()).toEqual([]);
  });

  it('an env file added with git add -N (in the index, not committed): git answers', () => {
    const dir = testdir({ '.gitignore': '.env\n', '.env': 'A=1\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', '-f', '-N', '.env');
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: true, ignored: true });
    expect(calls()[0]).toBe('--literal-pathspecs ls-files');
  });

  it('a split index: git answers', () => {
    const dir = testdir({ '.gitignore': '.env\n', '.env': 'A=1\n', 'a.txt': 'a\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', 'a.txt', '.gitignore');
    git(dir, 'update-index', '--split-index');
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    expect(calls()).toHaveLength(1);
  });

  it('GIT_DIR set: git answers, for the repository GIT_DIR names', () => {
    const dir = testdir({ '.gitignore': '.env\n', '.env': 'A=1\n' });
    git(dir, 'init', '-q');
    const elsewhere = testdir();
    git(elsewhere, 'init', '-q');
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(elsewhere, '.git');
    try {
      // The work tree is the current directory, whose .gitignore ignores .env.
      expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
    expect(calls()).toHaveLength(1);
  });

  it('a linked worktree (.git is a file): git answers', () => {
    const main = testdir({ '.gitignore': '.env\n' });
    git(main, 'init', '-q');
    git(main, 'add', '.gitignore');
    git(main, 'commit', '-qm', 'ignore');
    const linked = join(testdir(), 'wt');
    git(main, 'worktree', 'add', '-q', linked);
    writeFileSync(join(linked, '.env'), 'A=1\n');
    const before = calls().length;
    expect(gitFileStatus(linked, join(linked, '.env'))).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    expect(calls()).toHaveLength(before + 1);
  });

  it('outside any repository: no git process, and git is reported available', () => {
    const dir = testdir({ '.env': 'A=1\n' });
    expect(gitFileStatus(dir, join(dir, '.env'))).toEqual({ available: true, inRepo: false });
    expect(calls()).toEqual([]);
  });

  it('inside .git: not a work tree', () => {
    const dir = testdir();
    git(dir, 'init', '-q');
    mkdirSync(join(dir, '.git/sub'));
    expect(gitFileStatus(join(dir, '.git/sub'), join(dir, '.git/sub/.env'))).toEqual({ available: true, inRepo: false });
    expect(calls()).toHaveLength(1);
  });

  it('git not installed: unavailable, in a repository or not', () => {
    const repo = testdir({ '.env': 'A=1\n' });
    git(repo, 'init', '-q');
    const plain = testdir({ '.env': 'A=1\n' });
    process.env.PATH = testdir();
    expect(gitFileStatus(repo, join(repo, '.env'))).toEqual({ available: false, inRepo: false });
    expect(gitFileStatus(plain, join(plain, '.env'))).toEqual({ available: false, inRepo: false });
  });
});
