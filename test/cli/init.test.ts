import { describe, it, expect } from 'vitest';
import { copyFileSync, writeFileSync, chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { requireTool } from '../helpers/require.js';
import { join } from 'node:path';
import { testdir } from '../helpers/testdir.js';
import { envkit, ENVKIT_BIN, initProject, read, readEnv, modeOf, ls, summary, sh, MEMU_KEYS, OPENAI_KEY, OPENROUTER_KEY } from './support.js';

/** The secrets of a project: the output of any command must contain none of them. */
function secretsOf(dir: string): string[] {
  const env = readEnv(dir);
  return [env.POSTGRES_PASSWORD, env.MEMU_DB_URL, env.OPENAI_API_KEY, env.OPENROUTER_API_KEY].filter((v): v is string => !!v);
}

describe('envkit init', () => {
  it('creates .env (0600), .env.example and .gitignore in a fresh directory and says what it did per key, never a value', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['init', '--no-input']);
    expect(result.code).toBe(0);
    expect(ls(dir)).toEqual(['.env', '.env.example', '.gitignore']);
    expect(modeOf(dir, '.env')).toBe(0o600);

    const env = readEnv(dir);
    expect(Object.keys(env)).toEqual([...MEMU_KEYS]);
    expect(env.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(env.MEMU_DB_URL).toBe(`postgresql+psycopg://memu_production_user:${env.POSTGRES_PASSWORD}@db:5432/memu_db`);
    expect(env.POSTGRES_DB).toBe('memu_db');
    expect(env.OPENAI_API_KEY).toBe('');

    expect(summary(result.stdout)).toMatchObject({
      OPENAI_API_KEY: 'missing',
      OPENROUTER_API_KEY: 'missing',
      OPENROUTER_BASE_URL: 'default',
      OLLAMA_API_BASE_URL: 'default',
      POSTGRES_DB: 'default',
      POSTGRES_USER: 'default',
      POSTGRES_PASSWORD: 'generated',
      MEMU_DB_URL: 'derived',
      MEMU_MEMORY_LIMIT: 'default',
      DB_MEMORY_LIMIT: 'default',
    });
    expect(result.stdout).toMatch(/\.env +created/);
    expect(result.stdout).toMatch(/\.env\.example +created/);
    expect(result.stdout).toMatch(/Next: envkit check/);
    expect(result.stdout).toMatch(/Still empty: OPENAI_API_KEY, OPENROUTER_API_KEY/);
    for (const secret of secretsOf(dir)) expect(result.all).not.toContain(secret);
    // Not even a fragment of the generated password.
    expect(result.all).not.toContain(env.POSTGRES_PASSWORD!.slice(0, 12));

    expect(read(dir, '.gitignore').split('\n')).toContain('.env');
    const example = readEnv(dir, '.env.example');
    expect(example.POSTGRES_PASSWORD).toBe('');
    expect(example.POSTGRES_DB).toBe('memu_db');
  });

  it('writes .env 0600 even when the umask is 000', async () => {
    const dir = testdir();
    const result = await sh(dir, 'umask 000; touch probe; exec "$ENVKIT_NODE" "$ENVKIT_BIN" init --no-input');
    expect(result.code, result.all).toBe(0);
    // The umask really was 000 in the child: a plain file comes out 0666.
    expect(modeOf(dir, 'probe')).toBe(0o666);
    expect(modeOf(dir, '.env')).toBe(0o600);
    expect(modeOf(dir, '.env.example')).toBe(0o644);
  });

  it('changes nothing on a second run: byte-identical files, every key kept', async () => {
    const dir = testdir();
    await initProject(dir);
    const before = ['.env', '.env.example', '.gitignore'].map((f) => read(dir, f));
    const second = await envkit(dir, ['init', '--no-input']);
    expect(second.code).toBe(0);
    expect(['.env', '.env.example', '.gitignore'].map((f) => read(dir, f))).toEqual(before);
    const actions = summary(second.stdout);
    expect(Object.keys(actions)).toEqual([...MEMU_KEYS]);
    for (const key of MEMU_KEYS) {
      expect(actions[key], key).toBe(key.endsWith('_API_KEY') ? 'missing' : 'kept');
    }
    expect(second.stdout).toMatch(/\.env +unchanged/);
    expect(second.stdout).toMatch(/\.env\.example +unchanged/);
    expect(second.stdout).toMatch(/\.gitignore +unchanged/);
  });

  it('keeps an existing secret: --set for a present key is not used, and says so', async () => {
    const dir = testdir();
    await initProject(dir);
    const before = read(dir);
    const result = await envkit(dir, ['init', '--no-input', '--set', `POSTGRES_PASSWORD=${'Z'.repeat(40)}`]);
    expect(result.code).toBe(0);
    expect(read(dir)).toBe(before);
    expect(summary(result.stdout).POSTGRES_PASSWORD).toBe('kept');
    expect(result.stdout).toMatch(/POSTGRES_PASSWORD +kept .*the given value was not used/);
    expect(result.all).not.toContain('Z'.repeat(40));
  });

  it('--set KEY=VALUE supplies a value (given) and validates it', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['init', '--no-input', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', 'POSTGRES_USER=alice']);
    expect(result.code).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ OPENAI_API_KEY: 'given', POSTGRES_USER: 'given', OPENROUTER_API_KEY: 'missing' });
    const env = readEnv(dir);
    expect(env.OPENAI_API_KEY).toBe(OPENAI_KEY);
    expect(env.MEMU_DB_URL).toContain('://alice:');
    expect(result.all).not.toContain(OPENAI_KEY);
  });

  it('--set with an invalid value exits 1 naming the key and writes nothing', async () => {
    const dir = testdir();
    const bad = 'sk-or-v1-thisIsAnOpenRouterKeyInTheWrongPlace';
    const result = await envkit(dir, ['init', '--no-input', '--set', `OPENAI_API_KEY=${bad}`, '--set', 'MEMU_MEMORY_LIMIT=lots']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/2 invalid values: OPENAI_API_KEY, MEMU_MEMORY_LIMIT/);
    expect(result.stderr).toMatch(/OPENAI_API_KEY: is an OpenRouter key/);
    expect(result.stderr).toMatch(/MEMU_MEMORY_LIMIT: must be a compose memory size/);
    expect(result.stderr).toMatch(/nothing was written/);
    expect(result.all).not.toContain(bad);
    expect(result.all).not.toContain('lots');
    expect(ls(dir)).toEqual([]);
  });

  it('names each bad key once even when it breaks several rules', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['init', '--no-input', '--set', 'OPENAI_API_KEY=bad']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^envkit: 1 invalid value: OPENAI_API_KEY$/m);
  });

  it('--set with an unknown or derived key exits 1; a malformed --set is a usage error (2)', async () => {
    const dir = testdir();
    const unknown = await envkit(dir, ['init', '--no-input', '--set', 'NOT_A_KEY=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/NOT_A_KEY is not a variable of the memu schema/);
    expect(unknown.stderr).not.toMatch(/NOT_A_KEY: NOT_A_KEY/);
    const derived = await envkit(dir, ['init', '--no-input', '--set', 'MEMU_DB_URL=postgresql+psycopg://a:b@db:5432/c']);
    expect(derived.code).toBe(1);
    expect(derived.stderr).toMatch(/MEMU_DB_URL is derived from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB/);
    const malformed = await envkit(dir, ['init', '--no-input', '--set', 'OPENAI_API_KEY']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--set expects KEY=VALUE/);
    expect(ls(dir)).toEqual([]);
  });

  it('--from-env takes values from the environment, recomputes a derived one found there', async () => {
    const dir = testdir();
    const stale = 'postgresql+psycopg://old_user:OldPasswordOldPasswordOldPassword12@db:5432/old_db';
    const result = await envkit(dir, ['init', '--no-input', '--from-env'], {
      env: { OPENROUTER_API_KEY: OPENROUTER_KEY, POSTGRES_USER: 'bob', MEMU_DB_URL: stale, OPENAI_API_KEY: '' },
    });
    expect(result.code, result.all).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ OPENROUTER_API_KEY: 'given', POSTGRES_USER: 'given', OPENAI_API_KEY: 'missing', MEMU_DB_URL: 'derived' });
    const env = readEnv(dir);
    expect(env.OPENROUTER_API_KEY).toBe(OPENROUTER_KEY);
    expect(env.MEMU_DB_URL).toBe(`postgresql+psycopg://bob:${env.POSTGRES_PASSWORD}@db:5432/memu_db`);
    expect(result.all).not.toContain(OPENROUTER_KEY);
    expect(result.all).not.toContain('OldPassword');
  });

  it('without --from-env ignores the environment', async () => {
    const dir = testdir();
    await initProject(dir, [], { OPENROUTER_API_KEY: OPENROUTER_KEY });
    expect(readEnv(dir).OPENROUTER_API_KEY).toBe('');
  });

  it('completes a copied .env.example: fills the gaps, fixes the mode, leaves every other line alone', async () => {
    const dir = testdir();
    await initProject(dir);
    const project = testdir();
    copyFileSync(join(dir, '.env.example'), join(project, '.env.example'));
    copyFileSync(join(dir, '.env.example'), join(project, '.env'));
    chmodSync(join(project, '.env'), 0o644);
    const result = await envkit(project, ['init', '--no-input']);
    expect(result.code, result.all).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ POSTGRES_PASSWORD: 'generated', MEMU_DB_URL: 'derived', POSTGRES_DB: 'kept' });
    expect(result.stdout).toMatch(/\.env +updated \(mode 0644 → 0600\)/);
    expect(modeOf(project, '.env')).toBe(0o600);
    const before = read(project, '.env.example').split('\n');
    const after = read(project).split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed.map((l) => l.split('=')[0])).toEqual(['POSTGRES_PASSWORD', 'MEMU_DB_URL']);
    const env = readEnv(project);
    expect(env.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(env.MEMU_DB_URL).toContain(env.POSTGRES_PASSWORD);
  });

  it('keeps comments, unknown keys and odd formatting of an existing .env byte for byte', async () => {
    const original = [
      '# my deployment notes',
      'export POSTGRES_USER=alice   # the role',
      "CUSTOM_THING='keep me'",
      '',
      'POSTGRES_PASSWORD=',
      `OPENAI_API_KEY="${OPENAI_KEY}"`,
      '# trailing comment, no newline at the end',
    ].join('\n');
    const dir = testdir({ '.env': [original, 0o600] });
    const result = await envkit(dir, ['init', '--no-input']);
    expect(result.code, result.all).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ POSTGRES_USER: 'kept', OPENAI_API_KEY: 'kept', POSTGRES_PASSWORD: 'generated', MEMU_DB_URL: 'derived' });
    const text = read(dir);
    const env = readEnv(dir);
    // The only change to the original lines is the filled password; the rest is appended after them.
    const expected = original.replace('POSTGRES_PASSWORD=\n', `POSTGRES_PASSWORD=${env.POSTGRES_PASSWORD}\n`);
    expect(text.startsWith(expected)).toBe(true);
    expect(env.CUSTOM_THING).toBe('keep me');
    expect(env.MEMU_DB_URL).toBe(`postgresql+psycopg://alice:${env.POSTGRES_PASSWORD}@db:5432/memu_db`);
    expect(Object.keys(env).sort()).toEqual([...MEMU_KEYS, 'CUSTOM_THING'].sort());
    // Appended keys follow the schema's order.
    const appended = Object.keys(env).filter((k) => !['POSTGRES_USER', 'CUSTOM_THING', 'POSTGRES_PASSWORD', 'OPENAI_API_KEY'].includes(k));
    expect(appended).toEqual(MEMU_KEYS.filter((k) => appended.includes(k)));
    expect(result.all).not.toContain(OPENAI_KEY);
  });

  it('refuses to generate a new database password when MEMU_DB_URL shows an old one existed; refuses during a pending rotation', async () => {
    const dir = testdir();
    expect((await envkit(dir, ['init', '--no-input', '--no-keyring'])).code).toBe(0);
    const lost = read(dir).replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=');
    writeFileSync(join(dir, '.env'), lost);
    const result = await envkit(dir, ['init', '--no-input', '--no-keyring']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/POSTGRES_PASSWORD is empty but MEMU_DB_URL was derived from an earlier value/);
    expect(result.stderr).toMatch(/envkit restore/);
    expect(read(dir)).toBe(lost);
    writeFileSync(join(dir, '.env.envkit-pending'), '{}', { mode: 0o600 });
    const pending = await envkit(dir, ['init', '--no-input', '--no-keyring', '--set', 'POSTGRES_PASSWORD=abcdefghijklmnopqrstuvwxyz0123456789']);
    expect(pending.code).toBe(1);
    expect(pending.stderr).toMatch(/rotation .* is pending/);
    expect(read(dir)).toBe(lost);
  });

  it('--dry-run writes nothing, in a fresh directory and in an existing project', async () => {
    const fresh = testdir();
    const dry = await envkit(fresh, ['init', '--no-input', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run, nothing written/);
    expect(summary(dry.stdout)).toMatchObject({ POSTGRES_PASSWORD: 'would be generated', MEMU_DB_URL: 'would be derived' });
    expect(dry.stdout).toMatch(/\.env +would be created/);
    expect(dry.stdout).toMatch(/Nothing was written \(dry run\)/);
    expect(ls(fresh)).toEqual([]);

    const dir = testdir();
    await initProject(dir);
    const envBefore = read(dir);
    const exampleBefore = read(dir, '.env.example');
    writeFileSync(join(dir, '.env.example'), '# stale\n');
    const existing = await envkit(dir, ['init', '--no-input', '--dry-run', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    expect(existing.code).toBe(0);
    expect(summary(existing.stdout).OPENAI_API_KEY).toBe('would be set');
    expect(existing.stdout).toMatch(/\.env +would be updated/);
    expect(existing.stdout).toMatch(/\.env\.example +would be updated/);
    expect(read(dir)).toBe(envBefore);
    expect(read(dir, '.env.example')).toBe('# stale\n');
    expect(exampleBefore).not.toBe('# stale\n');
    expect(ls(dir)).toEqual(['.env', '.env.example', '.gitignore']);
  });

  it('refuses a .env with a syntax error: exit 1, file:line:column, nothing touched', async () => {
    const broken = 'POSTGRES_USER=alice\nPOSTGRES_PASSWORD="never closed\nPOSTGRES_DB=memu_db\n';
    const dir = testdir({ '.env': [broken, 0o644] });
    const result = await envkit(dir, ['init', '--no-input']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\.env:2:\d+/);
    expect(result.stderr).toMatch(/never closed|not closed/);
    expect(read(dir)).toBe(broken);
    expect(modeOf(dir, '.env')).toBe(0o644);
    expect(ls(dir)).toEqual(['.env']);
  });

  it('--json reports keys and files without values', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['--json', 'init', '--no-input', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; keys: { key: string; action: string }[]; files: { path: string; action: string }[] };
    expect(report.ok).toBe(true);
    expect(report.keys.map((k) => [k.key, k.action])).toContainEqual(['POSTGRES_PASSWORD', 'generated']);
    expect(report.keys.map((k) => [k.key, k.action])).toContainEqual(['OPENAI_API_KEY', 'given']);
    expect(report.files.map((f) => f.action)).toEqual(['created', 'created', 'created']);
    for (const secret of secretsOf(dir)) expect(result.all).not.toContain(secret);
  });

  it('--quiet prints nothing on success', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['--quiet', 'init', '--no-input']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    // Warnings may remain (e.g. about the OS keyring); the summary and the next step do not.
    expect(result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('warning'))).toEqual([]);
    expect(ls(dir)).toEqual(['.env', '.env.example', '.gitignore']);
  });

  it('never waits for input without a terminal, even with stdin left open', async () => {
    const dir = testdir();
    // The helper closes stdin; a pipe that stays open and never delivers is the harder case.
    const child = spawn(process.execPath, [ENVKIT_BIN, 'init'], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    child.stdin.destroy();
    expect(code).toBe(0);
    expect(summary(stdout).OPENAI_API_KEY).toBe('missing');
  });
});

describe('envkit init checks every file before it writes the first', () => {
  const chattr = spawnSync('chattr', ['--help']).error === undefined;

  for (const target of ['.gitignore', '.env.example']) {
    it(`a symlink, a directory or a FIFO at ${target}: exit 3 and nothing written (no .env with a new password)`, async () => {
      for (const make of [
        (path: string) => symlinkSync('/etc/hostname', path),
        (path: string) => mkdirSync(path),
        (path: string) => spawnSync('mkfifo', [path]),
      ]) {
        const dir = testdir();
        make(join(dir, target));
        const result = await envkit(dir, ['init', '--no-input', '--no-keyring']);
        expect(result.code, result.all).toBe(3);
        expect(result.stderr).toContain(target);
        expect(ls(dir)).toEqual([target]);
      }
    });
  }

  it('a symlink at .gitignore in an existing project: .env is not touched', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring']);
    const before = read(dir);
    rmSync(join(dir, '.gitignore'));
    rmSync(join(dir, '.env.example'));
    symlinkSync('/etc/hostname', join(dir, '.gitignore'));
    const result = await envkit(dir, ['init', '--no-input', '--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    expect(result.code).toBe(3);
    expect(read(dir)).toBe(before);
    expect(ls(dir)).toEqual(['.env', '.gitignore']);
  });

  it.runIf(requireTool('chattr (e2fsprogs)', chattr, 'apt-get install -y e2fsprogs'))(
    'a directory that takes no new file: init, set and their dry runs all exit 3 before writing, saying so',
    async () => {
      const dir = testdir();
      await initProject(dir, ['--no-keyring']);
      rmSync(join(dir, '.env.example'));
      // Immutable: even root cannot create a file there (and access(W_OK) says so).
      expect(spawnSync('chattr', ['+i', dir]).status).toBe(0);
      try {
        for (const args of [
          ['init', '--no-input', '--no-keyring'],
          ['init', '--no-input', '--no-keyring', '--dry-run'],
          ['set', '--no-keyring', 'POSTGRES_DB=other_db', '--dry-run'],
        ]) {
          const result = await envkit(dir, args);
          expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(3);
          // The real run stops at its lock file, a dry run (no lock) at the check: the same code either way.
          expect(result.stderr).toMatch(/is not writable; nothing was written|cannot create the lock file/);
        }
        expect(ls(dir)).toEqual(['.env', '.gitignore']);
      } finally {
        spawnSync('chattr', ['-i', dir]);
      }
    },
  );

  it.runIf(requireTool('chattr (e2fsprogs)', chattr, 'apt-get install -y e2fsprogs') && process.getuid?.() === 0)(
    'a write that still fails half-way says exactly which files were written',
    async () => {
      const dir = testdir();
      writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
      // An immutable .gitignore passes every check (a regular file, a writable directory), and then the
      // rename over it fails: the one failure no check before the write can see.
      expect(spawnSync('chattr', ['+i', join(dir, '.gitignore')]).status).toBe(0);
      try {
        const result = await envkit(dir, ['init', '--no-input', '--no-keyring']);
        expect(result.code).toBe(3);
        expect(result.stderr).toContain('already written: .env (created), .env.example (created); the rest was not');
        expect(result.stderr).toContain('envkit init` again');
      } finally {
        spawnSync('chattr', ['-i', join(dir, '.gitignore')]);
      }
    },
  );
});
