import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from '../packages/envkit/src/index.js';
import { defaultProjectId } from '../packages/envkit/src/keyring/index.js';
import { ENVKIT_BIN, envkit, runProcess, type CliResult } from './helpers/cli.js';
import { requireTool } from './helpers/require.js';
import { SECRET_SERVICE_INSTALL, hasSecretService, startSecretService, startStuckBus, withSecretService, type SecretServiceHandle } from './helpers/secret-service.js';
import { testdir } from './helpers/testdir.js';

/*
 * The keyring commands of the built CLI against a real gnome-keyring on a private D-Bus session bus:
 * init stores, secret-tool reads back, restore rebuilds, rotate + restore gives the new value, status compares,
 * forget deletes; and the failure modes (no Secret Service, no bus, stuck bus, locked) end in bounded time
 * with one clear message. Every CLI output of a test is scanned for the secret values it handled.
 */

const enabled = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);

/**
 * `envkit rotate` keeps the new password in the keyring once it takes `--keyring/--no-keyring` like init.
 * Until then the rotate test is skipped loudly (and fails under CI=true): the feature is missing, not the tool.
 */
function rotateUsesKeyring(): boolean {
  if (!existsSync(ENVKIT_BIN)) return false;
  return spawnSync(process.execPath, [ENVKIT_BIN, 'rotate', '--help'], { encoding: 'utf8', timeout: 10_000 }).stdout.includes('--no-keyring');
}
const rotateEnabled =
  enabled && requireTool('`envkit rotate` with the OS keyring', rotateUsesKeyring(), 'commands/rotate.ts must pass the keyring store (openKeyring) and projectIdFor(ctx) to rotatePassword');

const RUN = `${process.pid}-${randomBytes(3).toString('hex')}`;
let counter = 0;
/** A project id no other test, run or user shares. */
const uniqueId = (): string => `envkit-e2e-${RUN}-${++counter}`;

function report(label: string, ms: number): void {
  process.stderr.write(`[keyring e2e] ${label}: ${ms.toFixed(0)} ms\n`);
}

/** Every CLI result of the current test, for the leak scan. */
const outputs: CliResult[] = [];
/** Every secret value the current test saw, for the leak scan. */
const secrets = new Set<string>();

async function cli(dir: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const result = await envkit(dir, args, { env, timeoutMs });
  outputs.push(result);
  return { ...result, ms: performance.now() - started };
}

function readEnv(dir: string): Record<string, string> {
  const values = parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
  for (const [key, value] of Object.entries(values)) {
    if (value.length >= 8 && /PASSWORD|URL|KEY/.test(key) && !value.startsWith('http')) secrets.add(value);
  }
  return values;
}

afterEach(() => {
  const leaks = [...secrets].filter((secret) => outputs.some((output) => output.all.includes(secret)));
  outputs.length = 0;
  secrets.clear();
  // A failure message that named the value would leak it again: say only how many.
  if (leaks.length > 0) throw new Error(`${leaks.length} secret value(s) appeared in CLI output`);
});

describe.skipIf(!enabled)('envkit and a real gnome-keyring', () => {
  let keyring: SecretServiceHandle;
  let env: NodeJS.ProcessEnv;
  /** A project id of its own for the test. */
  const project = (id = uniqueId()): string => id;

  // A bus and a gnome-keyring of its own for each test (about 75 ms): twice in CI a daemon shared by the whole
  // file stopped answering during the sixth test and then vanished, failing every test after it for a reason
  // not theirs. Each test now starts from an empty keyring; a daemon that dies is reported by the test it died
  // in, with how it ended, and a test whose daemon died of gnome-keyring's own race runs once more
  // (withSecretService).
  const withKeyring = (body: () => Promise<void>) => () =>
    withSecretService(async (handle) => {
      keyring = handle;
      env = { DBUS_SESSION_BUS_ADDRESS: handle.address };
      await body();
    });

  it('init stores the secrets: secret-tool reads back exactly what .env holds', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    const init = await cli(dir, ['--project', id, 'init'], env);
    report('init with the keyring (probe + 2 stores)', init.ms);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toBe('');
    expect(init.stdout).toMatch(new RegExp(`POSTGRES_PASSWORD +stored in the OS keyring \\(secret-service\\) as envkit:${id}\\n`));
    expect(init.stdout).toMatch(new RegExp(`MEMU_DB_URL +stored in the OS keyring \\(secret-service\\) as envkit:${id}\\n`));
    const values = readEnv(dir);
    expect(values.POSTGRES_PASSWORD?.length).toBeGreaterThanOrEqual(32);
    // Compared here, never printed.
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === values.POSTGRES_PASSWORD).toBe(true);
    expect(keyring.lookup(`envkit:${id}`, 'MEMU_DB_URL') === values.MEMU_DB_URL).toBe(true);
    // Empty secrets are not stored.
    expect(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY')).toBeUndefined();

    // A second init changes nothing and says the secrets are already there.
    const again = await cli(dir, ['--project', id, 'init', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout) as { keyring: { status: string; service: string; keys: Array<{ key: string; action: string }> } };
    expect(json.keyring.status).toBe('stored');
    expect(json.keyring.service).toBe(`envkit:${id}`);
    expect(json.keyring.keys.filter((k) => k.action === 'unchanged').map((k) => k.key)).toEqual(['POSTGRES_PASSWORD', 'MEMU_DB_URL']);
  }));

  it('the default project id is the directory name and a hash of its path; ENVKIT_PROJECT overrides it', withKeyring(async () => {
    const dir = testdir();
    const id = project(defaultProjectId({ cwd: dir }));
    expect(id).toMatch(/^envkit-test-[A-Za-z0-9]+-[0-9a-f]{8}$/);
    const init = await cli(dir, ['init'], env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`as envkit:${id}`);
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === readEnv(dir).POSTGRES_PASSWORD).toBe(true);

    const other = testdir();
    const fromEnv = project();
    const byVariable = await cli(other, ['init'], { ...env, ENVKIT_PROJECT: fromEnv });
    expect(byVariable.code, byVariable.stderr).toBe(0);
    expect(keyring.lookup(`envkit:${fromEnv}`, 'POSTGRES_PASSWORD') === readEnv(other).POSTGRES_PASSWORD).toBe(true);

    const bad = await cli(other, ['--project', 'no spaces', 'keyring', 'status'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid project id');
  }));

  it('rm .env; envkit restore gives back the same secrets, 0600; a valid or damaged .env needs --force', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init'], env)).code).toBe(0);
    const before = readEnv(dir);
    rmSync(join(dir, '.env'));

    const restore = await cli(dir, ['--project', id, 'restore'], env);
    report('restore', restore.ms);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/POSTGRES_PASSWORD +from the OS keyring/);
    expect(restore.stdout).toMatch(/MEMU_DB_URL +derived/);
    expect(restore.stdout).toContain('.env created (mode 0600); it was missing');
    const after = readEnv(dir);
    expect(after.POSTGRES_PASSWORD === before.POSTGRES_PASSWORD).toBe(true);
    expect(after.MEMU_DB_URL === before.MEMU_DB_URL).toBe(true);
    expect(after).toEqual(before);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect((await cli(dir, ['check', '--no-git'], env)).code).toBe(0);

    // A valid .env that has every stored secret: nothing to restore, which is not a failure; not overwritten.
    const nothing = await cli(dir, ['--project', id, 'restore'], env);
    expect(nothing.code, nothing.all).toBe(0);
    expect(nothing.stdout).toContain('nothing to restore: .env exists, is valid and has every secret');
    expect(readEnv(dir)).toEqual(before);

    // A damaged one is named as such, needs --force, and is kept as a 0600 copy.
    const damaged = `POSTGRES_PASSWORD=${before.POSTGRES_PASSWORD}\nPOSTGRES_USER="unclosed\n`;
    writeFileSync(join(dir, '.env'), damaged);
    const unforced = await cli(dir, ['--project', id, 'restore'], env);
    expect(unforced.code).toBe(1);
    expect(unforced.stderr).toMatch(/\.env exists but is damaged \(1 syntax error; invalid: .*\): nothing was restored/);
    // The fix reaches the same keyring entries: it names --project as this command was given it.
    expect(unforced.stderr).toContain(`envkit restore --project ${id} --force`);
    const forced = await cli(dir, ['--project', id, 'restore', '--force'], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('the previous .env is kept as .env.envkit-backup (mode 0600)');
    expect(readFileSync(join(dir, '.env.envkit-backup'), 'utf8') === damaged).toBe(true);
    expect(statSync(join(dir, '.env.envkit-backup')).mode & 0o777).toBe(0o600);
    expect(readEnv(dir)).toEqual(before);

    // A second forced restore keeps the first backup (the original damaged file) and names its own copy.
    const again = `POSTGRES_PASSWORD=${before.POSTGRES_PASSWORD}\nPOSTGRES_DB="unclosed\n`;
    writeFileSync(join(dir, '.env'), again);
    const second = await cli(dir, ['--project', id, 'restore', '--force'], env);
    expect(second.code, second.stderr).toBe(0);
    const name = /the previous \.env is kept as (\.env\.envkit-backup-\d{8}T\d{6}Z) \(mode 0600\)/.exec(second.stdout)?.[1];
    expect(name, second.stdout).toBeDefined();
    expect(readFileSync(join(dir, '.env.envkit-backup'), 'utf8') === damaged).toBe(true);
    expect(readFileSync(join(dir, name!), 'utf8') === again).toBe(true);
    expect(statSync(join(dir, name!)).mode & 0o777).toBe(0o600);
    expect(readEnv(dir)).toEqual(before);
  }));

  it('restore takes what secret-tool stored (the other way round)', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    const password = randomBytes(24).toString('base64url');
    const openai = `sk-${randomBytes(18).toString('base64url')}`;
    secrets.add(password).add(openai);
    keyring.secretTool(['store', '--label=test', 'service', `envkit:${id}`, 'username', 'POSTGRES_PASSWORD'], password);
    keyring.secretTool(['store', '--label=test', 'service', `envkit:${id}`, 'username', 'OPENAI_API_KEY'], openai);
    const restore = await cli(dir, ['--project', id, 'restore', '--set', 'POSTGRES_USER=memu_admin'], env);
    expect(restore.code, restore.stderr).toBe(0);
    const values = readEnv(dir);
    expect(values.POSTGRES_PASSWORD === password).toBe(true);
    expect(values.OPENAI_API_KEY === openai).toBe(true);
    expect(values.POSTGRES_USER).toBe('memu_admin');
    expect(values.MEMU_DB_URL === `postgresql+psycopg://memu_admin:${password}@db:5432/memu_db`).toBe(true);
  }));

  it('restore of a project with nothing stored names the id and how to find the right one', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    const restore = await cli(dir, ['--project', id, 'restore'], env);
    expect(restore.code).toBe(3);
    expect(restore.stderr).toContain(`envkit: nothing is stored in the OS keyring (secret-service) for project ${id} (service envkit:${id})`);
    expect(restore.stderr).toContain('--project or ENVKIT_PROJECT');
    expect(existsSync(join(dir, '.env'))).toBe(false);
  }));

  it('keyring status compares with .env by state; backup brings the keyring up to date with history', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init'], env)).code).toBe(0);
    const first = readEnv(dir);
    const status = await cli(dir, ['--project', id, 'keyring', 'status'], env);
    report('keyring status', status.ms);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`envkit keyring status  project ${id}`);
    expect(status.stdout).toContain('  backend    secret-service');
    expect(status.stdout).toMatch(/ {2}reachable {2}yes \(probe \d+ ms\)/);
    expect(status.stdout).toMatch(/POSTGRES_PASSWORD +stored, same as \.env\n/);
    expect(status.stdout).toMatch(/OPENAI_API_KEY +not stored, no value in \.env\n/);

    // .env changes behind the keyring's back: status says so, without values.
    const next = randomBytes(24).toString('base64url');
    secrets.add(next);
    const set = await cli(dir, ['set', '--force', `POSTGRES_PASSWORD=${next}`], env);
    expect(set.code, set.stderr).toBe(0);
    const differs = await cli(dir, ['--project', id, 'keyring', 'status', '--json'], env);
    const json = JSON.parse(differs.stdout) as { env: string; keys: Array<{ key: string; state: string; history: number }> };
    expect(json.env).toBe('valid');
    expect(json.keys.find((k) => k.key === 'POSTGRES_PASSWORD')?.state).toBe('different');
    expect(json.keys.find((k) => k.key === 'MEMU_DB_URL')?.state).toBe('different');

    const backup = await cli(dir, ['--project', id, 'backup'], env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`POSTGRES_PASSWORD +stored in the OS keyring \\(secret-service\\) as envkit:${id} \\(the previous value kept as history\\)`));
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === next).toBe(true);
    const history = JSON.parse(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD@history') ?? '[]') as string[];
    expect(history.length).toBe(1);
    expect(history[0] === first.POSTGRES_PASSWORD).toBe(true);
    const same = await cli(dir, ['--project', id, 'keyring', 'status'], env);
    expect(same.stdout).toMatch(/POSTGRES_PASSWORD +stored, same as \.env, 1 previous\n/);

    // A value .env holds that fails the schema: backup leaves it out (exit 1), and status no longer tells to back
    // it up (which did nothing, with exit 0) but offers the keyring's good copy back.
    const env0 = readFileSync(join(dir, '.env'), 'utf8');
    writeFileSync(join(dir, '.env'), env0.replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=short'), { mode: 0o600 });
    const damaged = await cli(dir, ['--project', id, 'keyring', 'status'], env);
    expect(damaged.stdout).toMatch(/POSTGRES_PASSWORD +stored, DIFFERS from \.env, invalid in \.env, 1 previous\n/);
    expect(damaged.stdout).not.toMatch(/envkit backup \(.*POSTGRES_PASSWORD/);
    expect(damaged.stdout).toContain(`POSTGRES_PASSWORD is invalid in .env: bring the keyring's values back with envkit restore --project ${id} --force (a copy of the file is kept), or fix it as envkit check --project ${id} says.`);
    const refused = await cli(dir, ['--project', id, 'backup'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/1 not stored \(invalid in \.env: fix it, then back up again\)/);
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === next).toBe(true);
    const restored = await cli(dir, ['--project', id, 'restore', '--force'], env);
    expect(restored.code, restored.all).toBe(0);
    expect(readEnv(dir).POSTGRES_PASSWORD === next).toBe(true);
  }));

  it.runIf(rotateEnabled)('a file-level rotate stores the new password; rm .env; restore gives the new one, history the old', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init'], env)).code).toBe(0);
    const old = readEnv(dir);
    const rotate = await cli(dir, ['--project', id, 'rotate', 'POSTGRES_PASSWORD', '--apply', 'none'], env);
    expect(rotate.code, rotate.all).toBe(0);
    const rotated = readEnv(dir);
    expect(rotated.POSTGRES_PASSWORD === old.POSTGRES_PASSWORD).toBe(false);
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === rotated.POSTGRES_PASSWORD).toBe(true);
    const history = JSON.parse(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD@history') ?? '[]') as string[];
    expect(history[0] === old.POSTGRES_PASSWORD).toBe(true);

    rmSync(join(dir, '.env'));
    const restore = await cli(dir, ['--project', id, 'restore'], env);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = readEnv(dir);
    expect(restored.POSTGRES_PASSWORD === rotated.POSTGRES_PASSWORD).toBe(true);
    expect(restored.MEMU_DB_URL === rotated.MEMU_DB_URL).toBe(true);
  }));

  it('set and unset keep the keyring in step: set OPENAI_API_KEY, lose .env, restore brings it back; set --force of the password stays equal', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init', '--no-input'], env)).code).toBe(0);
    const key = 'sk-e2eKeyringSetKeyQ7vX2mN9pL4wR8tY3zB6';
    secrets.add(key);
    const set = await cli(dir, ['--project', id, 'set', `OPENAI_API_KEY=${key}`], env);
    expect(set.code, set.all).toBe(0);
    expect(set.stdout).toMatch(new RegExp(`OPENAI_API_KEY +stored in the OS keyring \\(secret-service\\) as envkit:${id}`));
    expect(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY') === key).toBe(true);
    // A setting that is no secret never asks the keyring.
    const plain = await cli(dir, ['--project', id, 'set', 'MEMU_MEMORY_LIMIT=8g'], env);
    expect(plain.stdout).not.toContain('keyring');

    const password = 'e2eForcedPassword_abcdefghijklmnopqrstuvwxyz';
    secrets.add(password);
    const forced = await cli(dir, ['--project', id, 'set', '--force', `POSTGRES_PASSWORD=${password}`], env);
    expect(forced.code, forced.all).toBe(0);
    const values = readEnv(dir);
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === password).toBe(true);
    expect(keyring.lookup(`envkit:${id}`, 'MEMU_DB_URL') === values.MEMU_DB_URL).toBe(true);
    const status = await cli(dir, ['--project', id, 'keyring', 'status'], env);
    expect(status.stdout).not.toContain('DIFFERS');
    expect(status.stdout).toMatch(/POSTGRES_PASSWORD +stored, same as \.env/);

    rmSync(join(dir, '.env'));
    const restore = await cli(dir, ['--project', id, 'restore'], env);
    expect(restore.code, restore.all).toBe(0);
    expect(restore.stdout).toMatch(/OPENAI_API_KEY +from the OS keyring/);
    expect(readEnv(dir).OPENAI_API_KEY === key).toBe(true);
    expect(readEnv(dir).POSTGRES_PASSWORD === password).toBe(true);

    // unset of a secret removes the keyring copy: a later restore does not bring back what was removed.
    const unset = await cli(dir, ['--project', id, 'unset', 'OPENAI_API_KEY'], env);
    expect(unset.code, unset.all).toBe(0);
    expect(unset.stdout).toContain(`OPENAI_API_KEY  removed from the OS keyring (secret-service) as envkit:${id} too`);
    expect(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY')).toBeUndefined();
    rmSync(join(dir, '.env'));
    expect((await cli(dir, ['--project', id, 'restore'], env)).code).toBe(0);
    expect(readEnv(dir).OPENAI_API_KEY ?? '').toBe('');
  }));

  it('backup and the keyring copy of init and set read the project in one listing: Secret Service sessions per command', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    const sessions = async (args: string[]): Promise<number> => {
      const count = await keyring.count('OpenSession');
      const result = await cli(dir, ['--project', id, ...args], env);
      expect(result.code, result.all).toBe(0);
      return count.done();
    };
    const password = 'e2eSessionsPassword_abcdefghijklmnopqrstuv';
    secrets.add(password);
    // Each command opens the store with a probe of 5 sessions (a search; a write and a removal, each with the
    // search that checks it), then lists the project once (1); a write is 2 (the write and its check), and set
    // lists once more for the value and history it replaces (1). Read key by key, each secret compared was one
    // session more, and each one stored one more again.
    const counts = {
      'init (2 secrets stored)': await sessions(['init', '--no-input']),
      'backup (2 unchanged)': await sessions(['backup']),
      'set OPENAI_API_KEY (new)': await sessions(['set', 'OPENAI_API_KEY=sk-proj-e2eSessionsKeyQ7vX2mN9pL4wR8tY3']),
      'backup (3 unchanged)': await sessions(['backup']),
      'set --force POSTGRES_PASSWORD (and the URL; both replaced)': await sessions(['set', '--force', `POSTGRES_PASSWORD=${password}`]),
    };
    expect(counts).toEqual({
      'init (2 secrets stored)': 5 + 1 + 2 * (1 + 2),
      'backup (2 unchanged)': 5 + 1,
      'set OPENAI_API_KEY (new)': 5 + 1 + (1 + 2),
      'backup (3 unchanged)': 5 + 1,
      'set --force POSTGRES_PASSWORD (and the URL; both replaced)': 5 + 1 + 2 * (1 + 2 + 2),
    });
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === password).toBe(true);
    expect(keyring.lookup(`envkit:${id}`, 'MEMU_DB_URL') === readEnv(dir).MEMU_DB_URL).toBe(true);
  }));

  it('keyring status into a pipe that closes early ends quietly (no EPIPE stack trace)', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init', '--no-input'], env)).code).toBe(0);
    const result = await runProcess('/bin/sh', ['-c', `( sleep 0.3; "${process.execPath}" -- "${ENVKIT_BIN}" --project ${id} keyring status; echo "status=$?" >&2 ) | true`], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    });
    expect(result.stderr).not.toMatch(/EPIPE|Error|dist\.tmp/);
    expect(result.stderr).toMatch(/status=141\b/);
  }));

  it('restore of a valid .env that lacks a stored secret is refused, not a success; --force restores it', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init', '--no-input'], env)).code).toBe(0);
    const key = 'sk-e2eKeyringLackKeyQ7vX2mN9pL4wR8tY3zB6';
    secrets.add(key);
    keyring.secretTool(['store', '--label=x', 'service', `envkit:${id}`, 'username', 'OPENAI_API_KEY'], key);
    const refused = await cli(dir, ['--project', id, 'restore'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('.env is valid but lacks OPENAI_API_KEY, which the keyring holds: nothing was restored');
    const forced = await cli(dir, ['--project', id, 'restore', '--force'], env);
    expect(forced.code, forced.all).toBe(0);
    expect(readEnv(dir).OPENAI_API_KEY === key).toBe(true);
  }));

  it('keyring forget wants --yes, then deletes the entries and their history', withKeyring(async () => {
    const dir = testdir();
    const id = project();
    expect((await cli(dir, ['--project', id, 'init'], env)).code).toBe(0);
    const next = randomBytes(24).toString('base64url');
    secrets.add(next);
    expect((await cli(dir, ['set', '--force', `POSTGRES_PASSWORD=${next}`], env)).code).toBe(0);
    expect((await cli(dir, ['--project', id, 'backup'], env)).code).toBe(0);
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD@history')).toBeDefined();

    const unsure = await cli(dir, ['--project', id, 'keyring', 'forget'], env);
    expect(unsure.code).toBe(2);
    expect(unsure.stderr).toContain('run it again with --yes');
    expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD')).toBeDefined();

    const forget = await cli(dir, ['--project', id, 'keyring', 'forget', '--yes'], env);
    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toContain('removed: POSTGRES_PASSWORD, MEMU_DB_URL (with their history)');
    for (const account of ['POSTGRES_PASSWORD', 'POSTGRES_PASSWORD@history', 'MEMU_DB_URL']) {
      expect(keyring.lookup(`envkit:${id}`, account)).toBeUndefined();
    }
    expect(existsSync(join(dir, '.env'))).toBe(true);
  }));
});

/** A unix socket that counts who connects and never answers. */
async function countingBus(): Promise<{ address: string; connections: () => number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-count-'));
  const path = join(dir, 'bus');
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix:path=${path}`,
    connections: () => connections,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!enabled)('envkit when the keyring cannot be used: bounded, one clear message', () => {
  it('no Secret Service: --keyring exits 3 before writing; the default warns once and continues', async () => {
    const bare = await startSecretService({ keyring: 'none' });
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: bare.address };
      const dir = testdir();
      const required = await cli(dir, ['--project', uniqueId(), 'init', '--keyring'], env);
      report('init --keyring, no Secret Service', required.ms);
      expect(required.code).toBe(3);
      expect(required.ms).toBeLessThan(10_000);
      expect(required.stderr).toMatch(/^envkit: OS keyring unavailable: no Secret Service answers on the D-Bus session bus at unix:path=.*\n {2}fix: start a Secret Service: /);
      expect(required.stderr).toContain('--no-keyring');
      expect(existsSync(join(dir, '.env'))).toBe(false);

      const auto = await cli(dir, ['--project', uniqueId(), 'init'], env);
      report('init (default), no Secret Service', auto.ms);
      expect(auto.code, auto.stderr).toBe(0);
      expect(auto.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(auto.stderr).toMatch(/^warning: OS keyring unavailable: no Secret Service answers .*; the secrets are only in \.env \(fix: start a Secret Service/);
      expect(auto.stdout).not.toContain('stored in the OS keyring');
      readEnv(dir);

      const json = await cli(testdir(), ['--project', uniqueId(), 'init', '--json'], env);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, keyring: { status: 'unavailable' } });
      expect(JSON.parse(json.stdout).keyring.message).toMatch(/no Secret Service/);

      const status = await cli(dir, ['--project', uniqueId(), 'keyring', 'status'], env);
      expect(status.code).toBe(3);
      expect(status.stdout).toMatch(/reachable {2}no: OS keyring unavailable: no Secret Service/);
    } finally {
      await bare.stop();
    }
  });

  it('no session bus at all: --keyring exits 3 at once with how to start one', async () => {
    const dir = testdir();
    const required = await cli(dir, ['--project', uniqueId(), 'init', '--keyring'], {});
    report('init --keyring, no bus', required.ms);
    expect(required.code).toBe(3);
    expect(required.stderr).toContain('envkit: OS keyring unavailable: no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set');
    expect(required.stderr).toContain('fix: start a session bus and a keyring for this shell: `dbus-run-session -- $SHELL`');
    // Word for word, ending with this CLI's way to do without the keyring.
    expect(required.stderr).toContain(
      '  fix: start a session bus and a keyring for this shell: `dbus-run-session -- $SHELL`, then `gnome-keyring-daemon --replace --unlock --components=secrets`, type the keyring password and press Ctrl-D (or log in to a desktop session); or run with --no-keyring to do without the keyring\n',
    );
    const restore = await cli(dir, ['--project', uniqueId(), 'restore'], {});
    expect(restore.code).toBe(3);
    expect(restore.stderr).toContain('no D-Bus session bus');
  });

  it('a stuck bus: --keyring exits 3 within the probe limit; the default warns and finishes', async () => {
    const stuck = await startStuckBus();
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: stuck.address };
      const dir = testdir();
      const required = await cli(dir, ['--project', uniqueId(), 'init', '--keyring'], env);
      report('init --keyring, stuck bus', required.ms);
      expect(required.code).toBe(3);
      expect(required.ms).toBeLessThan(10_000);
      expect(required.stderr).toMatch(/envkit: OS keyring unavailable: the keyring did not answer within \d+ ms: the D-Bus session bus at unix:path=.* is stuck/);
      expect(required.stderr).toContain('fix: a stale DBUS_SESSION_BUS_ADDRESS');
      expect(existsSync(join(dir, '.env'))).toBe(false);

      const auto = await cli(dir, ['--project', uniqueId(), 'init'], env);
      report('init (default), stuck bus', auto.ms);
      expect(auto.code, auto.stderr).toBe(0);
      expect(auto.ms).toBeLessThan(10_000);
      expect(auto.stderr).toMatch(/^warning: OS keyring unavailable: the keyring did not answer/);
      readEnv(dir);

      const backup = await cli(dir, ['--project', uniqueId(), 'backup'], env);
      expect(backup.code).toBe(3);
      expect(backup.ms).toBeLessThan(10_000);
    } finally {
      await stuck.stop();
    }
  });

  it('--no-keyring never touches the bus: a stuck bus costs nothing', async () => {
    const bus = await countingBus();
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: bus.address };
      const dir = testdir();
      const skipped = await cli(dir, ['--project', uniqueId(), 'init', '--no-keyring'], env);
      report('init --no-keyring, stuck bus', skipped.ms);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stderr).toBe('');
      expect(skipped.ms).toBeLessThan(2500);
      expect(bus.connections()).toBe(0);
      const json = await cli(testdir(), ['init', '--no-keyring', '--json'], env);
      expect(JSON.parse(json.stdout).keyring).toEqual({ status: 'skipped', reason: '--no-keyring' });
      // A dry run does not ask the keyring either.
      expect((await cli(testdir(), ['init', '--dry-run'], env)).code).toBe(0);
      expect(bus.connections()).toBe(0);
      readEnv(dir);

      // The same bus with the default: the probe connects (and is cut off by its time limit).
      const auto = await cli(testdir(), ['--project', uniqueId(), 'init'], env);
      expect(auto.code).toBe(0);
      expect(bus.connections()).toBeGreaterThan(0);
    } finally {
      await bus.stop();
    }
  });

  it('gnome-keyring dies in the middle of a call: the error says it went away and how to start it, not that the bus is stuck', async () => {
    const dying = await startSecretService();
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: dying.address };
      const dir = testdir();
      const id = uniqueId();
      expect((await cli(dir, ['--project', id, 'init'], env)).code).toBe(0);
      rmSync(join(dir, '.env'));
      // Paused, the daemon keeps its name on the bus and the probe's first call waits on it; killed then, the bus
      // answers that call with NoReply "Message recipient disconnected from message bus without replying", as
      // when gnome-keyring crashes mid-call (see withSecretService). Killed once that call is on the bus, well
      // inside the probe's 3 s.
      dying.pauseKeyring();
      const waiting = dying.called('OpenSession', { timeoutMs: 20_000 });
      const pending = cli(dir, ['--project', id, 'restore'], env);
      await waiting;
      await dying.killKeyring();
      const restore = await pending;
      expect(restore.code, restore.all).toBe(3);
      expect(restore.stderr).toMatch(/^envkit: OS keyring unavailable: the Secret Service on the D-Bus session bus at unix:path=\S+ went away while answering: gnome-keyring-daemon \(or the Secret Service in its place\) crashed or was stopped \(/);
      expect(restore.stderr).not.toMatch(/stuck|unlock prompt/);
      expect(restore.stderr).toContain(
        // restore has no --no-keyring (it works on the keyring itself): the fix is the repair alone.
        '  fix: start it again: `gnome-keyring-daemon --replace --unlock --components=secrets`, type the keyring password and press Ctrl-D (a desktop session starts it again on the next call)\n',
      );
      expect(existsSync(join(dir, '.env'))).toBe(false);
    } finally {
      await dying.stop();
    }
  });

  it('gnome-keyring killed at each keyring session of a backup: every secret the error says was stored is there after a restart; a second backup stores the rest', async () => {
    const secretKeys = ['OPENAI_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL'];
    let failed = 0;
    let saidStored = 0;
    // A backup of three secrets takes 15 sessions (docs/keyring.md); 6 is the first after the probe, 16 none.
    for (let session = 6; session <= 16; session += 1) {
      await withSecretService(async (keyring) => {
        const env = { DBUS_SESSION_BUS_ADDRESS: keyring.address };
        const dir = testdir();
        const id = uniqueId();
        const made = await cli(dir, ['--project', id, 'init', '--no-input', '--no-keyring', '--set', 'OPENAI_API_KEY=sk-proj-KilledMidBackup0123456789ab'], env);
        expect(made.code, made.all).toBe(0);
        const values = readEnv(dir);
        const stop = new AbortController();
        const killed = keyring.called('OpenSession', { timeoutMs: 60_000, times: session, signal: stop.signal }).then(async (seen) => {
          if (seen) await keyring.killKeyring();
        });
        let backup: Awaited<ReturnType<typeof cli>>;
        try {
          backup = await cli(dir, ['--project', id, 'backup'], env);
        } finally {
          // Always awaited, so that a watch outliving a failed run is no unhandled rejection.
          stop.abort();
          await killed;
        }
        if (backup.code !== 0) {
          failed += 1;
          expect(backup.code, backup.all).toBe(3);
          expect(backup.stderr).toMatch(/^envkit: OS keyring /);
        }
        const said = /; ([A-Z_]+(?: and [A-Z_]+)*) (?:was|were) stored before that/.exec(backup.stderr)?.[1]?.split(' and ') ?? [];
        saidStored += said.length > 0 ? 1 : 0;
        await keyring.restartKeyring();
        // What the error said was stored is stored (compared here, never printed).
        for (const key of said) expect(keyring.lookup(`envkit:${id}`, key) === values[key], `${key}, said to be stored`).toBe(true);
        const again = await cli(dir, ['--project', id, 'backup'], env);
        expect(again.code, again.all).toBe(0);
        for (const key of secretKeys) expect(keyring.lookup(`envkit:${id}`, key) === values[key], `${key} after the second backup`).toBe(true);
      });
    }
    // Most kills land inside the backup, and some after a secret was stored: else this test proved nothing.
    expect(failed).toBeGreaterThan(6);
    expect(saidStored).toBeGreaterThan(2);
  }, 180_000);

  it('a locked keyring: --keyring exits 3 saying it is locked and how to unlock; nothing is written', async () => {
    const locked = await startSecretService({ keyring: 'locked' });
    try {
      const env = { DBUS_SESSION_BUS_ADDRESS: locked.address };
      const dir = testdir();
      const required = await cli(dir, ['--project', uniqueId(), 'init', '--keyring'], env);
      report('init --keyring, locked keyring', required.ms);
      expect(required.code).toBe(3);
      expect(required.ms).toBeLessThan(10_000);
      expect(required.stderr).toMatch(/^envkit: OS keyring unavailable: the keyring is locked/);
      expect(required.stderr).toContain('fix: unlock it:');
      expect(existsSync(join(dir, '.env'))).toBe(false);
      const status = await cli(dir, ['--project', uniqueId(), 'keyring', 'status'], env);
      expect(status.code).toBe(3);
      expect(status.stdout).toContain('the keyring is locked');
    } finally {
      await locked.stop();
    }
  });
});
