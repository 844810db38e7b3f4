import { timingSafeEqual } from 'node:crypto';
import { EnvkitError } from '../../errors.js';
import { psqlFailure, psqlInService, newMarker, outputLines } from '../../database/apply-compose.js';
import { composeSpawnError, exitStatus, runCompose, shownOutput } from '../../database/run-compose.js';
import { quoteLiteral } from '../../database/sql.js';
import { containerEnvironment, listServiceContainers, type EngineRun } from '../../compose/containers.js';
import { composeArgv, shellLine, type ComposeProject } from '../../compose/project.js';
import { scramSha256Verifier } from '../../secrets/scram.js';

/** Where a rotation's compose and engine commands run. */
export interface ComposeTarget {
  project: ComposeProject;
  /** The environment compose and the engine run with. */
  env: NodeJS.ProcessEnv;
  /** Time limit of each command; it is stopped when it is exceeded. */
  timeoutMs: number;
}

/**
 * What the database says about a role's password, read through the container's trusted socket:
 * `match` when its stored SCRAM verifier was computed from `password`.
 */
export type StoredPasswordCheck =
  | { kind: 'match' }
  /** `stored`: the stored verifier is the password's, but the role cannot log in with it (NOLOGIN, expired). */
  | { kind: 'mismatch'; reason: string; stored?: boolean }
  | { kind: 'unreadable'; reason: string };

/**
 * Prove that `role` logs in with `password` without sending the password anywhere: read the role's
 * stored verifier (`pg_authid.rolpassword`) with psql in the database container (the query on stdin,
 * the answer on stdout, never shown), recompute the verifier from `password` with the stored salt and
 * iteration count, and compare. Also checks that the role may log in and has not expired. The answer
 * counts only when psql's end marker follows it.
 *
 * A login through the container's psql would prove nothing: its socket (and, in the postgres image,
 * its loopback) is `trust`. Reading `pg_authid` needs a superuser, which the postgres image's
 * POSTGRES_USER is; for any other user the result is `unreadable`.
 *
 * @throws EnvkitError `TOOL` (no running container, psql missing, unconfirmed), `DATABASE` when psql fails.
 */
export async function checkStoredPasswordViaCompose(
  target: ComposeTarget,
  names: { service: string; user: string; database: string; role: string },
  password: string,
): Promise<StoredPasswordCheck> {
  const marker = newMarker();
  const sql =
    `SELECT '${marker}', rolcanlogin, rolvaliduntil IS NOT NULL AND rolvaliduntil < now(), coalesce(rolpassword, '') ` +
    `FROM pg_authid WHERE rolname = ${quoteLiteral(names.role)};\n\\echo ${marker}-end\n`;
  const run: EngineRun = { env: target.env, secrets: [password], timeoutMs: target.timeoutMs };
  const result = await psqlInService(target.project, names.service, names.user, names.database, sql, run, ['-A', '-t']);
  const lines = outputLines(result.stdout);
  if (result.kind !== 'exit' || result.code !== 0 || !lines.includes(`${marker}-end`)) {
    if (result.kind === 'exit' && /permission denied for (table|relation) pg_authid/.test(result.stderr)) {
      return { kind: 'unreadable', reason: `user "${names.user}" is not a superuser and cannot read stored passwords` };
    }
    throw psqlFailure(result, { ...names, what: `could not read the stored password of role "${names.role}"` }, run);
  }
  const row = lines.find((line) => line.startsWith(`${marker}|`));
  if (row === undefined) return { kind: 'mismatch', reason: `role "${names.role}" does not exist` };
  const [, canLogin, expired, verifier = ''] = row.split('|');
  const stored = verifierMatches(verifier, password);
  if (canLogin !== 't') return { kind: 'mismatch', reason: `role "${names.role}" is not allowed to log in (NOLOGIN)`, stored };
  if (expired === 't') return { kind: 'mismatch', reason: `the password of role "${names.role}" has expired (VALID UNTIL)`, stored };
  return stored ? { kind: 'match' } : { kind: 'mismatch', reason: `the password stored for role "${names.role}" is not the new one` };
}

/**
 * True when `stored` (a `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` verifier) was
 * computed from `password`. Anything else (md5, no password) is `false`.
 */
export function verifierMatches(stored: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$([1-9][0-9]{0,8}):([A-Za-z0-9+/]+={0,2})\$/.exec(stored);
  if (!m) return false;
  let expected: string;
  try {
    expected = scramSha256Verifier(password, { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64') });
  } catch {
    return false;
  }
  const a = Buffer.from(expected);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `<compose> [-f …] [-p …] up -d --force-recreate <service>`: the command that makes a service read the new `.env`. */
export function restartArgv(project: Pick<ComposeProject, 'compose' | 'files' | 'projectName'>, service: string): string[] {
  return composeArgv({ ...project, dir: '' }, ['up', '-d', '--force-recreate', service]);
}

/**
 * Recreate `service` and confirm it: the restart command must leave a running container of the service
 * whose environment holds `expected` (compared here, never shown). Variables in `dropEnv` (the rotated
 * key and what derives from it) are taken out of compose's environment: compose prefers an exported
 * variable to `.env`, and a stale export would give the app the old password again. `secrets` are kept out
 * of compose's environment and out of the error.
 *
 * podman-compose 1.0.3 recreates the service's dependencies too (`db`): harmless, the data is in the volume.
 *
 * @throws EnvkitError `TOOL` when compose is missing, fails, times out, or the container is not running
 *   with the new values afterwards (`reason` `restart-unconfirmed`; names the keys, never the values).
 */
export async function restartService(
  target: ComposeTarget,
  service: string,
  dropEnv: readonly string[],
  secrets: readonly string[],
  expected: Readonly<Record<string, string>>,
): Promise<void> {
  const env = { ...target.env };
  for (const key of dropEnv) delete env[key];
  const argv = restartArgv(target.project, service);
  const display = shellLine(argv);
  const ps = shellLine(composeArgv(target.project, ['ps']));
  const hint = `run it by hand in ${target.project.dir} and check \`${ps}\``;
  const result = await runCompose(argv, { cwd: target.project.dir, env, secrets, stdin: '', timeoutMs: target.timeoutMs });
  if (result.kind === 'spawn-error') throw composeSpawnError(argv[0]!, display, result.error, secrets, hint);
  if (result.kind === 'timeout' || result.code !== 0) {
    const how = result.kind === 'timeout' ? `no answer within ${target.timeoutMs} ms, stopped` : exitStatus(result);
    throw new EnvkitError('TOOL', `\`${display}\` failed (${how}): ${shownOutput(result, secrets)}`, { hint });
  }
  // compose's exit status proves nothing (podman-compose 1.0.3 exits 0 when podman failed): look.
  const run: EngineRun = { env, secrets, timeoutMs: target.timeoutMs };
  const running = (await listServiceContainers(target.project, service, run)).filter((c) => c.state === 'running');
  if (running.length !== 1) {
    throw new EnvkitError('TOOL', `\`${display}\` left ${running.length === 0 ? 'no running' : `${running.length} running`} ${service} container${running.length === 1 ? '' : 's'}`, {
      hint,
      reason: 'restart-unconfirmed',
    });
  }
  const actual = await containerEnvironment(target.project, running[0]!, run);
  const stale = Object.entries(expected).filter(([key, value]) => actual.get(key) !== value).map(([key]) => key);
  if (stale.length > 0) {
    throw new EnvkitError('TOOL', `the recreated ${service} container does not have the new ${stale.join(' and ')}`, {
      hint: `is ${stale.join('/')} exported in this shell, or does the compose file not pass it on (env_file: .env)? ${hint}`,
      reason: 'restart-unconfirmed',
    });
  }
}
