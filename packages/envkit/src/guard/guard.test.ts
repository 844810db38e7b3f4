import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memuSchema } from '../schema/memu.js';
import { MemoryStore } from '../keyring/memory-store.js';
import { buildPostgresUrl } from '../secrets/derive.js';
import { guardRepository, type GuardResult } from './guard.js';
import { envFileSource, keyringSource } from './sources.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { testdir } from '../../../../test/helpers/testdir.js';

// Every test runs the real git on a real repository: the guard reads the index and commits through it.

const haveGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');

// A password with characters a URL must encode, so the URL-encoded forms differ from the raw one.
const PASSWORD = 'Kq7!pW@z:3x/Lm+9 Rv';
const OPENAI = 'sk-proj-Gd83hFk29sLqPz0vXa';
const OPENROUTER = 'sk-or-v1-77ac1e9b0d4f3a62';
const URL = buildPostgresUrl({ user: 'memu', password: PASSWORD, database: 'memu_db' });
const AGE_KEY = 'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQY';
const ENV = [
  `OPENAI_API_KEY=${OPENAI}`,
  `OPENROUTER_API_KEY=${OPENROUTER}`,
  'POSTGRES_DB=memu_db',
  'POSTGRES_USER=memu',
  `POSTGRES_PASSWORD='${PASSWORD}'`,
  `MEMU_DB_URL='${URL}'`,
  '',
].join('\n');

const saved: Record<string, string | undefined> = {};
const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'envkit test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'envkit test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};
beforeAll(() => {
  // The guard's git inherits the environment (a hook's GIT_INDEX_FILE must reach it): no user config here.
  for (const [k, v] of Object.entries(GIT_ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function write(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** A repository with the project's .env (ignored, never committed) and a first commit of `committed`. */
function repo(committed: Record<string, string | Buffer> = { 'README.md': 'memu\n' }, env = ENV): string {
  const dir = testdir({ '.gitignore': '.env\n', '.env': [env, 0o600] });
  git(dir, 'init', '-q');
  write(dir, committed);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'first', '--no-verify');
  return dir;
}

function stage(dir: string, files: Record<string, string | Buffer>): void {
  write(dir, files);
  git(dir, 'add', '-f', '--', ...Object.keys(files));
}

async function guard(dir: string, scope?: Parameters<typeof guardRepository>[0]['scope']): Promise<GuardResult> {
  return guardRepository({ cwd: dir, schema: memuSchema, sources: [envFileSource({ cwd: dir, schema: memuSchema })], ...(scope ? { scope } : {}) });
}

/** What each finding says, as `rule file:line KEY`. */
function summary(result: GuardResult): string[] {
  return result.findings.map((f) => `${f.rule} ${f.file}${f.line ? `:${f.line}` : ''}${f.key ? ` ${f.key}` : ''}`);
}

function noValueIn(result: GuardResult): void {
  const text = JSON.stringify(result);
  for (const secret of [PASSWORD, OPENAI, OPENROUTER, URL, AGE_KEY, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64')]) {
    expect(text.includes(secret), 'a secret value is in the result').toBe(false);
  }
}

/** base64 of `prefix + value + suffix`: the value at each of the three alignments inside a longer blob. */
function base64Around(value: string, prefix: string): string {
  return Buffer.from(`${prefix}${value}-and some more bytes after it`).toString('base64');
}

describe.runIf(haveGit)('envkit guard on real repositories', () => {
  it('passes a clean commit and names its sources and what it searched', async () => {
    const dir = repo();
    stage(dir, { 'src/app.py': 'import os\nurl = os.environ["MEMU_DB_URL"]\n', 'docker-compose.yml': 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n' });
    const result = await guard(dir);
    expect(summary(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.files).toBe(2);
    expect(result.sources).toEqual([{ name: '.env', keys: ['OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL'] }]);
  });

  // Every kind of leak, as a new file, a modified one and one renamed into place (with the leak in it).
  const KINDS: { kind: string; path: string; leak: string | Buffer; clean: string; expected: string }[] = [
    { kind: 'env file', path: 'config/.env.prod', leak: 'A=1\n', clean: 'A=0\n', expected: 'guard.env-file config/.env.prod' },
    { kind: 'age key', path: 'id.txt', leak: `x\n${AGE_KEY}\n`, clean: 'x\n', expected: 'guard.age-key id.txt:2' },
    { kind: 'raw value', path: 'a.py', leak: `x = "${OPENAI}"\n`, clean: 'x = None\n', expected: 'guard.secret-value a.py:1 OPENAI_API_KEY' },
    { kind: 'URL-encoded value', path: 'b.sh', leak: `psql postgres://u:${encodeURIComponent(PASSWORD)}@h/d\n`, clean: 'psql\n', expected: 'guard.secret-value b.sh:1 POSTGRES_PASSWORD' },
    { kind: 'base64 value', path: 'c.txt', leak: `\n${base64Around(PASSWORD, 'k')}\n`, clean: '\n', expected: 'guard.secret-value c.txt:2 POSTGRES_PASSWORD' },
    { kind: 'binary file', path: 'd.bin', leak: Buffer.concat([Buffer.from([0, 255, 0]), Buffer.from(OPENROUTER), Buffer.from([0])]), clean: '\0\0', expected: 'guard.secret-value d.bin:1 OPENROUTER_API_KEY' },
    { kind: 'example value', path: '.env.example', leak: 'OPENROUTER_API_KEY=sk-or-v1-realvalue12345678\n', clean: 'OPENROUTER_API_KEY=\n', expected: 'guard.example-value .env.example:1 OPENROUTER_API_KEY' },
    { kind: 'compose literal', path: 'compose.yaml', leak: 'services:\n  db:\n    environment:\n      DB_PASSWORD: literal-pw-1234\n', clean: 'services:\n  db:\n    image: postgres\n', expected: 'compose.literal-secret compose.yaml:4 DB_PASSWORD' },
  ];
  for (const { kind, path, leak, clean, expected } of KINDS) {
    it(`${kind}: blocked as a new, a modified and a renamed file`, async () => {
      const created = repo();
      stage(created, { [path]: leak });
      expect(summary(await guard(created)), 'new').toEqual([expected]);

      const modified = repo({ [path]: clean });
      stage(modified, { [path]: leak });
      expect(summary(await guard(modified)), 'modified').toEqual([expected]);

      const renamed = repo({ 'elsewhere/moved': leak });
      mkdirSync(dirname(join(renamed, path)), { recursive: true });
      git(renamed, 'mv', 'elsewhere/moved', path);
      expect(summary(await guard(renamed)), 'renamed').toEqual([expected]);
    });
  }

  it('blocks a plaintext env file of any environment, new, modified or renamed; lets the example, .age and recipients files pass', async () => {
    const dir = repo({ 'notes.txt': 'FOO=bar\n', 'deploy/.env.production': 'FOO=1\n' });
    stage(dir, {
      '.env.staging': `POSTGRES_PASSWORD='${PASSWORD}'\n`,
      'deploy/.env.production': 'FOO=2\n',
      '.env.example': 'POSTGRES_PASSWORD=\n',
      'deploy/.env.staging.example': 'POSTGRES_PASSWORD=\n',
      '.env.production.age': 'age-encryption.org/v1\n',
      '.env.production.recipients': 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n',
      '.env.envkit-pending': 'POSTGRES_PASSWORD=x\n',
    });
    renameSync(join(dir, 'notes.txt'), join(dir, '.env.local'));
    git(dir, 'add', '-A');
    const result = await guard(dir);
    expect(summary(result)).toEqual([
      'guard.env-file .env.envkit-pending',
      'guard.env-file .env.local',
      'guard.env-file .env.staging',
      'guard.env-file deploy/.env.production',
    ]);
    const staging = result.findings.find((f) => f.file === '.env.staging');
    expect(staging?.message).toContain('holds the current value of POSTGRES_PASSWORD');
    expect(staging?.fix).toContain('git rm --cached -- .env.staging');
    noValueIn(result);
  });

  it('finds a secret raw, URL-encoded (both forms and lower-case hex) and in base64 at every alignment, in new, modified and renamed files', async () => {
    const dir = repo({ 'old.txt': 'nothing\n', 'config.ini': '[db]\n' });
    renameSync(join(dir, 'old.txt'), join(dir, 'moved.txt'));
    writeFileSync(join(dir, 'moved.txt'), `nothing\ntoken = ${OPENAI}\n`);
    const lower = encodeURIComponent(PASSWORD).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    stage(dir, {
      'config.ini': `[db]\nurl = postgresql://other:${encodeURIComponent(PASSWORD)}@host/db\n`,
      'dsn.txt': `a\nb\n${URL}\n`,
      'lower.txt': `x=${lower}\n`,
      'b64-0.txt': `${base64Around(OPENROUTER, '')}\n`,
      'b64-1.txt': `\n${base64Around(OPENROUTER, 'a')}\n`,
      'b64-2.txt': `\n\n${base64Around(OPENROUTER, 'ab')}\n`,
      'b64url.txt': Buffer.from(`??>${PASSWORD}`).toString('base64url'),
    });
    git(dir, 'add', '-A');
    const result = await guard(dir);
    expect(summary(result)).toEqual([
      'guard.secret-value b64-0.txt:1 OPENROUTER_API_KEY',
      'guard.secret-value b64-1.txt:2 OPENROUTER_API_KEY',
      'guard.secret-value b64-2.txt:3 OPENROUTER_API_KEY',
      'guard.secret-value b64url.txt:1 POSTGRES_PASSWORD',
      'guard.secret-value config.ini:2 POSTGRES_PASSWORD',
      // The URL holds the password too, URL-encoded.
      'guard.secret-value dsn.txt:3 MEMU_DB_URL',
      'guard.secret-value dsn.txt:3 POSTGRES_PASSWORD',
      'guard.secret-value lower.txt:1 POSTGRES_PASSWORD',
      'guard.secret-value moved.txt:2 OPENAI_API_KEY',
    ]);
    const config = result.findings.find((f) => f.file === 'config.ini');
    expect(config?.message).toBe('the value, URL-encoded, of POSTGRES_PASSWORD is in config.ini');
    // The rotation the fix asks for, as data (the CLI words it: `envkit rotate POSTGRES_PASSWORD`, `… OPENAI_API_KEY --stdin`).
    expect(config?.hint).toMatchObject({ code: 'guard-secret-value', rotate: { key: 'POSTGRES_PASSWORD', given: false } });
    expect(result.findings.find((f) => f.file === 'moved.txt')?.hint).toMatchObject({ rotate: { key: 'OPENAI_API_KEY', given: true } });
    noValueIn(result);
  });

  it('searches binary files: a value and an age key inside bytes with NULs are found, at their line', async () => {
    const dir = repo();
    const blob = Buffer.concat([Buffer.from([0, 1, 2, 255, 10, 0]), Buffer.from(PASSWORD), Buffer.from([0, 10, 10, 7]), Buffer.from(AGE_KEY), Buffer.from([0, 0])]);
    stage(dir, { 'assets/dump.bin': blob });
    const result = await guard(dir);
    expect(summary(result)).toEqual(['guard.secret-value assets/dump.bin:2 POSTGRES_PASSWORD', 'guard.age-key assets/dump.bin:4']);
    noValueIn(result);
  });

  it('blocks an age secret key in a new, a modified and a renamed file; not the docs that mention its prefix', async () => {
    const dir = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    renameSync(join(dir, 'b.txt'), join(dir, 'identity.txt'));
    writeFileSync(join(dir, 'identity.txt'), `b\n# created: 2026-01-01\n${AGE_KEY}\n`);
    stage(dir, {
      'a.txt': `a\n${AGE_KEY.toLowerCase()}\n${AGE_KEY}\n`,
      'key.txt': `${AGE_KEY}\n`,
      'pq.txt': `${AGE_KEY.replace('KEY-1', 'KEY-PQ-1')}\n`,
      'docs/age.md': 'Identities start with AGE-SECRET-KEY-1… (keep them out of git): AGE-SECRET-KEY-1QYQSZQGPQYQSZ is cut short.\n',
    });
    git(dir, 'add', '-A');
    const result = await guard(dir);
    expect(summary(result)).toEqual(['guard.age-key a.txt:3', 'guard.age-key identity.txt:3', 'guard.age-key key.txt:1', 'guard.age-key pq.txt:1']);
    noValueIn(result);
  });

  it('blocks a real secret in .env.example, not an empty one, a placeholder or a short word', async () => {
    const dir = repo({ '.env.example': 'OPENAI_API_KEY=\nPOSTGRES_PASSWORD=\n' });
    stage(dir, {
      '.env.example': [
        'OPENAI_API_KEY=your-openai-key-here',
        'OPENAI_API_KEY=none',
        'OPENROUTER_API_KEY=sk-or-v1-0000realbutnotcurrent',
        `POSTGRES_PASSWORD=${PASSWORD.replace(/ /g, '')}x`,
        `MEMU_DB_URL=${URL}`,
        'POSTGRES_USER=memu',
        '',
      ].join('\n'),
      'deploy/.env.staging.example': 'OPENAI_API_KEY=\nOPENROUTER_API_KEY=sk-or-v1-stagingkey0987654321\n',
    });
    const result = await guard(dir);
    expect(summary(result)).toEqual([
      'guard.example-value .env.example:3 OPENROUTER_API_KEY',
      'guard.example-value .env.example:4 POSTGRES_PASSWORD',
      // The current URL: reported once, as the current value it is (it holds the password too).
      'guard.secret-value .env.example:5 MEMU_DB_URL',
      'guard.secret-value .env.example:5 POSTGRES_PASSWORD',
      'guard.example-value deploy/.env.staging.example:2 OPENROUTER_API_KEY',
    ]);
    noValueIn(result);
  });

  it("blocks a literal secret in a compose file with check's rule, not a ${VAR} reference", async () => {
    const dir = repo({ 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n' });
    stage(dir, {
      'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: hunter2-literal-pw\n      POSTGRES_USER: ${POSTGRES_USER}\n',
      'deploy/docker-compose.prod.yml': `services:\n  memu:\n    environment:\n      OPENAI_API_KEY: \${OPENAI_API_KEY}\n      OTHER_TOKEN: "${OPENAI}"\n`,
    });
    const result = await guard(dir);
    expect(summary(result)).toEqual([
      'compose.literal-secret compose.yaml:5 POSTGRES_PASSWORD',
      'guard.secret-value deploy/docker-compose.prod.yml:5 OPENAI_API_KEY',
    ]);
    noValueIn(result);
  });

  it('a secret split across lines is not a finding, nor a value shorter than 8 characters (named as not searched)', async () => {
    const short = 'sk-7chr';
    const dir = repo(undefined, ENV.replace(`OPENAI_API_KEY=${OPENAI}`, `OPENAI_API_KEY=${short}`));
    const half = Math.floor(OPENROUTER.length / 2);
    stage(dir, {
      'split.txt': `${OPENROUTER.slice(0, half)}\n${OPENROUTER.slice(half)}\n`,
      'split-crlf.txt': `${OPENROUTER.slice(0, half)}\\\r\n${OPENROUTER.slice(half)}\r\n`,
      'short.txt': `key=${short}\n${short}${short}\n`,
    });
    const result = await guard(dir);
    expect(summary(result)).toEqual([]);
    expect(result.shortKeys).toEqual(['OPENAI_API_KEY']);
  });

  it('searches the keyring copies too: a value only the keyring holds is found', async () => {
    const dir = repo();
    const store = new MemoryStore();
    const oldKey = 'sk-proj-OnlyInTheKeyring1234';
    await store.set('memu-test', 'OPENAI_API_KEY', oldKey);
    stage(dir, { 'notes.md': `the key was ${oldKey}\n` });
    const result = await guardRepository({
      cwd: dir,
      schema: memuSchema,
      sources: [envFileSource({ cwd: dir, schema: memuSchema }), keyringSource({ store, projectId: 'memu-test', schema: memuSchema })],
    });
    expect(summary(result)).toEqual(['guard.secret-value notes.md:1 OPENAI_API_KEY']);
    expect(result.sources.map((s) => s.name)).toEqual(['.env', 'keyring envkit:memu-test']);
    expect(JSON.stringify(result)).not.toContain(oldKey);
  });

  it('scans the staged content, not the working tree', async () => {
    const dir = repo();
    stage(dir, { 'app.txt': 'clean\n' });
    writeFileSync(join(dir, 'app.txt'), `dirty ${OPENAI}\n`);
    expect(summary(await guard(dir))).toEqual([]);
    git(dir, 'add', 'app.txt');
    writeFileSync(join(dir, 'app.txt'), 'clean again\n');
    expect(summary(await guard(dir))).toEqual(['guard.secret-value app.txt:1 OPENAI_API_KEY']);
  });

  it('works before the first commit', async () => {
    const dir = testdir({ '.env': [ENV, 0o600] });
    git(dir, 'init', '-q');
    stage(dir, { 'a.txt': `${OPENAI}\n`, '.env': ENV });
    expect(summary(await guard(dir))).toEqual(['guard.env-file .env', 'guard.secret-value a.txt:1 OPENAI_API_KEY']);
  });

  it('--range and --history find a secret that a later commit removed, naming the commit that brought it', async () => {
    const dir = repo();
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    stage(dir, { 'leak.txt': `${OPENAI}\n` });
    git(dir, 'commit', '-qm', 'leak');
    const leak = git(dir, 'rev-parse', 'HEAD').trim();
    // Later versions of the file keep the leak (on another line): still one finding, for the first commit.
    stage(dir, { 'leak.txt': `more\n${OPENAI}\n` });
    git(dir, 'commit', '-qm', 'more');
    git(dir, 'rm', '-q', 'leak.txt');
    git(dir, 'commit', '-qm', 'remove');
    git(dir, 'checkout', '-qb', 'side', base);
    stage(dir, { 'side/.env.side': 'X=1\n' });
    git(dir, 'commit', '-qm', 'side branch');

    expect(summary(await guard(dir))).toEqual([]);
    const range = await guard(dir, { kind: 'range', range: `${base}..master` });
    expect(summary(range)).toEqual(['guard.secret-value leak.txt:1 OPENAI_API_KEY']);
    expect(range.commits).toBe(3);
    expect(range.findings[0]?.message).toContain(`(commit ${leak.slice(0, 12)})`);
    expect(range.findings[0]?.fix).toContain('once pushed, rotate it');
    const history = await guard(dir, { kind: 'history' });
    expect(summary(history)).toEqual(['guard.secret-value leak.txt:1 OPENAI_API_KEY', 'guard.env-file side/.env.side']);
    expect(history.commits).toBe(5);
    noValueIn(history);
  });

  it('refuses a bad range and a directory outside git, with a fix', async () => {
    const dir = repo();
    await expect(guard(dir, { kind: 'range', range: '--output=/tmp/x' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(guard(dir, { kind: 'range', range: 'nosuch..HEAD' })).rejects.toMatchObject({ code: 'TOOL', hint: expect.stringContaining('origin/main..HEAD') });
    const outside = testdir({ '.env': ENV });
    await expect(guard(outside)).rejects.toMatchObject({ code: 'USAGE', hint: expect.stringContaining('git init') });
  });
});
