// envkit guard knows the values of the encrypted environments the user can open: a production secret that
// exists only in .env.production.age (no plaintext .env here) is found when pasted into a staged file.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { CANARY, HAS_AGE, SECRETS, ageProject, findLeak, memuEnvText } from './support.js';
import { envkitShell, rotations } from '../cli/support.js';

const MEMU = new URL('../../examples/memu/', import.meta.url).pathname;

const HAS_GIT = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

/** git in `dir`, with a committer. */
const gitIn = (dir: string) => (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });

describe.runIf(requireTool('age', HAS_AGE, 'apt-get install age') && requireTool('git', HAS_GIT, 'apt-get install git'))('envkit guard and encrypted environments', () => {
  it('blocks a value of .env.production.age pasted into a staged file, naming the key and the environment, never the value', async () => {
    const p = await ageProject();
    const git = gitIn(p.dir);
    git('init', '-q');
    writeFileSync(join(p.dir, 'deploy.sh'), `#!/bin/sh\nexport PGPASSWORD=${CANARY.POSTGRES_PASSWORD}\n`);
    git('add', 'deploy.sh', '.env.production.age', '.env.production.recipients');
    const blocked = await p.run(['--json', 'guard', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    const report = JSON.parse(blocked.stdout) as { findings: { file?: string; line?: number; key?: string }[]; sources: { name: string; keys: string[] }[] };
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'deploy.sh', line: 2, key: 'POSTGRES_PASSWORD' }));
    expect(report.sources.map((s) => s.name)).toContain('.env.production.age');
    expect(findLeak(blocked.all, SECRETS)).toBeUndefined();

    // Someone who cannot open the environment: it is not searched, and the note says why.
    const stranger = await p.run(['guard', '--no-keyring'], { env: { XDG_CONFIG_HOME: testdir() } });
    expect(stranger.code, stranger.all).toBe(0);
    expect(stranger.stdout).toMatch(/note: the encrypted environments \(production\) were not searched: no age identity/);
  });

  it('a committed .env.production (the plaintext of .env.production.age): the rotations it names are of environment production, and work as printed', async () => {
    const p = await ageProject();
    const git = gitIn(p.dir);
    git('init', '-q');
    git('add', '.env.production.age', '.env.production.recipients', '.gitignore');
    git('commit', '-qm', 'environment');
    writeFileSync(join(p.dir, '.env.production'), memuEnvText(), { mode: 0o600 });
    git('add', '-f', '.env.production');
    git('commit', '-qm', 'leak');
    const blocked = await p.run(['guard', '--history', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    expect(blocked.stdout).toMatch(/^error +\.env\.production +\.env\.production is a plaintext env file \(commit [0-9a-f]{12}\)/m);
    // It said `envkit rotate POSTGRES_PASSWORD`, which rotates .env: there is none here ("run envkit init first").
    expect(rotations(blocked.stdout)).toEqual([
      'envkit rotate --env production OPENAI_API_KEY --stdin',
      'envkit rotate --env production OPENROUTER_API_KEY --stdin',
      'envkit rotate --env production POSTGRES_PASSWORD',
    ]);
    expect(findLeak(blocked.all, SECRETS)).toBeUndefined();
    // As printed (with --apply none: no database here), each changes the value in .env.production.age.
    const shell = (line: string) => envkitShell(p.dir, line, p.env);
    for (const [command, input] of [
      ['envkit rotate --env production POSTGRES_PASSWORD', ''],
      ['envkit rotate --env production OPENAI_API_KEY --stdin', 'printf %s sk-NewKeyFromTheIssuer7Hq2Wm9Lx4 | '],
    ] as const) {
      const rotated = await shell(`${input}${command} --apply none --no-keyring`);
      expect(rotated.code, `${command}:\n${rotated.all}`).toBe(0);
    }
    const after = await p.run(['guard', '--history', '--no-keyring']);
    // The committed values are no longer those of production: the rotated two are not named again.
    expect(rotations(after.stdout)).toEqual(['envkit rotate --env production OPENROUTER_API_KEY --stdin']);
  });

  it('a secret in a committed .env.example: the rotation it names is of the environments this user can open (and .env only where there is one)', async () => {
    const p = await ageProject();
    const git = gitIn(p.dir);
    git('init', '-q');
    // A real-looking password that is no current value (a current one is reported as such, with its environment).
    const example = readFileSync(join(MEMU, '.env.example'), 'utf8').replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=Zq8vN2mK4pL7wR9tY3xB6cD1fG5hJ0sA');
    writeFileSync(join(p.dir, '.env.example'), example);
    git('add', '.env.example', '.env.production.age', '.env.production.recipients');
    git('commit', '-qm', 'example');
    const blocked = await p.run(['guard', '--history', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    expect(blocked.stdout).toMatch(/^error +\.env\.example:\d+ +POSTGRES_PASSWORD has a value in the example/m);
    // It said `envkit rotate POSTGRES_PASSWORD`: there is no .env here.
    expect(rotations(blocked.stdout)).toEqual(['envkit rotate --env production POSTGRES_PASSWORD']);
    const shell = (line: string) => envkitShell(p.dir, line, p.env);
    const rotated = await shell(`${rotations(blocked.stdout)[0]!} --apply none --no-keyring`);
    expect(rotated.code, rotated.all).toBe(0);
    // Someone who cannot open production, without a .env: no command that would fail, the key named instead.
    const stranger = await p.run(['guard', '--history', '--no-keyring'], { env: { XDG_CONFIG_HOME: testdir() } });
    expect(rotations(stranger.stdout)).toEqual([]);
    expect(stranger.stdout).toContain('once pushed, rotate POSTGRES_PASSWORD where it is used (there is no env file here and no encrypted environment you can open)');
    // With a .env as well (decrypted from production): both places, each a rotation that works as printed.
    expect((await p.run(['decrypt', '--env', 'production'])).code).toBe(0);
    const both = await p.run(['guard', '--history', '--no-keyring']);
    expect(rotations(both.stdout)).toEqual(['envkit rotate POSTGRES_PASSWORD', 'envkit rotate --env production POSTGRES_PASSWORD']);
    const plain = await shell('envkit rotate POSTGRES_PASSWORD --apply none --no-keyring');
    expect(plain.code, plain.all).toBe(0);
  });
});
