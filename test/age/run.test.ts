import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { CLI_NODE, ENVKIT_BIN } from '../helpers/cli.js';
import { snapshot } from '../reliability/support.js';
import { CANARY, HAS_AGE, SECRETS, ageProject, findLeak, keygen, memuEnvText, watchPlaintext } from './support.js';

/** A child that prints its environment as JSON (stdout) — what the command envkit starts really got. */
const PRINT_ENV = [CLI_NODE, '-e', 'process.stdout.write(JSON.stringify(process.env))'];

describe.runIf(requireTool('age', HAS_AGE, 'apt-get install age'))('envkit run (built CLI)', () => {
  it('starts the command with exactly its own environment plus the validated environment (derived values and defaults computed); nothing written', async () => {
    const p = await ageProject(memuEnvText().replace(/^MEMU_DB_URL=.*\n/m, '').replace('DB_MEMORY_LIMIT=1g\n', ''));
    const watcher = watchPlaintext([p.dir, p.env.TMPDIR as string, '/tmp', '/dev/shm']);
    const before = snapshot(p.dir);
    const result = await p.run(['run', '--env', 'production', '--', ...PRINT_ENV], { env: { EXTRA: 'kept', POSTGRES_DB: 'overridden by the environment' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const got = JSON.parse(result.stdout) as Record<string, string>;
    const base = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...p.env, EXTRA: 'kept' };
    const user = 'memu_production_user';
    expect(got).toEqual({
      ...base,
      OPENAI_API_KEY: CANARY.OPENAI_API_KEY,
      OPENROUTER_API_KEY: CANARY.OPENROUTER_API_KEY,
      OPENROUTER_BASE_URL: 'https://openrouter.ai/api/v1',
      OLLAMA_API_BASE_URL: 'http://192.168.25.165:11434/api',
      POSTGRES_DB: 'memu_db',
      POSTGRES_USER: user,
      POSTGRES_PASSWORD: CANARY.POSTGRES_PASSWORD,
      // Derived from its parts (it was not in the file), and the default of a missing value.
      MEMU_DB_URL: `postgresql+psycopg://${user}:${CANARY.POSTGRES_PASSWORD}@db:5432/memu_db`,
      MEMU_MEMORY_LIMIT: '2g',
      DB_MEMORY_LIMIT: got.DB_MEMORY_LIMIT,
    });
    expect(got.DB_MEMORY_LIMIT).toMatch(/^\d+[gm]$/);
    const seen = watcher.stop();
    expect(seen.plaintext).toEqual([]);
    expect(seen.names[p.env.TMPDIR as string] ?? []).toEqual([]);
    expect(snapshot(p.dir)).toEqual(before);
  });

  it('without --env runs with the env file; passes exit codes through; 127 for a missing command', async () => {
    const dir = testdir({ '.env': memuEnvText() });
    const run = (args: string[]) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => {
        const child = spawn(CLI_NODE, ['--', ENVKIT_BIN, 'run', '--', ...args], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code, signal) => resolve({ code, signal, out }));
      });
    for (const code of [0, 1, 3, 42, 255]) expect((await run(['sh', '-c', `exit ${code}`])).code).toBe(code);
    expect((await run(['sh', '-c', 'test "$POSTGRES_DB" = memu_db'])).code).toBe(0);
    const missing = await run(['no-such-command-envkit']);
    expect(missing.code).toBe(127);
    expect(missing.out).toBe('envkit: cannot run no-such-command-envkit: command not found\n');
  });

  it("a command's option without -- before it: exit 2, and the printed fix (the same run with --) runs it", async () => {
    const dir = testdir({ '.env': memuEnvText() });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const refused = spawnSync(CLI_NODE, ['--', ENVKIT_BIN, 'run', 'sh', '-c', 'exit 7'], { cwd: dir, env, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    const fix = /fix: put -- before the command, so that its options are its own: `envkit (.*)`$/m.exec(refused.stderr)?.[1];
    expect(fix, refused.stderr).toBe("run -- sh -c 'exit 7'");
    // As printed, through a shell.
    expect(spawnSync('sh', ['-c', `"$0" -- "$1" ${fix}`, CLI_NODE, ENVKIT_BIN], { cwd: dir, env }).status).toBe(7);
    // A mistyped option of envkit's own, before the command, gets no such advice.
    const typo = spawnSync(CLI_NODE, ['--', ENVKIT_BIN, 'run', '--evn', 'production', '--', 'true'], { cwd: dir, env, encoding: 'utf8' });
    expect(typo.status).toBe(2);
    expect(typo.stderr).not.toContain('fix: put --');
  });

  it('forwards SIGTERM, SIGINT and SIGHUP to the command and dies of the same signal when the command does', async () => {
    const dir = testdir({ '.env': memuEnvText() });
    // The child reports the signal it got, then dies of it (default action restored).
    const script = `trap 'echo got $1; trap - $1; kill -$1 $$' $1; echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`;
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const name = signal.slice(3);
      const child = spawn(CLI_NODE, ['--', ENVKIT_BIN, 'run', '--', 'sh', '-c', script.replaceAll('$1', name)], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
      let out = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), out.includes('ready') && resolve())));
      const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
      await ready;
      child.kill(signal);
      const result = await closed;
      expect(out).toContain(`got ${name}`);
      expect(result.signal).toBe(signal);
      expect(result.code).toBe(null);
    }
  });

  it('a command killed by a signal envkit cannot die of (SIGUSR1) ends envkit with 128+n', async () => {
    const dir = testdir({ '.env': memuEnvText() });
    const child = spawn(CLI_NODE, ['--', ENVKIT_BIN, 'run', '--', 'sh', '-c', 'kill -USR1 $$'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(128 + 10);
  });

  it("an identity file whose `# public key:` comment is wrong still decrypts, and `identity` prints the key's real recipient", async () => {
    const p = await ageProject();
    // envkit imports the key with the recipient the comment claims (a JWK): the claim must never be taken for the key's own.
    const other = keygen(testdir(), 'other.txt').recipient;
    const text = readFileSync(p.identityFile, 'utf8');
    expect(text).toContain(`# public key: ${p.recipient}\n`);
    writeFileSync(p.identityFile, text.replace(p.recipient, other), { mode: 0o600 });
    const result = await p.run(['run', '--env', 'production', '--', 'sh', '-c', 'test "$POSTGRES_USER" = memu_production_user']);
    expect(result.code, result.stderr).toBe(0);
    const shown = await p.run(['identity']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe(p.recipient);
  });

  it('an invalid environment is not started: keys named, values never; exit 1', async () => {
    const p = await ageProject(memuEnvText().replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=has%percent%Zq8Lm2Vx7Kp4Wn9Rt'));
    const marker = join(testdir(), 'started');
    const result = await p.run(['run', '--env', 'production', '--', 'sh', '-c', `touch ${marker}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^envkit: \.env\.production\.age is not valid: POSTGRES_PASSWORD, MEMU_DB_URL; the command was not started/);
    expect(result.stderr).toMatch(/fix: fix the values named above \(`envkit check --env production` lists them\)/);
    expect(result.all).not.toContain('Zq8Lm2Vx7Kp4Wn9Rt');
    expect(() => writeFileSync(marker, '', { flag: 'wx' })).not.toThrow();
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });
});
