import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PgCluster } from '../../../../test/helpers/postgres.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { testdir } from '../../../../test/helpers/testdir.js';
import { applyPasswordViaCompose, type ComposeApplyOptions } from './apply-compose.js';
import { canLogin } from './apply-direct.js';
import { rejected } from '../../../../test/helpers/errors.js';

const FAKE_COMPOSE = resolve(import.meta.dirname, '../../../../test/fixtures/fake-compose/compose');

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
    compose: { argv: [FAKE_COMPOSE] },
    cwd: project,
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

  it('changes the password: the old one is refused and the new one accepted', async () => {
    const next = password('rotated');
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
    // An exported variable holding the new password must not reach the child either.
    await applyPasswordViaCompose(options({ env: { ...baseEnv(), POSTGRES_PASSWORD: next } }), next);
    expect(await canLogin(target(user), next)).toEqual({ ok: true });
    const old = await canLogin(target(user), current);
    expect(old).toMatchObject({ ok: false, reason: 'auth' });
    current = next;

    const calls = readFileSync(log, 'utf8');
    expect(calls).toContain(
      'argv: exec -T db psql -v ON_ERROR_STOP=1 -X -q -w -U memu_production_user -d memu_db\n',
    );
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

  it('passes -f and runs in cwd', async () => {
    const other = testdir({ 'deploy/compose.prod.yaml': 'services: {}\n' });
    const next = password('with-file');
    // Without -f the stand-in, like compose, finds no compose file in `other`.
    const missing = await failure(applyPasswordViaCompose(options({ cwd: other }), next));
    expect(missing.code).toBe('TOOL');
    expect(missing.message).toMatch(/no compose\.yaml/);

    await applyPasswordViaCompose(options({ cwd: other, composeFile: 'deploy/compose.prod.yaml' }), next);
    expect(await canLogin(target(user), next)).toEqual({ ok: true });
    current = next;
    expect(readFileSync(log, 'utf8')).toContain('argv: -f deploy/compose.prod.yaml exec -T db psql');
  });

  it.each(['memu-user', 'Mixed"Quote', 'Select'])('sets the password of a role that needs quoting: %s', async (role) => {
    await pg.createRole(role, password('before'));
    const next = password('quoted');
    // The image's POSTGRES_USER is a superuser; here the bootstrap superuser changes another role.
    await applyPasswordViaCompose(options({ user: pg.superuser, database: 'postgres', role }), next);
    expect(await canLogin({ ...target(role), database: 'postgres' }, next)).toEqual({ ok: true });
  });

  it('says the container is not running, in a TOOL error with a hint', async () => {
    const next = password('down');
    const error = await failure(
      applyPasswordViaCompose(options({ env: { ...baseEnv(), ENVKIT_TEST_COMPOSE_DOWN: '1' } }), next),
    );
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/no such container/);
    expect(error.message).toMatch(/exit 125/);
    expect(error.hint).toContain(`\`${FAKE_COMPOSE} ps\` in ${project}`);
    expect(`${error.message}${error.hint}`).not.toContain(next);
    expect(await canLogin(target(user), current)).toEqual({ ok: true });
  });

  it('names a service compose does not know', async () => {
    const error = await failure(applyPasswordViaCompose(options({ service: 'database' }), password('svc')));
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/no such service: database/);
  });

  it('reports psql failures as DATABASE errors quoting psql', async () => {
    const next = password('missing-role');
    const error = await failure(applyPasswordViaCompose(options({ role: 'nobody_here' }), next));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/role "nobody_here" does not exist/);
    expect(error.message).not.toContain(next);
    expect(error.message).not.toMatch(/SCRAM-SHA-256\$4096:[A-Za-z0-9]/);

    const wrongDb = await failure(applyPasswordViaCompose(options({ database: 'no_such_db' }), next));
    expect(wrongDb.code).toBe('DATABASE');
    expect(wrongDb.message).toMatch(/database "no_such_db" does not exist/);
    expect(wrongDb.hint).toMatch(/POSTGRES_DB/);
  });

  it('fails with TOOL when the compose command does not exist', async () => {
    const error = await failure(
      applyPasswordViaCompose(options({ compose: { argv: ['envkit-no-such-compose'] } }), password('enoent')),
    );
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/`envkit-no-such-compose` was not found/);
    // The option the hint names is the one `envkit rotate` has.
    expect(error.hint).toContain("--compose-cmd 'docker compose'");
    expect(error.hint).not.toMatch(/--compose(?![-\w])/);
  });

  it('stops a compose that hangs', async () => {
    const started = Date.now();
    const error = await failure(
      applyPasswordViaCompose(
        options({ compose: { argv: ['sh', '-c', 'sleep 20', 'hanging-compose'] }, timeoutMs: 300 }),
        password('timeout'),
      ),
    );
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/did not finish within 300 ms/);
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

describe('applyPasswordViaCompose without a database', () => {
  it('names a project directory that does not exist instead of blaming compose', async () => {
    const error = await failure(
      applyPasswordViaCompose(
        { compose: { argv: ['sh'] }, cwd: '/nonexistent/envkit-project', service: 'db', user: 'u', database: 'd' },
        'a-password-for-nothing',
      ),
    );
    expect(error.code).toBe('FILE');
    expect(error.message).toMatch(/\/nonexistent\/envkit-project does not exist/);
  });
});
