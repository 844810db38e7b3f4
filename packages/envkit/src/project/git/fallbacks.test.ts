// What the in-process reader leaves to git: each case is a repository in which it would answer, but for one
// thing that could change git's answer. (status.test.ts compares its answers with git's.)
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { requireTool } from '../../../../../test/helpers/require.js';
import { isolatedGitUser } from '../../../../../test/helpers/git-user.js';
import { readGitStatus } from './status.js';

const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
const hasGit = requireTool('git', realGit !== '', 'apt-get install -y git');
const home = isolatedGitUser();

/** A new repository whose .gitignore ignores .env, with .env in it: the reader's plain case. */
function repository(): string {
  const dir = testdir({ '.gitignore': '.env\n', '.env': 'A=1\n' });
  const r = spawnSync(realGit, ['init', '-q'], { cwd: dir });
  if (r.status !== 0) throw new Error('git init failed');
  return dir;
}

const read = (dir: string, env: NodeJS.ProcessEnv = process.env) => readGitStatus(dir, join(dir, '.env'), env);

describe.runIf(hasGit)('the reader asks git', () => {
  it('answers the plain case itself (so each undefined below is the one change)', () => {
    expect(read(repository())).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
  });

  it('when a config file is not a regular file (a FIFO would block the read)', () => {
    const dir = repository();
    const global = join(home(), '.gitconfig');
    rmSync(global, { force: true });
    const made = spawnSync('mkfifo', [global]);
    if (made.status !== 0) throw new Error('mkfifo failed');
    try {
      expect(read(dir)).toBeUndefined();
    } finally {
      rmSync(global, { force: true });
    }
  });

  it('when a GIT_* variable that is not known to be harmless is set', () => {
    const dir = repository();
    for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_CONFIG_GLOBAL', 'GIT_CEILING_DIRECTORIES', 'GIT_SOMETHING_NEW']) {
      expect(read(dir, { ...process.env, [name]: '/x' }), name).toBeUndefined();
    }
    expect(read(dir, { ...process.env, GIT_EDITOR: 'vi', GIT_SSL_CAINFO: '/x', GIT_AUTHOR_NAME: 'a' })).toBeDefined();
  });

  it('when a config file includes others, ignores case, or sets what the scanner cannot read plainly', () => {
    const dir = repository();
    const global = join(home(), '.gitconfig');
    const configs = [
      '[include]\n\tpath = other\n',
      '[includeIf "gitdir:~/"]\n\tpath = other\n',
      '[core]\n\tignoreCase = true\n',
      '[core]\n\tignorecase\n',
      '[core]\n\tworktree = /elsewhere\n',
      '[core]\n\texcludesFile = "~/quoted"\n',
      '[core]\n\texcludesFile = relative/path\n',
      '[extensions]\n\tworktreeConfig = true\n',
      '[alias]\n\tst = status \\\n\t-s\n',
      '[alias]\n\tst = "unclosed\n',
      '[core] bare = false\n',
      'key = outside any section\n',
    ];
    for (const config of configs) {
      writeFileSync(global, config);
      expect(read(dir), config).toBeUndefined();
    }
    writeFileSync(global, '[user]\n\tname = "A Name" ; a comment\n[core]\n\tignoreCase = false\n\texcludesFile = ~/ignore\n');
    expect(read(dir)).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
    writeFileSync(global, '');
  });

  it('when the system config of the git on PATH, where its build looks for it (<prefix>/etc/gitconfig), says something that matters', () => {
    const dir = repository();
    // A git installed under a prefix of its own (built from source with its default prefix, $HOME, or a conda
    // environment's): its system file is <prefix>/etc/gitconfig, which may choose another global excludes file.
    const prefix = testdir({ 'etc/gitconfig': '[core]\n\texcludesFile = ~/other-ignore\n' });
    mkdirSync(join(prefix, 'bin'));
    symlinkSync(realGit, join(prefix, 'bin/git'));
    expect(read(dir, { ...process.env, PATH: join(prefix, 'bin') })).toBeUndefined();
    writeFileSync(join(prefix, 'etc/gitconfig'), '[user]\n\tname = A Name\n');
    expect(read(dir, { ...process.env, PATH: join(prefix, 'bin') })).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
  });

  it('when the repository config says the format or the layout is not plain', () => {
    for (const extra of ['[core]\n\trepositoryformatversion = 2\n', '[core]\n\tbare = true\n', '[extensions]\n\tobjectFormat = sha256\n']) {
      const dir = repository();
      writeFileSync(join(dir, '.git/config'), extra, { flag: 'a' });
      expect(read(dir), extra).toBeUndefined();
    }
  });

  it('when .git is not a plain git directory, or the env file is not a plain file', () => {
    const noHead = repository();
    writeFileSync(join(noHead, '.git/HEAD'), 'garbage\n');
    expect(read(noHead)).toBeUndefined();
    const linked = repository();
    mkdirSync(join(linked, 'sub'));
    symlinkSync(join(linked, '.gitignore'), join(linked, 'sub/.gitignore'));
    writeFileSync(join(linked, 'sub/.env'), 'A=1\n');
    expect(readGitStatus(join(linked, 'sub'), join(linked, 'sub/.env'))).toBeUndefined();
    const directory = repository();
    mkdirSync(join(directory, 'x.env'));
    expect(readGitStatus(directory, join(directory, 'x.env'))).toBeUndefined();
  });

  // Only root can give a file away; git then refuses the repository (safe.directory) unless configured to.
  it.runIf(process.getuid?.() === 0)('when .git is not owned by this user', () => {
    const dir = repository();
    chownSync(join(dir, '.git'), 12345, 12345);
    expect(read(dir)).toBeUndefined();
  });

  it('when the index is not one it reads: a bad signature, version 5, cut short', () => {
    for (const index of [Buffer.from('XXXX\0\0\0\x02\0\0\0\0' + '\0'.repeat(20), 'latin1'), Buffer.from('DIRC\0\0\0\x05\0\0\0\0' + '\0'.repeat(20), 'latin1'), Buffer.from('DIRC\0\0\0\x02\0\0\0\x01' + '\0'.repeat(20), 'latin1')]) {
      const dir = repository();
      writeFileSync(join(dir, '.git/index'), index);
      expect(read(dir)).toBeUndefined();
    }
  });

  it('when a .gitignore holds a pattern the matcher reads otherwise than git', () => {
    const dir = repository();
    writeFileSync(join(dir, '.gitignore'), 'x**/y\n.env\n');
    expect(read(dir)).toBeUndefined();
  });

  it('when a file of patterns is large (newer git skips one over 100 MiB, so its rules would not apply)', () => {
    const dir = repository();
    const comments = '#'.repeat(1023) + '\n';
    writeFileSync(join(dir, '.gitignore'), comments.repeat(1024) + '.env\n');
    expect(read(dir)).toBeUndefined();
    writeFileSync(join(dir, '.gitignore'), '.env\n');
    writeFileSync(join(dir, '.git/info/exclude'), comments.repeat(1024) + '.env\n');
    expect(read(dir)).toBeUndefined();
    writeFileSync(join(dir, '.git/info/exclude'), comments.repeat(1023) + '.env\n');
    expect(read(dir)).toEqual({ available: true, inRepo: true, tracked: false, ignored: true });
  });
});
