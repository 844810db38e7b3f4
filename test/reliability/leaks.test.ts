// Leaks: canary secrets in `.env` (POSTGRES_PASSWORD, the API keys, MEMU_DB_URL) go through every library
// call and every command, on success and error paths, and must never appear
//   - in what the library throws: message, hint, issues, stack, and the whole cause chain;
//   - in what the library returns, where the result is not the value itself (get/load return values by design);
//   - in the argv or the environment of any process envkit starts: PATH shims log git, podman, docker and
//     podman-compose calls, the fake compose logs its own, and a watcher scans /proc/*/cmdline and environ
//     while the commands run;
//   - in CLI stdout/stderr and --json output (test/cli/leaks.test.ts covers the plain command matrix; here the
//     commands that start children, talk to PostgreSQL or the keyring).
// A control in each part shows the scan would see the canary where it is meant to be.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPostgresUrl,
  EnvkitError,
  encodeValue,
  loadEnv,
  parseDocument,
  parsePostgresUrl,
  readTextFile,
  safeLoadEnv,
  validateValues,
} from 'envkit';
import {
  checkDeployment,
  checkProject,
  exampleDrift,
  getValue,
  initProject,
  rotateSecret,
  setValues,
  unsetKeys,
} from 'envkit/project';
import { applyPasswordDirect, applyPasswordViaCompose, canLogin, rotatePassword, targetFromUrl } from 'envkit/rotate';
import { backupSecrets, forgetSecrets, MemoryStore, restoreEnv, storeStatus } from 'envkit/keyring';
import { memuSchema } from 'envkit/memu';
import { parsePending } from '../../packages/envkit/src/project/rotation/pending.js';
import { hasPostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';
import { requireTool } from '../helpers/require.js';
import { hasSecretService, SECRET_SERVICE_INSTALL, withSecretService, type SecretServiceHandle } from '../helpers/secret-service.js';
import { CANARY, findLeak, fragments, memuEnvText, runCli, scratchDir, startWatcher } from './support.js';

const FAKES = resolve(import.meta.dirname, '../fixtures/fake-compose');
const FAKE_COMPOSE = `${FAKES}/podman-compose --podman-path ${FAKES}/podman`;
const PROC_WATCHER = fileURLToPath(new URL('./fixtures/proc-watcher.mjs', import.meta.url));
const COMPOSE_YAML = 'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n  memu:\n    image: memu\n    environment:\n      MEMU_DB_URL: ${MEMU_DB_URL}\n';

/** More canaries for the error paths: each invalid for its variable in its own way. */
const BAD = {
  password: 'CanaryBadPw*Qz7Xc9Vb2Nm4As6Df',
  key: 'sk-CanaryBad Key with space 8Hj',
  unportable: 'CanaryUnport${HOME}Zx8Cv6Bn4',
  wrongSlot: 'sk-or-v1-CanaryWrongSlot3Fg5Hj7Kl',
  urlPassword: 'CanaryUrlOnly5Tg7Yh9Uj2Ik',
  latin1: 'CanaryLatin1Secret4Wq8Er',
} as const;
const ALL: string[] = [...Object.values(CANARY), ...Object.values(BAD)];

/** Everything an error carries, the cause chain included, as text. */
function errorText(error: unknown, depth = 0): string {
  if (depth > 8 || error === undefined || error === null) return '';
  if (typeof error !== 'object') return String(error);
  const e = error as Record<string, unknown> & { message?: unknown; stack?: unknown; cause?: unknown };
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(e)) if (key !== 'cause') own[key] = e[key];
  return [String(e.message ?? ''), String(e.stack ?? ''), safeJson(own), errorText(e.cause, depth + 1)].join('\n');
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return typeof v === 'bigint' ? String(v) : v;
    });
  } catch {
    return String(value);
  }
}

/** Runs `fn`, which must throw an EnvkitError; returns all its text. */
async function thrown(label: string, fn: () => unknown): Promise<{ label: string; text: string; error: EnvkitError }> {
  try {
    await fn();
  } catch (error) {
    expect(error, label).toBeInstanceOf(EnvkitError);
    return { label, text: errorText(error), error: error as EnvkitError };
  }
  throw new Error(`${label}: expected an EnvkitError`);
}

/** Secrets of the file as it is now (rotations make new ones): the values and the URL's password. */
function secretsIn(dir: string): string[] {
  const path = join(dir, '.env');
  if (!existsSync(path)) return [];
  const values = parseDocument(readFileSync(path, 'utf8')).toObject();
  const out = ['POSTGRES_PASSWORD', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY'].map((k) => values[k] ?? '').filter((v) => v.length >= 12);
  const url = /:\/\/[^:]*:([^@]*)@/.exec(values.MEMU_DB_URL ?? '')?.[1];
  if (url && url.length >= 12) out.push(url);
  return out;
}

describe('library calls: nothing thrown or returned carries a secret', () => {
  it('every error path: message, hint, issues, stack and cause are clean', async () => {
    const dir = scratchDir();
    const envPath = join(dir, '.env');
    const reset = (text = memuEnvText()) => writeFileSync(envPath, text, { mode: 0o600 });
    reset();
    const project = { cwd: dir, schema: memuSchema };
    const errors: { label: string; text: string; error: EnvkitError }[] = [];
    const pendingPath = join(dir, '.env.envkit-pending');
    const add = async (label: string, fn: () => unknown) => {
      errors.push(await thrown(label, fn));
      // A failed rotation keeps its new password in the pending file: one more secret to look for.
      try {
        const value = (JSON.parse(readFileSync(pendingPath, 'utf8')) as { value?: unknown }).value;
        if (typeof value === 'string' && value.length >= 12) ALL.push(value);
      } catch {
        // none, or deliberately broken
      }
    };

    // Validation of given values.
    await add('setValues: bad password', () => setValues({ ...project, force: true, values: { POSTGRES_PASSWORD: BAD.password } }));
    await add('setValues: bad key', () => setValues({ ...project, values: { OPENAI_API_KEY: BAD.key } }));
    await add('setValues: OpenRouter key as OpenAI key', () => setValues({ ...project, values: { OPENAI_API_KEY: BAD.wrongSlot } }));
    await add('setValues: unportable', () => setValues({ ...project, force: true, values: { POSTGRES_PASSWORD: BAD.unportable } }));
    await add('setValues: unknown unportable', () => setValues({ ...project, allowUnknown: true, values: { EXTRA: BAD.unportable } }));
    await add('setValues: derived URL', () => setValues({ ...project, values: { MEMU_DB_URL: `postgresql+psycopg://u:${BAD.urlPassword}@db:5432/d` } }));
    const fresh = { cwd: scratchDir(), schema: memuSchema };
    await add('initProject: bad given', () => initProject({ ...fresh, values: { OPENAI_API_KEY: BAD.key, POSTGRES_PASSWORD: BAD.password } }));
    await add('initProject: derived given', () => initProject({ ...fresh, values: { MEMU_DB_URL: `postgresql+psycopg://u:${BAD.urlPassword}@db:5432/d` } }));
    await add('rotateSecret: bad value', () => rotateSecret({ ...project, key: 'OPENAI_API_KEY', value: BAD.key }));
    await add('rotateSecret: derived key', () => rotateSecret({ ...project, key: 'MEMU_DB_URL' }));
    await add('rotatePassword: same value', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', value: CANARY.POSTGRES_PASSWORD, apply: 'none' }));
    await add('rotatePassword: bad value', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', value: BAD.password, apply: 'none' }));
    await add('rotatePassword: dry run bad value', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', value: BAD.password, apply: 'none', dryRun: true }));
    await add('rotatePassword: no apply mode', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD' }));
    await add('rotatePassword: direct, nothing listening', () =>
      rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'direct', dbHost: '127.0.0.1', dbPort: 1, timeoutMs: 3000 }),
    );
    // The pending file left by that failure holds the new password: a later mismatching call must not echo it.
    await add('rotatePassword: pending for another value', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', value: `${CANARY.POSTGRES_PASSWORD}X`, apply: 'none' }));
    writeFileSync(join(dir, '.env.envkit-pending'), `{"version":1,"key":"POSTGRES_PASSWORD","value":"${CANARY.POSTGRES_PASSWORD}`, { mode: 0o600 });
    await add('rotatePassword: truncated pending file', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none' }));
    await add('parsePending: broken JSON', () => parsePending(`{"value": "${CANARY.POSTGRES_PASSWORD}", oops}`, '/x/.env.envkit-pending'));
    await add('parsePending: bad fields', () => parsePending(JSON.stringify({ version: 1, key: CANARY.OPENAI_API_KEY, value: CANARY.POSTGRES_PASSWORD }), '/x/p'));
    writeFileSync(join(dir, '.env.envkit-pending'), '', { mode: 0o600 });
    await add('rotatePassword: empty pending file', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none' }));
    rmSync(join(dir, '.env.envkit-pending'));

    // The database side, without a database: compose that echoes what it got, and a direct login nowhere.
    const echo = join(scratchDir(), 'echo-compose');
    // As podman: a running db container, and an exec that echoes its argv and stdin (the SQL) and fails.
    writeFileSync(echo, `#!/bin/sh\nif [ "$1" = ps ]; then echo '[{"Id":"x","Names":["x"],"State":"running"}]'; exit 0; fi\necho "compose got: $*" >&2\ncat >&2\nexit 1\n`);
    chmodSync(echo, 0o755);
    await add('applyPasswordViaCompose: compose fails, echoing its stdin', () =>
      applyPasswordViaCompose({ project: { compose: { argv: ['podman-compose', '--podman-path', echo] }, dir, files: [] }, service: 'db', user: 'memu_production_user', database: 'memu_db', timeoutMs: 5000 }, CANARY.POSTGRES_PASSWORD),
    );
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE_YAML);
    await add('rotatePassword: compose fails (resume), echoing its stdin', () =>
      rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'compose', composeCmd: `podman-compose --podman-path ${echo}`, timeoutMs: 5000 }),
    );
    rmSync(join(dir, '.env.envkit-pending'), { force: true });
    await add('applyPasswordDirect: nothing listening', () =>
      applyPasswordDirect({ host: '127.0.0.1', port: 1, user: 'memu_production_user', database: 'memu_db' }, CANARY.POSTGRES_PASSWORD, BAD.password, { timeoutMs: 3000 }),
    );

    // URLs.
    await add('parsePostgresUrl: wrong scheme', () => parsePostgresUrl(`mysql://u:${BAD.urlPassword}@db:5432/d`));
    await add('parsePostgresUrl: no database', () => parsePostgresUrl(`postgresql+psycopg://u:${BAD.urlPassword}@db:5432`));
    await add('parsePostgresUrl: bad port', () => parsePostgresUrl(`postgresql+psycopg://u:${BAD.urlPassword}@db:99999/d`));
    await add('parsePostgresUrl: bad escape', () => parsePostgresUrl(`postgresql+psycopg://u:${BAD.urlPassword}%zz@db:5432/d`));
    await add('targetFromUrl: not a URL', () => targetFromUrl(`${BAD.urlPassword} is not a url`));
    await add('buildPostgresUrl: bad host', () => buildPostgresUrl({ user: 'u', password: BAD.urlPassword, database: 'd', host: 'bad host/' }));

    // Values and documents.
    await add('encodeValue: unportable', () => encodeValue(BAD.unportable, 'POSTGRES_PASSWORD'));
    await add('EnvDocument.set: unportable', () => parseDocument(memuEnvText()).set('POSTGRES_PASSWORD', BAD.unportable));
    await add('loadEnv: text with bad values', () =>
      loadEnv(memuSchema, { text: memuEnvText(BAD.password).replace(CANARY.OPENAI_API_KEY, BAD.key), file: '.env' }),
    );
    await add('loadEnv: env object with bad values', () =>
      loadEnv(memuSchema, { env: { POSTGRES_PASSWORD: BAD.password, OPENAI_API_KEY: BAD.wrongSlot, MEMU_DB_URL: `postgresql+psycopg://u:${BAD.urlPassword}@db:5432/d` } }),
    );
    reset(`${memuEnvText()}BROKEN="${BAD.password}\nAFTER=${CANARY.OPENAI_API_KEY}\n`);
    await add('loadEnv: unparseable file', () => loadEnv(memuSchema, { path: envPath }));
    await add('setValues: unparseable file', () => setValues({ ...project, values: { POSTGRES_DB: 'x' } }));
    await add('unsetKeys: unparseable file', () => unsetKeys({ ...project, keys: ['POSTGRES_DB'] }));
    await add('initProject: unparseable file', () => initProject(project));
    await add('rotatePassword: unparseable file', () => rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none' }));
    await add('getValue: unparseable file', () => getValue({ ...project, key: 'POSTGRES_PASSWORD' }));
    writeFileSync(envPath, Buffer.concat([Buffer.from(`POSTGRES_PASSWORD=${BAD.latin1}`), Buffer.from([0xe9, 0xe8]), Buffer.from(`${BAD.latin1}\n`)]));
    await add('readTextFile: invalid UTF-8', () => readTextFile(envPath));
    await add('setValues: invalid UTF-8', () => setValues({ ...project, values: { POSTGRES_DB: 'x' } }));
    reset();

    // The keyring side with a store that holds the canaries, then one that fails.
    const store = new MemoryStore();
    await backupSecrets({ ...project, store, projectId: 'leaks' });
    reset('');
    await add('restoreEnv: nothing stored for the id', () => restoreEnv({ ...project, store, projectId: 'nothing-here' }));
    reset(`${memuEnvText()}BROKEN="${BAD.password}\n`);
    await add('restoreEnv: damaged file without force', () => restoreEnv({ ...project, store, projectId: 'leaks' }));
    // A valid file that has every stored secret is no error (nothing to restore); one that lacks one is.
    reset(memuEnvText().replace(/^OPENAI_API_KEY=.*$/m, 'OPENAI_API_KEY='));
    await add('restoreEnv: valid file lacking a stored secret, without force', () => restoreEnv({ ...project, store, projectId: 'leaks' }));
    reset();
    const failing = new MemoryStore({ failWith: new EnvkitError('KEYRING', 'the keyring daemon went away') });
    await add('backupSecrets: failing store', () => backupSecrets({ ...project, store: failing, projectId: 'leaks' }));
    await add('storeStatus: failing store', () => storeStatus({ ...project, store: failing, projectId: 'leaks' }));

    expect(errors.length).toBeGreaterThan(40);
    const leaks = errors.flatMap((e) => {
      const piece = findLeak(e.text, ALL);
      return piece === undefined ? [] : [`${e.label} (${e.error.code}): carries ${piece}`];
    });
    expect(leaks).toEqual([]);
    // No SCRAM verifier either: the echoing compose got one on stdin.
    for (const e of errors) expect(e.text, e.label).not.toMatch(/SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]{8,}/);
    // Errors name what is wrong: the keys that are bad appear, so the scan looked at real messages.
    expect(errors.find((e) => e.label === 'setValues: bad password')!.text).toContain('POSTGRES_PASSWORD');
    expect(errors.find((e) => e.label === 'loadEnv: unparseable file')!.text).toMatch(/\.env:12:\d+/);
  }, 60_000);

  it('results: check, deployment check, drift, validation, init/set/unset/rotate summaries and the keyring calls carry no value', async () => {
    const dir = scratchDir();
    const envPath = join(dir, '.env');
    const project = { cwd: dir, schema: memuSchema };
    // Everything a check can complain about, each time with a canary in the way.
    const text = [
      memuEnvText().replace(`MEMU_DB_URL=postgresql+psycopg://memu_production_user:${CANARY.POSTGRES_PASSWORD}@`, `MEMU_DB_URL=postgresql+psycopg://memu_production_user:${BAD.urlPassword}@`),
      `OPENAI_API_KEY=${BAD.key.replace(/ /g, '_')}`,
      `EXTRA_TOKEN='${BAD.unportable}'`,
      `OPENROUTER_API_KEY="${BAD.password}`,
      `OPENROUTER_API_KEY=${CANARY.OPENROUTER_API_KEY}\0`,
      '',
    ].join('\n');
    writeFileSync(envPath, text, { mode: 0o644 });
    writeFileSync(join(dir, '.env.example'), `POSTGRES_PASSWORD=${CANARY.POSTGRES_PASSWORD}\nOPENAI_API_KEY=${CANARY.OPENAI_API_KEY}\n`);
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE_YAML.replace('${POSTGRES_PASSWORD}', CANARY.POSTGRES_PASSWORD));
    const results: { label: string; value: unknown }[] = [];
    results.push({ label: 'checkProject', value: checkProject({ ...project, git: false }) });
    results.push({ label: 'checkDeployment', value: await checkDeployment({ ...project, git: false }) });
    results.push({ label: 'exampleDrift', value: exampleDrift(memuSchema, readFileSync(join(dir, '.env.example'), 'utf8')) });
    results.push({ label: 'validateValues', value: validateValues(memuSchema, parseDocument(text).toObject()).issues });
    results.push({ label: 'safeLoadEnv', value: errorText((safeLoadEnv(memuSchema, { path: envPath }) as { error?: unknown }).error) });
    // A sound file for the writers.
    writeFileSync(envPath, memuEnvText(), { mode: 0o644 });
    results.push({ label: 'initProject', value: initProject(project) });
    results.push({ label: 'setValues', value: setValues({ ...project, force: true, values: { POSTGRES_DB: 'leak_db' } }) });
    results.push({ label: 'unsetKeys', value: unsetKeys({ ...project, keys: ['OPENROUTER_API_KEY'] }) });
    results.push({ label: 'rotateSecret', value: rotateSecret({ ...project, key: 'OPENAI_API_KEY', value: `${CANARY.OPENAI_API_KEY}New` }) });
    results.push({ label: 'rotatePassword (none)', value: await rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none' }) });
    results.push({ label: 'rotatePassword (dry run)', value: await rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none', dryRun: true }) });
    const store = new MemoryStore();
    results.push({ label: 'rotatePassword (store)', value: await rotatePassword({ ...project, key: 'POSTGRES_PASSWORD', apply: 'none', store, projectId: 'r' }) });
    results.push({ label: 'backupSecrets', value: await backupSecrets({ ...project, store, projectId: 'r' }) });
    results.push({ label: 'storeStatus', value: await storeStatus({ ...project, store, projectId: 'r' }) });
    writeFileSync(envPath, `${readFileSync(envPath, 'utf8')}BROKEN="x\n`, { mode: 0o600 });
    results.push({ label: 'restoreEnv (force)', value: await restoreEnv({ ...project, store, projectId: 'r', force: true }) });
    results.push({ label: 'forgetSecrets', value: await forgetSecrets({ ...project, store, projectId: 'r' }) });
    results.push({ label: 'canLogin (unreachable)', value: await canLogin({ host: '127.0.0.1', port: 1, user: 'u', database: 'd' }, CANARY.POSTGRES_PASSWORD, { timeoutMs: 2000 }) });

    const secrets = [...ALL, ...secretsIn(dir), `${CANARY.OPENAI_API_KEY}New`];
    const leaks = results.flatMap((r) => {
      const piece = findLeak(safeJson(r.value), secrets);
      return piece === undefined ? [] : [`${r.label} returned ${piece}`];
    });
    expect(leaks).toEqual([]);
    // The check did report the problems the canaries sit in (so the scan read real findings).
    const findings = safeJson(results[0]!.value);
    for (const rule of ['MEMU_DB_URL', 'NUL', 'OPENROUTER_API_KEY', '0644']) expect(findings).toContain(rule);
  }, 60_000);

  it('control: the scan finds a canary where it is meant to be (getValue, loadEnv)', () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    expect(findLeak(safeJson(getValue({ cwd: dir, schema: memuSchema, key: 'POSTGRES_PASSWORD' })), ALL)).toBeDefined();
    expect(findLeak(safeJson(loadEnv(memuSchema, { path: join(dir, '.env') })), ALL)).toBeDefined();
    expect(fragments(CANARY.POSTGRES_PASSWORD).length).toBeGreaterThan(3);
  });
});

/** PATH shims for the tools envkit may start: each logs its argv and environment, then runs the real one. */
function shimDir(log: string): string {
  const dir = scratchDir(0o755);
  const realPath = (process.env.PATH ?? '/usr/bin:/bin').split(':').filter((p) => p !== dir).join(':');
  for (const tool of ['git', 'podman', 'podman-compose', 'docker', 'psql', 'docker-compose']) {
    writeFileSync(
      join(dir, tool),
      [
        '#!/bin/bash',
        `{ printf 'argv: %q' "$0"; printf ' %q' "$@"; printf '\\n'; env | sed 's/^/env: /'; } >> ${JSON.stringify(log)}`,
        `real=$(PATH=${JSON.stringify(realPath)} command -v ${tool}) || exit 127`,
        'exec "$real" "$@"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  return dir;
}

interface ProcessReport {
  sweeps: number;
  commands: Record<string, number>;
  hits: { pid: number; command: string; where: string; needle: number }[];
}

/** Watch every process's argv and environment for `secrets` while `body` runs. */
async function watchProcesses(secrets: readonly string[], body: () => Promise<void>): Promise<ProcessReport> {
  const needles = join(scratchDir(), 'needles');
  writeFileSync(needles, secrets.flatMap((s) => fragments(s)).join('\n'), { mode: 0o600 });
  const watcher = await startWatcher<ProcessReport>(PROC_WATCHER, [needles]);
  try {
    await body();
  } catch (error) {
    await watcher.stop();
    throw error;
  }
  return watcher.stop();
}

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');
const withKeyring = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);
const withGit = requireTool('git', spawnOk('git', ['--version']), 'apt-get install git');

function spawnOk(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

describe.runIf(withPostgres && withGit)('child processes: no secret in any argv or environment', () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });
  // With a keyring of its own (withSecretService: run again, with a role and database of its own, when
  // gnome-keyring died of its upstream race), or without one.
  let attempt = 0;
  const withOptionalKeyring = (body: (keyring: SecretServiceHandle | undefined) => Promise<void>) => () =>
    withKeyring ? withSecretService(body) : body(undefined);

  it('check in a git repo, rotate through compose and directly, check --online, keyring init/backup/restore/status: argv, environment and output clean', withOptionalKeyring(async (keyring) => {
    attempt += 1;
    const dir = scratchDir(0o755);
    const user = `leak_user_${attempt}`;
    const db = `leak_db_${attempt}`;
    const log = join(scratchDir(), 'children.log');
    const composeLog = join(scratchDir(), 'compose.log');
    const shims = shimDir(log);
    const env: NodeJS.ProcessEnv = {
      PATH: `${shims}:${process.env.PATH}`,
      ENVKIT_TEST_PGHOST: pg.socketDir,
      ENVKIT_TEST_PGPORT: String(pg.port),
      ENVKIT_TEST_PSQL: join(shims, 'psql'),
      ENVKIT_TEST_COMPOSE_LOG: composeLog,
      ...(keyring ? { DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS } : {}),
    };
    writeFileSync(join(dir, '.env'), memuEnvText(CANARY.POSTGRES_PASSWORD, { user, db }).replace('http://192.168.25.165:11434/api', 'http://127.0.0.1:9/api'), { mode: 0o600 });
    writeFileSync(join(dir, 'compose.yaml'), COMPOSE_YAML);
    await pg.createRole(user, CANARY.POSTGRES_PASSWORD);
    await pg.psql(`ALTER ROLE "${user}" SUPERUSER;`);
    await pg.createDatabase(db, user);
    mkdirSync(join(dir, 'home'));

    const secrets = new Set<string>(Object.values(CANARY));
    const outputs: { args: string[]; all: string }[] = [];
    const keyringArgs = keyring ? ['--keyring'] : ['--no-keyring'];
    const commands: { args: string[]; input?: string; expect?: number }[] = [
      { args: ['check'] },
      // The Ollama URL points at a closed port: an error finding, exit 1, after the database login succeeded.
      { args: ['--json', 'check', '--online', '--db-host', pg.host, '--db-port', String(pg.port)], expect: 1 },
      { args: ['init', '--no-input', ...keyringArgs] },
      ...(keyring ? [{ args: ['backup'] }, { args: ['keyring', 'status'] }, { args: ['--json', 'keyring', 'status'] }] : []),
      // The guard finds the staged copy of the password (exit 1) through git diff and git cat-file.
      { args: ['guard', ...keyringArgs], expect: 1 },
      { args: ['--json', 'guard', ...keyringArgs], expect: 1 },
      { args: ['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, ...keyringArgs] },
      { args: ['--json', 'rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, '--db-host', pg.host, '--db-port', String(pg.port), ...keyringArgs] },
      { args: ['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', pg.host, '--db-port', String(pg.port), ...keyringArgs] },
      // The stand-in compose recreates memu from .env; envkit confirms the new URL in its environment.
      { args: ['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, '--restart', ...keyringArgs] },
      { args: ['rotate', 'OPENAI_API_KEY', '--stdin', ...keyringArgs], input: 'sk-ChildLeakNewKey3Ed5Rf7Tg9Yh\n' },
      { args: ['check', '--online', '--db-host', pg.host, '--db-port', String(pg.port)], expect: 1 },
      ...(keyring ? [{ args: ['restore', '--force'] }, { args: ['--json', 'restore', '--force', '--dry-run'] }] : []),
    ];
    const report = await watchProcesses([...secrets], async () => {
      // git sees the project as a repository, so check asks it about .env.
      const git = await runCli(dir, ['gitignore'], { env });
      expect(git.code, git.all).toBe(0);
      await new Promise<void>((r) => spawn('git', ['init', '-q'], { cwd: dir, stdio: 'ignore' }).on('close', () => r()));
      writeFileSync(join(dir, 'staged-leak.txt'), `pw=${CANARY.POSTGRES_PASSWORD}\n`);
      await new Promise<void>((r) => spawn('git', ['add', 'staged-leak.txt'], { cwd: dir, stdio: 'ignore' }).on('close', () => r()));
      for (const command of commands) {
        const result = await runCli(dir, command.args, { env: { ...env, HOME: join(dir, 'home') }, input: command.input, timeoutMs: 60_000 });
        outputs.push({ args: command.args, all: result.all });
        for (const s of secretsIn(dir)) secrets.add(s);
        expect(result.timedOut, command.args.join(' ')).toBe(false);
        // Each command really ran its path (children, database, keyring), not an early refusal.
        expect(result.code, `envkit ${command.args.join(' ')}:\n${result.all}`).toBe(command.expect ?? 0);
      }
    });
    // Rotations happened (new secrets were made and scanned for) and children ran.
    expect(secrets.size).toBeGreaterThan(Object.keys(CANARY).length + 3);
    const childLog = readFileSync(log, 'utf8');
    expect(childLog).toMatch(/^argv: \S*git /m);
    // The guard read the staged blob through git, with object ids on stdin only.
    expect(childLog).toMatch(/^argv: \S*git cat-file --batch --buffer$/m);
    expect(childLog).toMatch(/^argv: \S*psql /m);
    const composeText = readFileSync(composeLog, 'utf8');
    expect(composeText).toMatch(/^argv: podman exec -i fake-db psql /m);

    // The /proc watcher only knew the secrets at its start; the logs are checked for every secret seen.
    expect(report.hits).toEqual([]);
    expect(report.sweeps).toBeGreaterThan(50);
    expect(findLeak(childLog, secrets), 'a child got a secret in argv or environment (PATH shims)').toBeUndefined();
    expect(findLeak(composeText, secrets), 'compose got a secret in argv or environment').toBeUndefined();
    const printed = outputs.flatMap((o) => {
      const piece = findLeak(o.all, secrets);
      return piece === undefined ? [] : [`envkit ${o.args.join(' ')} printed ${piece}`];
    });
    expect(printed).toEqual([]);
    expect(findLeak(pg.readLog(), secrets), 'the server log holds a password').toBeUndefined();
  }), 240_000);

  it('control: the /proc watcher and the shims see a secret passed in argv', async () => {
    const log = join(scratchDir(), 'children.log');
    const shims = shimDir(log);
    const report = await watchProcesses([CANARY.OPENAI_API_KEY], async () => {
      await new Promise<void>((r) =>
        spawn(join(shims, 'git'), ['-c', `user.name=${CANARY.OPENAI_API_KEY}`, 'var', 'GIT_COMMITTER_IDENT'], { stdio: 'ignore', env: { PATH: process.env.PATH, GIT_TRACE: '0' } }).on('close', () => r()),
      );
      await new Promise<void>((r) => spawn('sleep', ['0.3'], { stdio: 'ignore', env: { PATH: process.env.PATH, LEAKED: CANARY.OPENAI_API_KEY } }).on('close', () => r()));
    });
    expect(findLeak(readFileSync(log, 'utf8'), [CANARY.OPENAI_API_KEY])).toBeDefined();
    expect(report.hits.some((h) => h.where === 'environment' && h.command.startsWith('sleep'))).toBe(true);
  });
});
