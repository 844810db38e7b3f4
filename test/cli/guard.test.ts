import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_NODE } from '../helpers/cli.js';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { ENVKIT_BIN, OPENAI_KEY, envkit, initProject, readEnv, runProcess, type CliResult } from './support.js';

// `envkit guard` and its hook, end to end: the built CLI, real git repositories, real `git commit`s.

const hasGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');

/** A directory with an `envkit` command on PATH that runs the built CLI, as an installed one would. */
function shimDir(): string {
  const dir = testdir();
  writeFileSync(join(dir, 'envkit'), `#!/bin/sh\nexec '${CLI_NODE}' -- '${ENVKIT_BIN}' "$@"\n`);
  chmodSync(join(dir, 'envkit'), 0o755);
  return dir;
}

/** git and the hooks it runs: no user or system config, a fixed author, the envkit shim first on PATH. */
function gitEnv(home: string, shims?: string): NodeJS.ProcessEnv {
  return {
    PATH: shims ? `${shims}:${process.env.PATH}` : process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@example.invalid',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@example.invalid',
  };
}

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: gitEnv(dir) });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `git commit` as a user runs it: hooks and all. */
function commit(dir: string, shims: string, ...args: string[]): Promise<CliResult> {
  return runProcess('git', ['commit', '-q', ...args], { cwd: dir, env: gitEnv(testdir(), shims) });
}

/** An init'd memu project (real generated password) in a fresh repository with one commit; .env ignored. */
async function project(): Promise<{ dir: string; secrets: string[] }> {
  const dir = testdir();
  await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'init', '--no-verify');
  const env = readEnv(dir);
  const secrets = ['OPENAI_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL'].map((k) => env[k] as string);
  return { dir, secrets };
}

function expectNoValue(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64').slice(2, -4)]) {
      expect(text.includes(form), 'a secret value (or an encoding of it) is in the output').toBe(false);
    }
  }
}

function lastCommit(dir: string): string {
  return git(dir, 'log', '-1', '--format=%s').trim();
}

describe.runIf(hasGit)('envkit guard (CLI)', () => {
  it('blocks staged leaks with file:line and key, exit 1, and no value in stdout, stderr or --json', async () => {
    const { dir, secrets } = await project();
    const [openai, password] = secrets as [string, string];
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/settings.py'), `# settings\nAPI_KEY = "${openai}"\n`);
    writeFileSync(join(dir, 'backup.env.txt'), readFileSync(join(dir, '.env')));
    writeFileSync(join(dir, '.env.production'), `POSTGRES_PASSWORD=${password}\n`);
    writeFileSync(join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0, 159, 146, 150, 10]), Buffer.from(Buffer.from(`xx${password}`).toString('base64'))]));
    git(dir, 'add', '-f', '--', 'src/settings.py', 'backup.env.txt', '.env.production', 'blob.bin');

    const result = await envkit(dir, ['guard', '--no-keyring'], { env: gitEnv(dir) });
    expect(result.code, result.all).toBe(1);
    expect(result.stdout).toMatch(/^error\s+src\/settings\.py:2 {2}the value of OPENAI_API_KEY is in src\/settings\.py$/m);
    expect(result.stdout).toMatch(/^error\s+\.env\.production {2}\.env\.production is a plaintext env file/m);
    expect(result.stdout).toMatch(/^error\s+backup\.env\.txt:\d+ {2}the value of POSTGRES_PASSWORD is in backup\.env\.txt$/m);
    expect(result.stdout).toMatch(/^error\s+blob\.bin:2 {2}the value, base64-encoded, of POSTGRES_PASSWORD is in blob\.bin$/m);
    expect(result.stdout).toMatch(/^blocked: \d+ errors, 0 warnings, 0 notes \(staged: 4 files, .*secrets searched: 3 from \.env\)$/m);
    expectNoValue(result.all, secrets);

    const json = await envkit(dir, ['--json', 'guard', '--no-keyring'], { env: gitEnv(dir) });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: { rule: string; file: string; line?: number; key?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'guard.secret-value', file: 'src/settings.py', line: 2, key: 'OPENAI_API_KEY' }));
    expectNoValue(json.all, secrets);

    git(dir, 'reset', '-q');
    const clean = await envkit(dir, ['guard', '--no-keyring'], { env: gitEnv(dir) });
    expect(clean.code, clean.all).toBe(0);
    expect(clean.stdout).toMatch(/^ok: 0 errors, 0 warnings, 0 notes \(staged: 0 files, 0 B; secrets searched: 3 from \.env\)$/m);
  });

  it('--range and --history scan commits; both at once is a usage error (exit 2); outside git exit 2 with a fix', async () => {
    const { dir, secrets } = await project();
    writeFileSync(join(dir, 'leak.txt'), `${secrets[1]}\n`);
    git(dir, 'add', 'leak.txt');
    git(dir, 'commit', '-qm', 'leak', '--no-verify');
    git(dir, 'rm', '-q', 'leak.txt');
    git(dir, 'commit', '-qm', 'unleak', '--no-verify');
    const range = await envkit(dir, ['guard', '--no-keyring', '--range', 'HEAD~2..HEAD'], { env: gitEnv(dir) });
    expect(range.code, range.all).toBe(1);
    expect(range.stdout).toMatch(/leak\.txt:1 {2}the value of POSTGRES_PASSWORD is in leak\.txt \(commit [0-9a-f]{12}\)/);
    expect(range.stdout).toMatch(/HEAD~2\.\.HEAD: 2 commits, 1 file version/);
    const history = await envkit(dir, ['guard', '--no-keyring', '--history'], { env: gitEnv(dir) });
    expect(history.code).toBe(1);
    expect(history.stdout).toMatch(/history: 3 commits/);
    expectNoValue(range.all + history.all, secrets);
    const both = await envkit(dir, ['guard', '--range', 'HEAD~1..HEAD', '--history'], { env: gitEnv(dir) });
    expect(both.code).toBe(2);
    const outside = testdir();
    const none = await envkit(outside, ['guard', '--no-keyring'], { env: gitEnv(outside) });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/not inside a git work tree[\s\S]*fix: .*git init/);
  });

  it('guard install: a real commit with a secret is blocked, --no-verify lets it through; installing again changes nothing', async () => {
    const { dir, secrets } = await project();
    const shims = shimDir();
    const install = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(install.code, install.all).toBe(0);
    expect(install.stdout).toMatch(/^ok: pre-commit hook installed: \.git\/hooks\/pre-commit$/m);
    const hook = join(dir, '.git/hooks/pre-commit');
    expect(statSync(hook).mode & 0o111).toBe(0o111);
    // The keyring stays out of every commit's path unless asked for.
    expect(readFileSync(hook, 'utf8')).toMatch(/^exec "\$envkit" guard --quiet --no-keyring$/m);
    const again = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(again.stdout).toMatch(/already installed.*nothing changed/);
    expect(existsSync(join(dir, '.git/hooks/pre-commit.envkit-chained'))).toBe(false);

    writeFileSync(join(dir, 'notes.md'), `db password: ${secrets[1]}\n`);
    git(dir, 'add', 'notes.md');
    const blocked = await commit(dir, shims, '-m', 'notes');
    expect(blocked.code, blocked.all).not.toBe(0);
    expect(blocked.all).toMatch(/notes\.md:1 {2}the value of POSTGRES_PASSWORD is in notes\.md/);
    expect(lastCommit(dir)).toBe('init');
    expectNoValue(blocked.all, secrets);

    // `git commit -a` stages into a temporary index (GIT_INDEX_FILE): the hook must read that one.
    git(dir, 'reset', '-q');
    rmSync(join(dir, 'notes.md'));
    writeFileSync(join(dir, 'README.md'), 'readme\n');
    git(dir, 'add', 'README.md');
    git(dir, 'commit', '-qm', 'readme', '--no-verify');
    writeFileSync(join(dir, 'README.md'), `readme\n${secrets[0]}\n`);
    const all = await commit(dir, shims, '-a', '-m', 'readme with key');
    expect(all.code, all.all).not.toBe(0);
    expect(all.all).toMatch(/README\.md:2 {2}the value of OPENAI_API_KEY/);

    const forced = await commit(dir, shims, '-a', '--no-verify', '-m', 'forced');
    expect(forced.code, forced.all).toBe(0);
    expect(lastCommit(dir)).toBe('forced');

    writeFileSync(join(dir, 'fine.txt'), 'nothing secret\n');
    git(dir, 'add', 'fine.txt');
    const fine = await commit(dir, shims, '-m', 'fine');
    expect(fine.code, fine.all).toBe(0);
    expect(fine.all).toBe('');
    expect(lastCommit(dir)).toBe('fine');
  });

  it('chains to an existing hook: it runs first, its failure (and exit status) stops the commit, and it is never overwritten', async () => {
    const { dir, secrets } = await project();
    const shims = shimDir();
    const hook = join(dir, '.git/hooks/pre-commit');
    const previous = '#!/bin/sh\necho ran >> "$(git rev-parse --git-dir)/previous-hook.log"\nexit "${PREVIOUS_EXIT:-0}"\n';
    writeFileSync(hook, previous, { mode: 0o755 });
    const install = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(install.code, install.all).toBe(0);
    expect(install.stdout).toMatch(/the hook that was there is kept as \.git\/hooks\/pre-commit\.envkit-chained and runs first/);
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.envkit-chained'), 'utf8')).toBe(previous);
    const again = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(again.stdout).toMatch(/already installed/);
    expect(readFileSync(join(dir, '.git/hooks/pre-commit.envkit-chained'), 'utf8')).toBe(previous);

    writeFileSync(join(dir, 'ok.txt'), 'fine\n');
    git(dir, 'add', 'ok.txt');
    expect((await commit(dir, shims, '-m', 'ok')).code).toBe(0);
    expect(readFileSync(join(dir, '.git/previous-hook.log'), 'utf8')).toBe('ran\n');

    // The previous hook's exit status is the hook's.
    const direct = await runProcess(hook, [], { cwd: dir, env: { ...gitEnv(dir, shims), PREVIOUS_EXIT: '7' } });
    expect(direct.code).toBe(7);

    writeFileSync(join(dir, 'leak.txt'), `${secrets[0]}\n`);
    git(dir, 'add', 'leak.txt');
    const leak = await commit(dir, shims, '-m', 'leak');
    expect(leak.code).not.toBe(0);
    expect(leak.all).toMatch(/leak\.txt:1/);
    expect(readFileSync(join(dir, '.git/previous-hook.log'), 'utf8')).toBe('ran\nran\nran\n');

    // A foreign hook beside a chained one: envkit touches neither.
    writeFileSync(hook, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const refused = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not envkit's[\s\S]*fix: merge the two by hand/);
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });

  it('installs into core.hooksPath (made if missing), and the commit there is guarded', async () => {
    const { dir, secrets } = await project();
    const shims = shimDir();
    git(dir, 'config', 'core.hooksPath', '.githooks');
    const dry = await envkit(dir, ['guard', 'install', '--dry-run'], { env: gitEnv(dir) });
    expect(dry.stdout).toMatch(/^ok: pre-commit hook would be installed: \.githooks\/pre-commit \(the directory of core\.hooksPath\)$/m);
    expect(dry.stdout).toMatch(/^Every commit then would run `envkit guard`/m);
    expect(existsSync(join(dir, '.githooks'))).toBe(false);
    const install = await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) });
    expect(install.code, install.all).toBe(0);
    expect(existsSync(join(dir, '.githooks/pre-commit'))).toBe(true);
    expect(existsSync(join(dir, '.git/hooks/pre-commit'))).toBe(false);
    writeFileSync(join(dir, 'age.txt'), `# created: 2026-01-01\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQY\n`);
    git(dir, 'add', 'age.txt');
    const blocked = await commit(dir, shims, '-m', 'identity');
    expect(blocked.code).not.toBe(0);
    expect(blocked.all).toMatch(/age\.txt:2 {2}an age secret key/);
    expect(blocked.all).not.toContain('AGE-SECRET-KEY-1QYQ');
    expectNoValue(blocked.all, secrets);
  });

  it("under husky's core.hooksPath (.husky/_) it says to use husky's own file instead", async () => {
    const { dir } = await project();
    git(dir, 'config', 'core.hooksPath', '.husky/_');
    const install = await envkit(dir, ['guard', 'install', '--dry-run'], { env: gitEnv(dir) });
    expect(install.code, install.all).toBe(0);
    expect(install.stdout).toMatch(/^note: husky rewrites this directory; add `envkit guard` to \.husky\/pre-commit instead/m);
  });

  it('a project in a subdirectory: the hook runs the guard there, with its env file', async () => {
    const top = testdir();
    git(top, 'init', '-q');
    const dir = join(top, 'deploy/my app');
    mkdirSync(dir, { recursive: true });
    await initProject(dir, ['--no-keyring', '--env-file', '.env.prod']);
    const password = readEnv(dir, '.env.prod').POSTGRES_PASSWORD as string;
    const shims = shimDir();
    const install = await envkit(top, ['-C', 'deploy/my app', '--env-file', '.env.prod', 'guard', 'install', '--no-keyring'], { env: gitEnv(top) });
    expect(install.code, install.all).toBe(0);
    expect(readFileSync(join(top, '.git/hooks/pre-commit'), 'utf8')).toContain("exec \"$envkit\" -C 'deploy/my app' --file .env.prod guard --quiet --no-keyring");
    writeFileSync(join(top, 'notes.txt'), `${password}\n`);
    git(top, 'add', 'notes.txt');
    const blocked = await commit(top, shims, '-m', 'notes');
    expect(blocked.code).not.toBe(0);
    expect(blocked.all).toMatch(/notes\.txt:1 {2}the value of POSTGRES_PASSWORD/);
    expect(blocked.all).toMatch(/secrets searched: 2 from \.env\.prod/);
    expectNoValue(blocked.all, [password]);
  });

  it('a hook that cannot find envkit fails the commit with a message instead of letting it pass', async () => {
    const { dir } = await project();
    expect((await envkit(dir, ['guard', 'install'], { env: gitEnv(dir) })).code).toBe(0);
    writeFileSync(join(dir, 'x.txt'), 'x\n');
    git(dir, 'add', 'x.txt');
    const result = await runProcess('git', ['commit', '-qm', 'x'], { cwd: dir, env: { ...gitEnv(testdir()), PATH: '/usr/bin:/bin' } });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/envkit is not installed here.*--no-verify/);
  });
});
