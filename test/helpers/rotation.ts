// What the end-to-end rotation suites (test/rotate.test.ts, test/rotate-faults.test.ts) share: a memu
// project the built CLI has initialised, whose role and database in a throw-away cluster hold the .env
// password, and the checks that a rotation finished and leaked nothing.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseDocument, parsePostgresUrl } from 'envkit';
import { canLogin } from 'envkit/rotate';
import type { PgCluster } from './postgres.js';
import { envkit, type CliResult } from './cli.js';
import { testdir } from './testdir.js';

/** The stand-ins for podman-compose and podman (test/fixtures/fake-compose). */
export const FAKES = resolve(import.meta.dirname, '../fixtures/fake-compose');
/**
 * A stand-in podman-compose driving a stand-in podman, whose `exec … psql` runs the real psql on the
 * cluster's trusted socket; both log their argv and env.
 */
export const FAKE_COMPOSE = `${FAKES}/podman-compose --podman-path ${FAKES}/podman`;

/**
 * A compose command that fails `up` as podman-compose does when the container name is taken: it prints the
 * `podman create` line with every variable of .env as `-e` (stdout and stderr), then exits 125; anything else
 * goes to the fake compose. Written into `dir`; returns the command line to give as the compose command.
 */
export function echoingCompose(dir: string): string {
  const path = join(dir, 'compose-echoing');
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$3" = up ]; then\n  line="podman create --name=memu_memu_1 $(grep -v '^#' .env | grep . | sed 's/^/-e /' | tr '\\n' ' ') memu"\n` +
      `  echo "$line"; echo "$line" >&2; echo "Error: creating container storage: the container name is already in use" >&2; exit 125\nfi\nexec ${FAKES}/podman-compose "$@"\n`,
    { mode: 0o755 },
  );
  return `${path} --podman-path ${FAKES}/podman`;
}

export const COMPOSE_YAML = 'services:\n  db:\n    image: postgres:16\n  memu:\n    image: memu\n';

export interface RotationProject {
  dir: string;
  user: string;
  db: string;
  /** The password the database and .env have at the start. */
  old: string;
  /** The stand-in compose's argv/env log. */
  log: string;
  env: NodeJS.ProcessEnv;
  /** Every CLI output in this project, for the leak scan. */
  outputs: CliResult[];
  run(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult>;
}

let count = 0;

/**
 * `envkit init` with role and database named `<prefix>_user_<n>` / `<prefix>_db_<n>`, then that role and
 * database created with the password from .env (what the postgres image does on its first start).
 */
export async function rotationProject(
  pg: PgCluster,
  prefix: string,
  options: { compose?: boolean; superuser?: boolean; encryption?: 'md5'; memberOf?: string } = {},
): Promise<RotationProject> {
  count += 1;
  const user = `${prefix}_user_${count}`;
  const db = `${prefix}_db_${count}`;
  const dir = testdir(options.compose ? { 'compose.yaml': COMPOSE_YAML } : {});
  const log = join(dir, 'compose.log');
  const env = {
    ENVKIT_TEST_PGHOST: pg.socketDir,
    ENVKIT_TEST_PGPORT: String(pg.port),
    ENVKIT_TEST_PSQL: pg.psqlPath,
    ENVKIT_TEST_COMPOSE_LOG: log,
  };
  const outputs: CliResult[] = [];
  const run = async (args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}) => {
    const result = await envkit(dir, args, { env: { ...env, ...extra.env }, input: extra.input });
    outputs.push(result);
    return result;
  };
  const init = await run(['init', '--no-input', '--set', `POSTGRES_USER=${user}`, '--set', `POSTGRES_DB=${db}`]);
  expect(init.code, init.all).toBe(0);
  const old = envValues(dir).POSTGRES_PASSWORD!;
  await pg.createRole(user, old, options.encryption === undefined ? {} : { encryption: options.encryption });
  // A group role a pg_hba.conf line names as `+group` (its own password method for this role).
  if (options.memberOf !== undefined) await pg.psql(`GRANT "${options.memberOf}" TO "${user}";`);
  if (options.superuser) await pg.psql(`ALTER ROLE "${user}" SUPERUSER;`);
  await pg.createDatabase(db, user);
  return { dir, user, db, old, log, env, outputs, run };
}

/** The values of the project's .env. */
export function envValues(dir: string): Record<string, string> {
  return parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
}

/** Whether `password` logs in as the project's role over TCP. */
export function projectLogin(pg: PgCluster, p: RotationProject, password: string): ReturnType<typeof canLogin> {
  return canLogin({ host: pg.host, port: pg.port, user: p.user, database: p.db }, password);
}

/**
 * The rotation finished: .env holds a new password the database accepts (and the old one it refuses),
 * MEMU_DB_URL logs in (its host and port replaced by the cluster's), nothing is pending, and no output, compose
 * log or server log holds either password. Returns the new password and the URL's parts.
 */
export async function expectRotated(pg: PgCluster, p: RotationProject): Promise<{ next: string; url: ReturnType<typeof parsePostgresUrl> }> {
  const values = envValues(p.dir);
  const next = values.POSTGRES_PASSWORD!;
  expect(next).not.toBe(p.old);
  expect(await projectLogin(pg, p, next)).toEqual({ ok: true });
  expect(await projectLogin(pg, p, p.old)).toMatchObject({ ok: false, reason: 'auth' });
  const url = parsePostgresUrl(values.MEMU_DB_URL!);
  expect(await canLogin({ host: pg.host, port: pg.port, user: url.user, database: url.database }, url.password)).toEqual({ ok: true });
  expect(existsSync(join(p.dir, '.env.envkit-pending'))).toBe(false);
  expectNoLeak(pg, p, [p.old, next]);
  return { next, url };
}

/** No CLI output of the project, no compose log and no server log contains any of `secrets`. */
export function expectNoLeak(pg: PgCluster, p: RotationProject, secrets: string[]): void {
  for (const output of p.outputs) for (const secret of secrets) expect(output.all).not.toContain(secret);
  if (existsSync(p.log)) for (const secret of secrets) expect(readFileSync(p.log, 'utf8')).not.toContain(secret);
  for (const secret of secrets) expect(pg.readLog()).not.toContain(secret);
}

/** An entry point of the built library (`rotate`, `memu`…), as the CLI bundles it. */
export const envkitDist = (entry: string): string => fileURLToPath(new URL(`../../packages/envkit/dist/${entry}/index.js`, import.meta.url));

/**
 * Run the built library's rotatePassword with `options` (JSON: no functions) in a child that SIGKILLs
 * itself once `step` reports done (its effect is durable by then), as a crash would. Resolves to the signal.
 */
export function killedRotation(p: RotationProject, step: string, options: Record<string, unknown>): Promise<NodeJS.Signals | null> {
  const script = `
    const o = JSON.parse(process.env.ENVKIT_CRASH_OPTIONS);
    const { rotatePassword } = await import(o.rotate);
    const { memuSchema } = await import(o.memu);
    await rotatePassword({
      ...o.options, cwd: o.cwd, schema: memuSchema, key: 'POSTGRES_PASSWORD', env: process.env,
      onStep(e) { if (e.name === o.step && e.status !== 'running') process.kill(process.pid, 'SIGKILL'); },
    });
    process.stdout.write('finished without being killed');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: p.dir,
      env: { PATH: process.env.PATH, ...p.env, ENVKIT_CRASH_OPTIONS: JSON.stringify({ rotate: envkitDist('rotate'), memu: envkitDist('memu'), cwd: p.dir, step, options }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      p.outputs.push({ code: null, stdout: output, stderr: '', all: output });
      resolve(signal);
    });
  });
}
