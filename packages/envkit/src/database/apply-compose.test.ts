import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PgCluster } from '../../../../test/helpers/postgres.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { testdir } from '../../../../test/helpers/testdir.js';
import { applyPasswordViaCompose, type ComposeApplyOptions } from './apply-compose.js';
import { canLogin } from './apply-direct.js';
import { rejected } from '../../../../test/helpers/errors.js';

const FAKES = resolve(import.meta.dirname, '../../../../test/fixtures/fake-compose');
const FAKE_PODMAN = join(FAKES, 'podman');

const failure = rejected;

/** Every password this file sets or uses: none may appear in argv, env, messages or the server log. */
const passwords: string[] = [];
function password(label: string): string {
  const value = `${label}-${Math.random().toString(36).slice(2)}-Zq9`;
  passwords.push(value);
  return value;
}

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('applyPasswordViaCompose (fake compose, real PostgreSQL)', () => {
  let pg: PgCluster;
  let project: string;
  let log: string;
  const user = 'memu_production_user';
  let current: string;

  const target = (role: string) => ({ host: pg.host, port: pg.port, user: role, database: 'memu_db' });
  const baseEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ENVKIT_TEST_PGHOST: pg.socketDir,
    ENVKIT_TEST_PGPORT: String(pg.port),
    ENVKIT_TEST_PSQL: pg.psqlPath,
    ENVKIT_TEST_COMPOSE_LOG: log,
    // Must not reach the child.
    PGPASSWORD: 'stray-pgpassword-value',
  });
  const options = (extra: Partial<ComposeApplyOptions> = {}): ComposeApplyOptions => ({
    project: { compose: { argv: [join(FAKES, 'podman-compose'), '--podman-path', FAKE_PODMAN] }, dir: project, files: [] },
    service: 'db',
    user,
    database: 'memu_db',
    env: baseEnv(),
    ...extra,
  });

  beforeAll(async () => {
    pg = await startPostgres();
    current = password('initial');
    await pg.createRole(user, current);
    await pg.createDatabase('memu_db', user);
  });
  afterAll(async () => {
    await pg?.stop();
  });
  beforeAll(() => {
    // One project for the whole file (testdir() would remove it after the first test).
    project = mkdtempSync(join(tmpdir(), 'envkit-compose-'));
    writeFileSync(join(project, 'compose.yaml'), 'services:\n  db:\n    image: postgres:16\n');
    log = join(project, 'compose-argv.log');
  });
  afterAll(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('changes the password through podman exec: the old one is refused and the new one accepted', async () => {
    const next = password('rotated');
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
    // An exported variable holding the new password must not reach the child either.
    await applyPasswordViaCompose(options({ env: { ...baseEnv(), POSTGRES_PASSWORD: next } }), next);
    expect(await canLogin(target(user), next)).toEqual({ ok: true });
    const old = await canLogin(target(user), current);
    expect(old).toMatchObject({ ok: false, reason: 'auth' });
    current = next;

    const calls = readFileSync(log, 'utf8');
    // The container is found by its compose labels, and psql runs through the engine, not `compose exec`.
    expect(calls).toContain(
      `argv: podman ps -a --filter label=com.docker.compose.service=db --filter label=com.docker.compose.project.working_dir=${realpathSync(project)} --format json\n`,
    );
    expect(calls).toContain('argv: podman exec -i fake-db psql -v ON_ERROR_STOP=1 -X -q -w -U memu_production_user -d memu_db\n');
    expect(calls).not.toMatch(/argv: [^\n]*--env/);
    // The verifier went on stdin: neither it nor any of its parts is in argv or the environment.
    const stored = (await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${user}'`)).trim();
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    for (const part of stored.split(/[$:]/).slice(2)) expect(calls).not.toContain(part);
    expect(calls).not.toContain(next);
    expect(calls).not.toContain('stray-pgpassword-value');
    expect(calls).toContain(`env: ENVKIT_TEST_PGPORT=${pg.port}\n`);
  });

  it('is repeatable with the same password (a resumed rotation)', async () => {
    await applyPasswordViaCompose(options(), current);
    await applyPasswordViaCompose(options(), current);
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
  });

  it('finds the container of the project named by its -f files and -p', async () => {
    const other = testdir({ 'deploy/compose.prod.yaml': 'services: {}\n' });
    const next = password('with-file');
    await applyPasswordViaCompose(options({ project: { ...options().project, dir: other, files: ['deploy/compose.prod.yaml'], projectName: 'prod' } }), next);
    expect(await canLogin(target(user), next)).toEqual({ ok: true });
    current = next;
    expect(readFileSync(log, 'utf8')).toContain(
      `--filter label=com.docker.compose.project.working_dir=${realpathSync(join(other, 'deploy'))} --filter label=com.docker.compose.project=prod --format json`,
    );
  });

  it.each(['memu-user', 'Mixed"Quote', 'Select'])('sets the password of a role that needs quoting: %s', async (role) => {
    await pg.createRole(role, password('before'));
    const next = password('quoted');
    // The image's POSTGRES_USER is a superuser; here the bootstrap superuser changes another role.
    await applyPasswordViaCompose(options({ user: pg.superuser, database: 'postgres', role }), next);
    expect(await canLogin({ ...target(role), database: 'postgres' }, next)).toEqual({ ok: true });
  });

  it('says the container is not running, and how to start it', async () => {
    const next = password('down');
    const error = await failure(applyPasswordViaCompose(options({ env: { ...baseEnv(), ENVKIT_TEST_COMPOSE_DOWN: '1' } }), next));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'container-not-running' });
    expect(error.message).toBe('the db container (project_db_1) is not running: it is exited');
    expect(error.hint).toBe(`start it: \`${join(FAKES, 'podman-compose')} --podman-path ${FAKE_PODMAN} up -d db\``);
    expect(`${error.message}${error.hint}`).not.toContain(next);
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
  });

  it('says when compose never created the container', async () => {
    const error = await failure(applyPasswordViaCompose(options({ service: 'database' }), password('svc')));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'container-missing' });
    expect(error.message).toMatch(/the database container is not running: compose has not created it/);
  });

  it('says when the image has no psql', async () => {
    const error = await failure(applyPasswordViaCompose(options({ env: { ...baseEnv(), ENVKIT_TEST_NO_PSQL: '1' } }), password('nopsql')));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'psql-missing', message: 'psql is not installed in the db container' });
  });

  it('never trusts exit status 0 alone: psql must confirm the statement', async () => {
    const next = password('unconfirmed');
    const error = await failure(applyPasswordViaCompose(options({ env: { ...baseEnv(), ENVKIT_TEST_PSQL: '/bin/true' } }), next));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'unconfirmed' });
    expect(error.message).toMatch(/did not confirm the statement \(exit 0\)/);
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
  });

  it('reports psql failures as DATABASE errors quoting psql', async () => {
    const next = password('missing-role');
    const error = await failure(applyPasswordViaCompose(options({ role: 'nobody_here' }), next));
    expect(error).toMatchObject({ code: 'DATABASE', reason: 'psql-failed' });
    expect(error.message).toMatch(/role "nobody_here" does not exist/);
    expect(error.message).not.toContain(next);
    expect(error.message).not.toMatch(/SCRAM-SHA-256\$4096:[A-Za-z0-9]/);

    const wrongDb = await failure(applyPasswordViaCompose(options({ database: 'no_such_db' }), next));
    expect(wrongDb.code).toBe('DATABASE');
    expect(wrongDb.message).toMatch(/database "no_such_db" does not exist/);
    expect(wrongDb.hint).toMatch(/POSTGRES_DB/);
  });

  it('fails with TOOL when the container engine does not exist', async () => {
    const compose = { argv: ['podman-compose', '--podman-path', '/nonexistent/podman'] };
    const error = await failure(applyPasswordViaCompose(options({ project: { ...options().project, compose } }), password('enoent')));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'engine-missing', message: 'the container engine `/nonexistent/podman` was not found' });
  });

  it('stops a psql that hangs', async () => {
    const hang = join(project, 'hanging-psql');
    writeFileSync(hang, '#!/bin/sh\nsleep 20\n', { mode: 0o755 });
    const started = Date.now();
    const error = await failure(applyPasswordViaCompose(options({ env: { ...baseEnv(), ENVKIT_TEST_PSQL: hang }, timeoutMs: 500 }), password('timeout')));
    expect(error).toMatchObject({ code: 'TOOL', reason: 'timeout' });
    expect(error.message).toMatch(/did not finish within 500 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses bad names before running anything', async () => {
    for (const bad of [{ service: '-f' }, { service: '' }, { user: '' }, { database: 'a\0b' }]) {
      const error = await failure(applyPasswordViaCompose(options(bad), password('usage')));
      expect(error.code).toBe('USAGE');
    }
  });

  it('never let a plaintext password reach the server log (log_statement = all)', () => {
    const serverLog = pg.readLog();
    // The statements were logged, with the verifier only.
    expect(serverLog).toMatch(/statement: ALTER ROLE "memu_production_user" WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(serverLog).toContain(`ALTER ROLE "Mixed""Quote" WITH PASSWORD 'SCRAM-SHA-256$4096:`);
    expect(passwords.length).toBeGreaterThan(10);
    for (const value of passwords) expect(serverLog).not.toContain(value);
    expect(serverLog).not.toContain(pg.superPassword);
  });
});
