import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PgCluster } from '../../../../../test/helpers/postgres.js';
import { requireTool } from '../../../../../test/helpers/require.js';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { EnvkitError } from '../../errors.js';
import { parseDocument } from '../../dotenv/document.js';
import { acquireLock } from '../../files/lock.js';
import { canLogin, applyPasswordDirect } from '../../database/apply-direct.js';
import { MemoryStore } from '../../keyring/memory-store.js';
import type { SecretStore } from '../../keyring/store.js';
import { memuSchema } from '../../schema/memu.js';
import { defineSchema, variable } from '../../schema/define.js';
import { buildPostgresUrl, parsePostgresUrl } from '../../secrets/derive.js';
import { scramSha256Verifier } from '../../secrets/scram.js';
import { generatePassword } from '../../secrets/password.js';
import { initProject } from '../init.js';
import { projectPaths } from '../context.js';
import { defaultProjectId } from '../keyring/project-id.js';
import { rotateSecretWithKeyring } from '../edit-keyring.js';
import { readPending, writePending } from './pending.js';
import { rotatePassword } from './rotate.js';
import { databaseKeysFor } from './keys.js';
import type { RotatePasswordOptions } from './options.js';
import type { RotationProgress } from './steps.js';
import { checkStoredPasswordViaCompose, restartService, verifierMatches } from './compose.js';
import { rejected } from '../../../../../test/helpers/errors.js';
import { echoingCompose } from '../../../../../test/helpers/rotation.js';

const FAKES = resolve(import.meta.dirname, '../../../../../test/fixtures/fake-compose');
/** The stand-in podman-compose, driving the stand-in podman (test/fixtures/fake-compose). */
const FAKE_COMPOSE = `${FAKES}/podman-compose --podman-path ${FAKES}/podman`;
const COMPOSE_YAML = 'services:\n  db:\n    image: postgres:16\n  memu:\n    image: memu\n';

const failure = rejected;

function envValues(dir: string): Record<string, string> {
  return parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
}

describe('databaseKeysFor', () => {
  it('finds the memu login and its derived URL', () => {
    expect(databaseKeysFor(memuSchema, 'POSTGRES_PASSWORD')).toEqual({
      password: 'POSTGRES_PASSWORD',
      user: 'POSTGRES_USER',
      database: 'POSTGRES_DB',
      url: 'MEMU_DB_URL',
    });
  });

  it('says no for every other key: they are rotated in the file only', () => {
    for (const key of ['OPENAI_API_KEY', 'POSTGRES_USER', 'MEMU_DB_URL', 'NOT_A_KEY']) {
      expect(databaseKeysFor(memuSchema, key)).toBeUndefined();
    }
  });

  it('takes other names and derives the URL key from the schema', () => {
    const schema = customSchema();
    expect(databaseKeysFor(schema, 'DB_PASS')).toBeUndefined();
    expect(databaseKeysFor(schema, 'DB_PASS', { password: 'DB_PASS', user: 'DB_USER', database: 'DB_NAME' })).toEqual({
      password: 'DB_PASS',
      user: 'DB_USER',
      database: 'DB_NAME',
      url: 'DATABASE_URL',
    });
    expect(() => databaseKeysFor(schema, 'DB_PASS', { password: 'DB_PASS', user: 'DB_USER', database: 'DB_NAME', url: 'NOPE' })).toThrow(
      /NOPE \(the database URL\) is not a variable/,
    );
  });
});

describe('verifierMatches', () => {
  it('recognises the verifier of the password, with any salt and iteration count', () => {
    expect(verifierMatches(scramSha256Verifier('right-password-123'), 'right-password-123')).toBe(true);
    expect(verifierMatches(scramSha256Verifier('right-password-123', { iterations: 10 }), 'right-password-123')).toBe(true);
    expect(verifierMatches(scramSha256Verifier('right-password-123'), 'wrong-password-123')).toBe(false);
    expect(verifierMatches('md5' + 'a'.repeat(32), 'right-password-123')).toBe(false);
    expect(verifierMatches('', 'right-password-123')).toBe(false);
  });
});

/** A schema with no memu names: the protocol must not depend on them. */
function customSchema() {
  const parts = ['DB_USER', 'DB_PASS', 'DB_NAME'] as const;
  return defineSchema('custom', {
    DB_USER: variable(z.string().min(1), { description: 'user' }),
    DB_PASS: variable(z.string().min(16), { description: 'password', secret: true, generate: () => generatePassword() }),
    DB_NAME: variable(z.string().min(1), { description: 'database' }),
    API_TOKEN: variable(z.string().min(8).optional(), { description: 'token', secret: true, generate: () => generatePassword() }),
    DATABASE_URL: variable(z.string(), {
      description: 'url',
      secret: true,
      derive: {
        from: parts,
        compute(values, current) {
          if (!parts.every((p) => values[p])) return undefined;
          const kept = current ? parsePostgresUrl(current) : { host: 'db', port: 5432 };
          return buildPostgresUrl({
            scheme: 'postgresql',
            user: values.DB_USER!,
            password: values.DB_PASS!,
            database: values.DB_NAME!,
            host: kept.host,
            port: kept.port,
          });
        },
      },
    }),
  });
}

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('rotatePassword (real PostgreSQL)', () => {
  let pg: PgCluster;
  let count = 0;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  interface Project {
    dir: string;
    user: string;
    db: string;
    /** The password the database and .env have at the start. */
    old: string;
    log: string;
    login(password: string): ReturnType<typeof canLogin>;
    base: RotatePasswordOptions;
    composeEnv: NodeJS.ProcessEnv;
  }

  /** An init'd memu project whose role and database exist with the .env password. */
  async function project(options: { superuser?: boolean; files?: Record<string, string> } = {}): Promise<Project> {
    count += 1;
    const user = `rot_user_${count}`;
    const db = `rot_db_${count}`;
    const dir = testdir(options.files ?? {});
    initProject({ cwd: dir, schema: memuSchema, values: { POSTGRES_USER: user, POSTGRES_DB: db } });
    const old = envValues(dir).POSTGRES_PASSWORD!;
    await pg.createRole(user, old);
    // The postgres image's POSTGRES_USER is the bootstrap superuser.
    if (options.superuser) await pg.psql(`ALTER ROLE "${user}" SUPERUSER;`);
    await pg.createDatabase(db, user);
    const log = join(dir, 'compose-argv.log');
    const composeEnv = {
      PATH: process.env.PATH,
      ENVKIT_TEST_PGHOST: pg.socketDir,
      ENVKIT_TEST_PGPORT: String(pg.port),
      ENVKIT_TEST_PSQL: pg.psqlPath,
      ENVKIT_TEST_COMPOSE_LOG: log,
    };
    return {
      dir,
      user,
      db,
      old,
      log,
      composeEnv,
      login: (password) => canLogin({ host: pg.host, port: pg.port, user, database: db }, password),
      base: { cwd: dir, schema: memuSchema, key: 'POSTGRES_PASSWORD', env: composeEnv },
    };
  }

  const direct = (): Partial<RotatePasswordOptions> => ({ apply: 'direct', dbHost: pg.host, dbPort: pg.port });
  const compose = (): Partial<RotatePasswordOptions> => ({ composeCmd: FAKE_COMPOSE });

  /** The database and .env agree, the URL logs in (host/port overridden), nothing is pending. */
  async function expectConsistent(p: Project): Promise<string> {
    const values = envValues(p.dir);
    const password = values.POSTGRES_PASSWORD!;
    expect(await p.login(password)).toEqual({ ok: true });
    const url = parsePostgresUrl(values.MEMU_DB_URL!);
    expect(url.password).toBe(password);
    expect(await canLogin({ host: pg.host, port: pg.port, user: url.user, database: url.database }, url.password)).toEqual({ ok: true });
    expect(existsSync(projectPaths({ cwd: p.dir }).pending)).toBe(false);
    return password;
  }

  it('direct: the old password is refused, the new one accepted, .env and its URL follow', async () => {
    const p = await project();
    const events: RotationProgress[] = [];
    const result = await rotatePassword({ ...p.base, ...direct(), onStep: (e) => events.push(e) });
    const next = await expectConsistent(p);
    expect(next).not.toBe(p.old);
    expect((await p.login(p.old)).ok).toBe(false);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['lock', 'done'],
      ['pending', 'done'],
      ['apply', 'done'],
      ['test', 'done'],
      ['write', 'done'],
      ['finish', 'done'],
      ['restart', 'skipped'],
    ]);
    expect(result).toMatchObject({ apply: 'direct', database: 'changed', resumed: false, generated: true, dryRun: false });
    expect(result.keys.map((k) => k.key).sort()).toEqual(['MEMU_DB_URL', 'POSTGRES_PASSWORD']);
    // No compose file here: no compose command, which would find nothing to recreate (the app runs another way).
    expect(result.restart).toEqual({ ran: false });
    // Every step reported start and end, in order; nothing secret anywhere.
    expect(events.filter((e) => e.status === 'running').map((e) => e.name)).toEqual(['lock', 'pending', 'apply', 'test', 'write', 'finish']);
    const text = JSON.stringify({ result, events });
    expect(text).not.toContain(p.old);
    expect(text).not.toContain(next);
    expect(statSync(join(p.dir, '.env')).mode & 0o777).toBe(0o600);
    expect(existsSync(projectPaths({ cwd: p.dir }).lock)).toBe(false);
  });

  it('compose (the default with a compose file): SQL on stdin, the stored verifier proves the new password', async () => {
    const p = await project({ superuser: true, files: { 'compose.yaml': COMPOSE_YAML } });
    const result = await rotatePassword({ ...p.base, ...compose() });
    const next = await expectConsistent(p);
    expect((await p.login(p.old)).ok).toBe(false);
    expect(result.apply).toBe('compose');
    const test = result.steps.find((s) => s.name === 'test')!;
    expect(test.status).toBe('done');
    expect(test.detail).toMatch(/stored SCRAM verifier of role "rot_user_\d+" matches the new password/);
    expect(result.restart.command).toBe(`${FAKE_COMPOSE} up -d --force-recreate memu`);
    const calls = readFileSync(p.log, 'utf8');
    // Three lookups of the db container by its labels (before anything is written, then for each psql run),
    // two psql runs through podman exec; no compose call.
    expect(calls.match(/^argv: /gm)).toHaveLength(5);
    expect(calls.match(/^argv: podman ps -a --filter label=com\.docker\.compose\.service=db /gm)).toHaveLength(3);
    expect(calls).toContain(`argv: podman exec -i fake-db psql -v ON_ERROR_STOP=1 -X -q -w -U ${p.user} -d ${p.db}\n`);
    expect(calls).toContain(`argv: podman exec -i fake-db psql -v ON_ERROR_STOP=1 -X -q -w -A -t -U ${p.user} -d ${p.db}\n`);
    for (const secret of [p.old, next]) expect(calls).not.toContain(secret);
    for (const secret of [p.old, next]) expect(pg.readLog()).not.toContain(secret);
  });

  it('compose as a non-superuser: the test says it proved nothing, or logs in when a TCP route is given', async () => {
    const p = await project({ files: { 'compose.yaml': COMPOSE_YAML } });
    const first = await rotatePassword({ ...p.base, ...compose() });
    const test = first.steps.find((s) => s.name === 'test')!;
    expect(test.status).toBe('skipped');
    // Not proven, and why: no host and port for a login test (the CLI adds its --db-host/--db-port).
    expect(test).toMatchObject({ reason: 'not-proven', detail: expect.stringMatching(/not proven: user "rot_user_\d+" is not a superuser/) });
    await expectConsistent(p);
    const second = await rotatePassword({ ...p.base, ...compose(), dbHost: pg.host, dbPort: pg.port });
    expect(second.steps.find((s) => s.name === 'test')).toMatchObject({ status: 'done', detail: expect.stringMatching(/^logged in to 127\.0\.0\.1:\d+/) });
    await expectConsistent(p);
  });

  it('a failed test keeps .env and the pending file; the next run resumes and finishes', async () => {
    const p = await project({ superuser: true, files: { 'compose.yaml': COMPOSE_YAML } });
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    await pg.psql(`ALTER ROLE "${p.user}" VALID UNTIL '2000-01-01';`);
    const error = await failure(rotatePassword({ ...p.base, ...compose() }));
    expect(error.code).toBe('ROTATION');
    expect(error.message).toMatch(/stopped at step "test": the database does not have the new password: the password of role "rot_user_\d+" has expired/);
    expect(error.hint).toMatch(/\.env is unchanged and the new POSTGRES_PASSWORD is kept in \.env\.envkit-pending; run the rotation again/);
    expect(error).toMatchObject({ reason: 'stopped', data: { key: 'POSTGRES_PASSWORD', step: 'test' } });
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    const pending = readPending(projectPaths({ cwd: p.dir }).pending)!;
    expect(pending).toMatchObject({ key: 'POSTGRES_PASSWORD', apply: 'compose', step: 'applied' });

    await pg.psql(`ALTER ROLE "${p.user}" VALID UNTIL 'infinity';`);
    const logged = readFileSync(p.log, 'utf8').length;
    const result = await rotatePassword({ ...p.base, ...compose() });
    expect(result.resumed).toBe(true);
    expect(result.generated).toBe(false);
    expect(result.steps.find((s) => s.name === 'pending')).toMatchObject({ status: 'already-done', detail: expect.stringMatching(/last step: applied/) });
    // The stored verifier already matches the pending password: nothing is applied twice.
    expect(result.database).toBe('already-changed');
    expect(result.steps.find((s) => s.name === 'apply')).toMatchObject({
      status: 'already-done',
      detail: expect.stringMatching(/^the stored SCRAM verifier of role "rot_user_\d+" already matches the new password/),
    });
    expect(readFileSync(p.log, 'utf8').slice(logged)).not.toMatch(/^argv: exec -T db psql -v ON_ERROR_STOP=1 -X -q -w -U /m);
    expect(await expectConsistent(p)).toBe(pending.value);
  });

  it('direct, resumed after the ALTER: the database already accepts the pending password', async () => {
    const p = await project();
    const paths = projectPaths({ cwd: p.dir });
    const next = generatePassword();
    writePending(paths.pending, { version: 1, key: 'POSTGRES_PASSWORD', value: next, created: new Date().toISOString(), apply: 'direct', step: 'created' });
    await applyPasswordDirect({ host: pg.host, port: pg.port, user: p.user, database: p.db }, p.old, next);
    const result = await rotatePassword({ ...p.base, ...direct() });
    expect(result).toMatchObject({ resumed: true, database: 'already-changed' });
    expect(result.steps.find((s) => s.name === 'apply')?.status).toBe('already-done');
    expect(await expectConsistent(p)).toBe(next);
  });

  it('resumed after the .env write: nothing is applied twice, the pending file goes', async () => {
    const p = await project();
    const paths = projectPaths({ cwd: p.dir });
    const first = await rotatePassword({ ...p.base, ...direct() });
    expect(first.database).toBe('changed');
    const current = envValues(p.dir).POSTGRES_PASSWORD!;
    writePending(paths.pending, { version: 1, key: 'POSTGRES_PASSWORD', value: current, created: new Date().toISOString(), apply: 'direct', step: 'tested' });
    const result = await rotatePassword({ ...p.base, ...direct() });
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'already-done', 'already-done', 'done', 'already-done', 'done', 'skipped']);
    expect(result.file.action).toBe('unchanged');
    expect(await expectConsistent(p)).toBe(current);
  });

  it('a wrong current password stops at apply with .env untouched; compose finishes it with the same value', async () => {
    const p = await project({ superuser: true, files: { 'compose.yaml': COMPOSE_YAML } });
    const wrong = generatePassword();
    await pg.psql(`SET log_statement = 'none';\nALTER ROLE "${p.user}" PASSWORD '${wrong}';\n`);
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const error = await failure(rotatePassword({ ...p.base, ...direct() }));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/stopped at step "apply": PostgreSQL at 127\.0\.0\.1:\d+ refused the current password/);
    expect(error.hint).toMatch(/apply the change through compose/);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    const pending = readPending(projectPaths({ cwd: p.dir }).pending)!;
    expect(`${error.message}${error.hint}`).not.toContain(pending.value);
    expect(await p.login(wrong)).toEqual({ ok: true });

    const result = await rotatePassword({ ...p.base, ...compose() });
    expect(result).toMatchObject({ resumed: true, apply: 'compose' });
    expect(await expectConsistent(p)).toBe(pending.value);
  });

  it('an unreachable database stops at apply with .env untouched; the next run finishes', async () => {
    const p = await project();
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const error = await failure(rotatePassword({ ...p.base, ...direct(), dbPort: 1 }));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/stopped at step "apply": could not reach PostgreSQL at 127\.0\.0\.1:1/);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(projectPaths({ cwd: p.dir }).pending)).toBe(true);
    // Resumed: the first thing tried is whether the pending password already works; still unreachable.
    const again = await failure(rotatePassword({ ...p.base, ...direct(), dbPort: 1 }));
    expect(again.message).toMatch(/could not reach PostgreSQL/);
    await rotatePassword({ ...p.base, ...direct() });
    await expectConsistent(p);
  });

  it('refuses a pending rotation of another key, or of another value', async () => {
    const p = await project();
    const paths = projectPaths({ cwd: p.dir });
    writePending(paths.pending, { version: 1, key: 'OPENAI_API_KEY', value: 'sk-abcdefghijklmnopqrstu', created: new Date().toISOString(), apply: 'none', step: 'created' });
    const other = await failure(rotatePassword({ ...p.base, ...direct() }));
    expect(other.code).toBe('ROTATION');
    expect(other.message).toMatch(/a rotation of OPENAI_API_KEY .* is pending in \.env\.envkit-pending/);
    // The way on is to finish that one first (the CLI names `envkit rotate OPENAI_API_KEY` from the data).
    expect(other).toMatchObject({ reason: 'other-key-pending', data: { key: 'POSTGRES_PASSWORD', pendingKey: 'OPENAI_API_KEY' } });

    const mine = generatePassword();
    writePending(paths.pending, { version: 1, key: 'POSTGRES_PASSWORD', value: mine, created: new Date().toISOString(), apply: 'direct', step: 'created' });
    const given = await failure(rotatePassword({ ...p.base, ...direct(), value: generatePassword() }));
    expect(given.code).toBe('ROTATION');
    expect(given.message).toMatch(/with another value/);
    // The same value is fine: that is the command run again.
    await rotatePassword({ ...p.base, ...direct(), value: mine });
    expect(await expectConsistent(p)).toBe(mine);
  });

  it('refuses an invalid given value before anything is written', async () => {
    const p = await project();
    const error = await failure(rotatePassword({ ...p.base, ...direct(), value: 'short' }));
    expect(error.code).toBe('VALIDATION');
    expect(existsSync(projectPaths({ cwd: p.dir }).pending)).toBe(false);
    expect(await p.login(p.old)).toEqual({ ok: true });
  });

  it('--dry-run changes nothing: no lock, no pending file, no database change', async () => {
    const p = await project({ files: { 'compose.yaml': COMPOSE_YAML } });
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const result = await rotatePassword({ ...p.base, ...compose(), dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.steps.every((s) => s.status === 'skipped')).toBe(true);
    expect(result.steps.find((s) => s.name === 'apply')!.detail).toMatch(/^would run psql -U rot_user_\d+ -d rot_db_\d+ in the running db container with ALTER ROLE/);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    const paths = projectPaths({ cwd: p.dir });
    expect(existsSync(paths.pending) || existsSync(paths.lock) || existsSync(p.log)).toBe(false);
    expect(await p.login(p.old)).toEqual({ ok: true });
  });

  it('without a compose file and without apply: refuses and explains the choices that need none, or giving one', async () => {
    const p = await project();
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const error = await failure(rotatePassword({ ...p.base }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/no compose file in .*: say how to change the database password/);
    expect(error.reason).toBe('apply-unknown');
    // Compose mode is offered as giving the compose file: there is none to run psql through.
    expect(error.hint).toMatch(/^give the compose file \(composeFiles; .*\), or choose the apply mode: direct \(.*\), none \(/);
    expect(error.hint).not.toMatch(/apply mode: compose/);
    const noDb = await failure(rotatePassword({ ...p.base, composeFiles: ['other.yaml'] }));
    expect(noDb.message).toMatch(/compose file other\.yaml does not exist/);
    writeFileSync(join(p.dir, 'compose.yaml'), 'services:\n  postgres:\n    image: postgres:16\n');
    const wrongService = await failure(rotatePassword({ ...p.base }));
    expect(wrongService.message).toMatch(/defines no service "db"/);
    expect(wrongService.reason).toBe('service-unknown');
    writeFileSync(join(p.dir, 'compose.yaml'), 'services:\n  db:\n    image: [postgres\n');
    const broken = await failure(rotatePassword({ ...p.base }));
    expect(broken.message).toMatch(/compose\.yaml:\d+ does not parse \(YAML syntax error: .*\): fix it, or say how to change the database password/);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(projectPaths({ cwd: p.dir }).pending)).toBe(false);
  });

  it('--apply none: .env only, and the result says the database was not changed', async () => {
    const p = await project();
    const result = await rotatePassword({ ...p.base, apply: 'none' });
    expect(result.database).toBe('unchanged');
    expect(result.steps.find((s) => s.name === 'apply')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/the database was NOT changed/) });
    expect(result.steps.find((s) => s.name === 'restart')!.detail).toMatch(/once the database has the new password/);
    expect(envValues(p.dir).POSTGRES_PASSWORD).not.toBe(p.old);
    expect(await p.login(p.old)).toEqual({ ok: true });
  });

  it('a second rotation while one holds the lock fails with BUSY and changes nothing', async () => {
    const p = await project();
    const lock = acquireLock(projectPaths({ cwd: p.dir }).lock, { purpose: 'rotate' });
    try {
      const events: RotationProgress[] = [];
      const error = await failure(rotatePassword({ ...p.base, ...direct(), onStep: (e) => events.push(e) }));
      expect(error.code).toBe('BUSY');
      expect(events.at(-1)).toMatchObject({ name: 'lock', status: 'failed' });
      expect(existsSync(projectPaths({ cwd: p.dir }).pending)).toBe(false);
    } finally {
      lock.release();
    }
  });

  it('keeps the new value in the keyring with the previous one as history; a broken keyring only warns', async () => {
    const p = await project();
    const store = new MemoryStore();
    const id = defaultProjectId({ cwd: p.dir });
    const stored = await rotatePassword({ ...p.base, ...direct(), store });
    const next = envValues(p.dir);
    expect(stored.keyring).toMatchObject({ status: 'stored', backup: { service: `envkit:${id}`, backend: 'memory' } });
    expect(stored.steps.find((s) => s.name === 'finish')!.detail).toMatch(/POSTGRES_PASSWORD and MEMU_DB_URL kept in the memory keyring as envkit:.*, the previous password kept as its history$/);
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(next.POSTGRES_PASSWORD);
    expect(await store.get(id, 'MEMU_DB_URL')).toBe(next.MEMU_DB_URL);
    expect(await store.history(id, 'POSTGRES_PASSWORD')).toEqual([p.old]);
    // A store that already had the old value (init put it there) gets the new one on top of it.
    const seeded = new MemoryStore();
    await seeded.set('seeded', 'POSTGRES_PASSWORD', next.POSTGRES_PASSWORD!);
    await rotatePassword({ ...p.base, ...direct(), store: seeded, projectId: 'seeded' });
    expect(await seeded.history('seeded', 'POSTGRES_PASSWORD')).toEqual([next.POSTGRES_PASSWORD]);
    expect(await seeded.get('seeded', 'POSTGRES_PASSWORD')).toBe(envValues(p.dir).POSTGRES_PASSWORD);

    const broken = new MemoryStore({ failWith: new EnvkitError('KEYRING', 'the keyring is locked') });
    const result = await rotatePassword({ ...p.base, ...direct(), store: broken, onStep: () => { throw new Error('renderer broke'); } });
    expect(result.steps.find((s) => s.name === 'finish')?.status).toBe('done');
    expect(result.keyring.status).toBe('failed');
    expect(result.warnings).toEqual([{ reason: 'keyring-failed', key: 'POSTGRES_PASSWORD', message: 'the keyring is locked', file: '.env' }]);
    await expectConsistent(p);
  });

  it('a keyring that dies after storing the new password: the warning names the URL it did not store, not the password', async () => {
    const p = await project();
    const store = new MemoryStore();
    const id = defaultProjectId({ cwd: p.dir });
    // Writes: the old password (as the history to be), the new one, then the URL, where the keyring dies.
    let writes = 0;
    const dying: SecretStore = {
      backend: store.backend,
      get: (project, key) => store.get(project, key),
      set: async (project, key, value) => {
        if (++writes === 3) throw new EnvkitError('KEYRING', `OS keyring failed writing ${key}: the Secret Service went away while answering`, { reason: 'keyring-unusable' });
        return store.set(project, key, value);
      },
      delete: (project, key) => store.delete(project, key),
      history: (project, key) => store.history(project, key),
    };
    const result = await rotatePassword({ ...p.base, ...direct(), store: dying });
    expect(result.keyring.status).toBe('failed');
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(envValues(p.dir).POSTGRES_PASSWORD);
    expect(await store.get(id, 'MEMU_DB_URL')).toBeUndefined();
    expect(result.warnings).toEqual([
      {
        reason: 'keyring-failed',
        key: 'MEMU_DB_URL',
        message: 'OS keyring failed writing MEMU_DB_URL: the Secret Service went away while answering; POSTGRES_PASSWORD was stored before that',
        file: '.env',
      },
    ]);
    expect(result.steps.find((s) => s.name === 'finish')!.detail).toMatch(/; the keyring could not store MEMU_DB_URL \(see warnings\)$/);
    await expectConsistent(p);
  });

  it('--restart recreates the app service with compose, without a stale exported password', async () => {
    const p = await project({ superuser: true, files: { 'compose.yaml': COMPOSE_YAML } });
    // A compose that handles `up` itself and passes `exec` on to the stand-in.
    const upLog = join(p.dir, 'up.log');
    writeFileSync(
      join(p.dir, 'compose-with-up'),
      `#!/bin/sh\ncase " $* " in *" up "*) { echo "up: $*"; env | grep -c '^POSTGRES_PASSWORD=' ; } >>"${upLog}";; esac\nexec ${FAKES}/podman-compose "$@"\n`,
      { mode: 0o755 },
    );
    const env = { ...p.composeEnv, POSTGRES_PASSWORD: p.old };
    const withUp = `${join(p.dir, 'compose-with-up')} --podman-path ${FAKES}/podman`;
    const result = await rotatePassword({ ...p.base, composeCmd: withUp, restart: true, env });
    expect(result.restart).toEqual({ command: `${withUp} up -d --force-recreate memu`, ran: true });
    expect(result.steps.at(-1)).toMatchObject({ name: 'restart', status: 'done', detail: expect.stringMatching(/the new memu container is running with the new MEMU_DB_URL$/) });
    expect(readFileSync(upLog, 'utf8')).toBe(`up: --podman-path ${FAKES}/podman up -d --force-recreate memu\n0\n`);
    expect(result.warnings).toEqual([{ reason: 'exported', keys: ['POSTGRES_PASSWORD'], file: '.env' }]);
    await expectConsistent(p);

    // A restart that fails does not undo the finished rotation: it is a failed step and a warning.
    writeFileSync(join(p.dir, 'compose-with-up'), `#!/bin/sh\ncase " $* " in *" up "*) echo "memu: no such image" >&2; exit 1;; esac\nexec ${FAKES}/podman-compose "$@"\n`);
    const failed = await rotatePassword({ ...p.base, composeCmd: withUp, restart: true });
    expect(failed.steps.at(-1)).toMatchObject({ name: 'restart', status: 'failed', detail: expect.stringMatching(/memu: no such image/) });
    expect(failed.warnings.at(-1)).toMatchObject({ reason: 'restart-failed', command: `${withUp} up -d --force-recreate memu` });
    await expectConsistent(p);

    // Nor is an exit status of 0 believed: podman-compose 1.0.3 exits 0 when podman failed. The recreated
    // container must be running with the new URL; here `up` "succeeds" and leaves the old container.
    writeFileSync(join(p.dir, 'compose-with-up'), `#!/bin/sh\ncase " $* " in *" up "*) echo "exit code: 125"; exit 0;; esac\nexec ${FAKES}/podman-compose "$@"\n`);
    const unconfirmed = await rotatePassword({ ...p.base, composeCmd: withUp, restart: true });
    expect(unconfirmed.restart.ran).toBe(false);
    expect(unconfirmed.steps.at(-1)).toMatchObject({ name: 'restart', status: 'failed', detail: 'the recreated memu container does not have the new MEMU_DB_URL' });
    await expectConsistent(p);
  });

  it('a failed --restart whose compose echoes the container command leaks no password', async () => {
    const p = await project({ superuser: true, files: { 'compose.yaml': COMPOSE_YAML } });
    // Like podman-compose: the `podman create` line with every variable of .env as `-e`, then a failure.
    const composeCmd = echoingCompose(p.dir);
    const oldUrl = envValues(p.dir).MEMU_DB_URL!;
    const result = await rotatePassword({ ...p.base, composeCmd, restart: true });
    const now = envValues(p.dir);
    const restart = result.steps.at(-1)!;
    expect(restart).toMatchObject({ name: 'restart', status: 'failed' });
    // The exit status and the redacted output explain it.
    expect(restart.detail).toMatch(/failed \(exit 125\)/);
    expect(restart.detail).toMatch(/podman create --name=memu_memu_1 .*-e POSTGRES_PASSWORD=<redacted>/);
    expect(restart.detail).toContain('the container name is already in use');
    expect(result.warnings.at(-1)).toMatchObject({ reason: 'restart-failed', message: expect.stringMatching(/failed \(exit 125\)/) });
    const text = JSON.stringify(result);
    for (const secret of [p.old, now.POSTGRES_PASSWORD!, oldUrl, now.MEMU_DB_URL!]) expect(text).not.toContain(secret);
    await expectConsistent(p);
  });

  it('works for a schema with other names (no memu in the protocol)', async () => {
    count += 1;
    const user = `custom_${count}`;
    const schema = customSchema();
    const dir = testdir();
    const old = generatePassword();
    initProject({ cwd: dir, schema, values: { DB_USER: user, DB_PASS: old, DB_NAME: 'postgres' } });
    await pg.createRole(user, old);
    const databaseKeys = { password: 'DB_PASS', user: 'DB_USER', database: 'DB_NAME' };
    const result = await rotatePassword({ cwd: dir, schema, key: 'DB_PASS', databaseKeys, apply: 'direct', dbHost: pg.host, dbPort: pg.port });
    expect(result.keys.map((k) => k.key).sort()).toEqual(['DATABASE_URL', 'DB_PASS']);
    const values = envValues(dir);
    expect(parsePostgresUrl(values.DATABASE_URL!).password).toBe(values.DB_PASS);
    expect(await canLogin({ host: pg.host, port: pg.port, user, database: 'postgres' }, values.DB_PASS!)).toEqual({ ok: true });
    const notDb = await failure(rotatePassword({ cwd: dir, schema, key: 'API_TOKEN', databaseKeys }));
    expect(notDb.code).toBe('USAGE');
    expect(notDb.message).toMatch(/API_TOKEN is not the database password of the custom schema/);
  });
});

describe('rotatePassword without a database', () => {
  /** An init'd memu project with a compose file; nothing runs a database. */
  function plainProject(values: Record<string, string> = {}): string {
    const dir = testdir({ 'compose.yaml': COMPOSE_YAML });
    initProject({ cwd: dir, schema: memuSchema, values });
    return dir;
  }

  it('refuses --apply none with --restart before anything is written: the app would get a password the database lacks', async () => {
    const dir = plainProject();
    const before = readFileSync(join(dir, '.env'), 'utf8');
    const paths = projectPaths({ cwd: dir });
    // No compose on PATH: if the refusal were missing, nothing outside the temp dir would run.
    const base = { cwd: dir, schema: memuSchema, key: 'POSTGRES_PASSWORD', apply: 'none', restart: true, env: { PATH: '' } } as const;
    for (const options of [base, { ...base, dryRun: true }]) {
      const error = await failure(rotatePassword(options));
      expect(error.code).toBe('USAGE');
      expect(error.message).toMatch(/apply mode none and a restart cannot be combined/);
      expect(error.reason).toBe('restart-without-apply');
      expect(error.hint).toMatch(/apply mode compose or direct/);
    }
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(paths.pending) || existsSync(paths.lock)).toBe(false);
  });

  it('refuses --restart where the app service has no env_file and the file rotated is not the .env compose reads', async () => {
    const dir = testdir({ 'compose.yaml': COMPOSE_YAML });
    initProject({ cwd: dir, envFile: 'prod.env', schema: memuSchema });
    const before = readFileSync(join(dir, 'prod.env'), 'utf8');
    const error = await failure(rotatePassword({ cwd: dir, envFile: 'prod.env', schema: memuSchema, key: 'POSTGRES_PASSWORD', apply: 'direct', restart: true, env: { PATH: '' } }));
    expect(error.reason).toBe('restart-env-not-loaded');
    expect(error.message).toBe('a restart would recreate memu with no env_file, not from prod.env');
    expect(error.data).toMatchObject({ appService: 'memu', envName: 'prod.env', envFiles: [] });
    expect(readFileSync(join(dir, 'prod.env'), 'utf8')).toBe(before);
  });

  it('--apply none does not probe for compose just to print the restart line', async () => {
    // A docker that records being asked; podman-compose is not on this PATH, so detection would probe it.
    const bin = testdir({ docker: ['#!/bin/sh\necho "$*" >>"$(dirname "$0")/docker.log"\nexit 0\n', 0o755] });
    for (const dryRun of [true, false]) {
      const dir = plainProject();
      const result = await rotatePassword({ cwd: dir, schema: memuSchema, key: 'POSTGRES_PASSWORD', apply: 'none', dryRun, env: { PATH: bin } });
      expect(result.restart).toEqual({ command: 'podman-compose up -d --force-recreate memu', ran: false });
    }
    expect(existsSync(join(bin, 'docker.log'))).toBe(false);
  });

  it('a compose that hangs with a child holding its output is stopped within its time limit', async () => {
    // `sleep` in the background keeps stdout and stderr open after the shell itself is killed.
    const dir = testdir({ compose: ['#!/bin/sh\nsleep 8 &\nsleep 8\n', 0o755] });
    const target = { project: { compose: { argv: [join(dir, 'compose')] }, dir, files: [] }, env: { PATH: process.env.PATH }, timeoutMs: 500 };
    let started = Date.now();
    const restart = await failure(restartService(target, 'memu', [], [], {}));
    expect(restart.code).toBe('TOOL');
    expect(restart.message).toMatch(/no answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(4_000);
    started = Date.now();
    // The engine (podman, here the hanging script) is stopped the same way.
    const engineTarget = { ...target, project: { ...target.project, compose: { argv: ['podman-compose', '--podman-path', join(dir, 'compose')] } } };
    const check = await failure(checkStoredPasswordViaCompose(engineTarget, { service: 'db', user: 'u', database: 'd', role: 'u' }, 'a-password-never-sent'));
    expect(check.code).toBe('TOOL');
    expect(check.message).toMatch(/no answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('a compose that exits while a child holds its output returns at once', async () => {
    const dir = testdir({ compose: ['#!/bin/sh\nsleep 8 &\necho "container memu recreated"\nexit 0\n', 0o755] });
    const started = Date.now();
    // It is the confirmation afterwards that fails: no memu container runs (the engine, docker, is absent).
    const error = await failure(restartService({ project: { compose: { argv: [join(dir, 'compose')] }, dir, files: [] }, env: { PATH: '/nonexistent' }, timeoutMs: 60_000 }, 'memu', [], [], {}));
    expect(error.reason).toBe('engine-missing');
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('rotateSecretWithKeyring (file-only rotation with the keyring copy)', () => {
  const OLD_KEY = 'sk-before-rotation-0123456789abcdef';
  const NEW_KEY = 'sk-after-rotation-0123456789abcdefg';

  it('keeps the previous value as history, even when the keyring never held it', async () => {
    const dir = testdir();
    initProject({ cwd: dir, schema: memuSchema, values: { OPENAI_API_KEY: OLD_KEY } });
    const store = new MemoryStore();
    const id = defaultProjectId({ cwd: dir });
    const result = await rotateSecretWithKeyring({ cwd: dir, schema: memuSchema, key: 'OPENAI_API_KEY', value: NEW_KEY, store });
    expect(envValues(dir).OPENAI_API_KEY).toBe(NEW_KEY);
    expect(result.keyring).toMatchObject({ status: 'stored', backup: { service: `envkit:${id}`, keys: [{ key: 'OPENAI_API_KEY', action: 'stored', replaced: true }] } });
    expect(await store.get(id, 'OPENAI_API_KEY')).toBe(NEW_KEY);
    expect(await store.history(id, 'OPENAI_API_KEY')).toEqual([OLD_KEY]);
    expect(JSON.stringify(result)).not.toContain(OLD_KEY);
    expect(JSON.stringify(result)).not.toContain(NEW_KEY);
  });

  it('stores the recomputed derived secret too; a dry run or no store leaves the keyring alone; a broken keyring is reported', async () => {
    const dir = testdir();
    initProject({ cwd: dir, schema: memuSchema });
    const store = new MemoryStore();
    const id = defaultProjectId({ cwd: dir });
    const old = envValues(dir).POSTGRES_PASSWORD!;
    await store.set(id, 'POSTGRES_PASSWORD', old);
    const dry = await rotateSecretWithKeyring({ cwd: dir, schema: memuSchema, force: true, key: 'POSTGRES_PASSWORD', store, dryRun: true });
    expect(dry.keyring).toEqual({ status: 'off' });
    expect(envValues(dir).POSTGRES_PASSWORD).toBe(old);
    const result = await rotateSecretWithKeyring({ cwd: dir, schema: memuSchema, force: true, key: 'POSTGRES_PASSWORD', store });
    const now = envValues(dir);
    expect(result.keys.map((k) => k.key).sort()).toEqual(['MEMU_DB_URL', 'POSTGRES_PASSWORD']);
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(now.POSTGRES_PASSWORD);
    expect(await store.get(id, 'MEMU_DB_URL')).toBe(now.MEMU_DB_URL);
    expect(await store.history(id, 'POSTGRES_PASSWORD')).toEqual([old]);
    expect((await rotateSecretWithKeyring({ cwd: dir, schema: memuSchema, force: true, key: 'POSTGRES_PASSWORD' })).keyring).toEqual({ status: 'off' });

    const broken = new MemoryStore({ failWith: new EnvkitError('KEYRING', 'the keyring is locked') });
    const before = envValues(dir).POSTGRES_PASSWORD;
    const failed = await rotateSecretWithKeyring({ cwd: dir, schema: memuSchema, force: true, key: 'POSTGRES_PASSWORD', store: broken });
    expect(failed.keyring).toMatchObject({ status: 'failed', error: { code: 'KEYRING', message: 'the keyring is locked' } });
    // The file was rotated all the same: the keyring copy is a copy.
    expect(envValues(dir).POSTGRES_PASSWORD).not.toBe(before);
  });
});
