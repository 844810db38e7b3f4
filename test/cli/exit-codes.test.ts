// Each command against the one exit-code table (docs/exit-codes.md): 0 done or nothing to do, 1 problems or
// refused, 2 usage, 3 environment, 141 closed output pipe (130, Ctrl-C at a prompt: init-prompt.test.ts).
// Dry runs end with the code of the real run.
import { describe, it, expect } from 'vitest';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testdir } from '../helpers/testdir.js';
import { envkit, initProject, read, sh, ENVKIT_BIN, OPENAI_KEY } from './support.js';

const NO_KEYRING = ['--no-keyring'];

async function project(): Promise<string> {
  const dir = testdir();
  await initProject(dir, [...NO_KEYRING, '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
  return dir;
}

describe('exit codes follow docs/exit-codes.md', () => {
  it('0: done, or nothing to do', async () => {
    const dir = await project();
    for (const args of [
      ['check', '--no-git', '--no-compose'],
      ['get', 'POSTGRES_USER'],
      ['set', '--no-keyring', '--force', 'POSTGRES_DB=memu_two'],
      ['unset', '--no-keyring', 'OPENROUTER_API_KEY'],
      ['example', '--check'],
      ['gitignore', '--check'],
      ['schema'],
      ['generate', 'password'],
      ['init', '--no-input', '--no-keyring'],
      ['--help'],
    ]) {
      const result = await envkit(dir, args);
      expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(0);
    }
  });

  it('1: problems found or refused; the reason is said', async () => {
    const dir = await project();
    const cases: [string[], RegExp][] = [
      [['set', '--no-keyring', 'POSTGRES_USER=pg_admin'], /POSTGRES_USER/],
      [['set', '--no-keyring', 'POSTGRES_PASSWORD=abcdefghijklmnopqrstuvwxyz0123456789'], /--force/],
      [['unset', '--no-keyring', 'NOT_THERE'], /NOT_THERE is not in \.env: nothing to remove/],
      [['get', 'OPENROUTER_API_KEY'], /has no value/],
      [['get', 'POSTGRES_PASSWORD'], /--reveal/],
    ];
    for (const [args, said] of cases) {
      const result = await envkit(dir, args);
      expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(1);
      expect(result.stderr).toMatch(said);
    }
    // With --quiet the absent key is still said (stderr).
    const quiet = await envkit(dir, ['-q', 'unset', '--no-keyring', 'NOT_THERE']);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toContain('NOT_THERE is not in .env');
    // Several keys, one absent: the others are removed all the same, and that is said too.
    const mixed = await envkit(dir, ['unset', '--no-keyring', 'NOT_THERE', 'MEMU_MEMORY_LIMIT']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('(the others were removed)');
    expect(read(dir)).not.toMatch(/^MEMU_MEMORY_LIMIT=/m);
    writeFileSync(join(dir, '.env.example'), 'STALE=\n');
    expect((await envkit(dir, ['example', '--check'])).code).toBe(1);
    chmodSync(join(dir, '.env'), 0o644);
    const check = await envkit(dir, ['check', '--no-git', '--no-compose']);
    expect(check.code).toBe(1);
  });

  it('2: usage errors', async () => {
    const dir = await project();
    for (const args of [['nope'], ['get'], ['set', 'NOEQUALS'], ['check', '--bogus'], ['keyring', 'forget'], ['schema', '--format', 'yaml']]) {
      const result = await envkit(dir, args);
      expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(2);
    }
  });

  it('3: the environment (no project directory, no .env where one is needed)', async () => {
    const dir = await project();
    for (const args of [['-C', join(dir, 'missing'), 'check'], ['-C', join(dir, 'missing'), 'set', 'POSTGRES_DB=x'], ['-C', join(dir, 'missing'), 'gitignore']]) {
      const result = await envkit(dir, args);
      expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(3);
      expect(result.stderr).toContain('does not exist');
    }
    rmSync(join(dir, '.env'));
    expect((await envkit(dir, ['unset', '--no-keyring', 'POSTGRES_DB'])).code).toBe(3);
  });

  it('a dry run ends with the code of the real run, and says "would"', async () => {
    for (const args of [
      ['set', '--no-keyring', 'POSTGRES_USER=pg_admin'],
      ['set', '--no-keyring', 'POSTGRES_PASSWORD=abcdefghijklmnopqrstuvwxyz0123456789'],
      ['set', '--no-keyring', 'MEMU_MEMORY_LIMIT=8g'],
      ['set', '--no-keyring', 'NOT_IN_SCHEMA=1'],
      ['init', '--no-input', '--no-keyring', '--set', 'OPENROUTER_API_KEY=sk-or-v1-exitRouterKeyH5jK8nM2qS6uW9xA3'],
      ['init', '--no-input', '--no-keyring', '--set', 'OPENROUTER_API_KEY=not-a-key'],
      ['rotate', '--no-keyring', 'OPENROUTER_API_KEY'],
      ['rotate', '--no-keyring', 'OPENAI_API_KEY', '--apply', 'compose'],
      ['rotate', '--no-keyring', 'MEMU_DB_URL'],
    ]) {
      const dry = await envkit(await project(), [...args, '--dry-run']);
      const real = await envkit(await project(), args);
      expect(dry.code, `${args.join(' ')} --dry-run: ${dry.all}\nreal: ${real.all}`).toBe(real.code);
      if (real.code === 0) {
        expect(dry.stdout, args.join(' ')).toMatch(/would/);
        expect(dry.stdout, args.join(' ')).not.toMatch(/^ {2}\.env +(updated|created)\b/m);
      }
    }
    // --keyring with no keyring at all (no D-Bus): exit 3 in both.
    const dir = await project();
    const dry = await envkit(dir, ['set', '--keyring', '--dry-run', `OPENAI_API_KEY=${OPENAI_KEY}x`]);
    const real = await envkit(dir, ['set', '--keyring', `OPENAI_API_KEY=${OPENAI_KEY}x`]);
    expect([dry.code, real.code]).toEqual([3, 3]);
  });

  it('141: a closed output pipe ends quietly, like cat: no EPIPE stack trace, no dist.tmp path', async () => {
    const dir = await project();
    for (const command of ['"$ENVKIT_NODE" -- "$ENVKIT_BIN" schema --format markdown', '"$ENVKIT_NODE" -- "$ENVKIT_BIN" init --no-input --no-keyring --dry-run', '"$ENVKIT_NODE" -- "$ENVKIT_BIN" --help']) {
      // A reader that reads nothing and leaves at once; sleep makes sure it is gone before envkit writes.
      const result = await sh(dir, `( sleep 0.3; ${command}; echo "status=$?" >&2 ) | true`);
      expect(result.stderr, command).not.toMatch(/EPIPE|Error|at .*\.cjs|dist\.tmp/);
      expect(result.stderr, command).toMatch(/status=(0|141)\b/);
      const cat = await sh(dir, `( sleep 0.3; cat "$ENVKIT_BIN"; echo "status=$?" >&2 ) | true`);
      expect(cat.stderr).toMatch(/status=141\b/);
      expect(result.stderr, command).toContain('status=141');
    }
  });

  it('the code caches name dist/, not the dist.tmp-<pid>/ they were first built in (stack traces name real files)', () => {
    const cache = join(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/cache');
    const files = readdirSync(cache).filter((name) => name.endsWith('.bin'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(readFileSync(join(cache, name)).includes('dist.tmp-'), name).toBe(false);
  });
});
