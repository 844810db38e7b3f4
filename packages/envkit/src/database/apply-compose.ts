import { randomBytes } from 'node:crypto';
import { EnvkitError } from '../errors.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import { commandMissing, execInContainer, runningServiceContainer, type EngineRun } from '../compose/containers.js';
import type { ComposeProject } from '../compose/project.js';
import { verifierParts } from './redact.js';
import { exitStatus, shownOutput, type ComposeRunResult } from './run-compose.js';
import { alterRolePasswordSql } from './sql.js';

/** Options of {@link applyPasswordViaCompose}. */
export interface ComposeApplyOptions {
  /** The compose project (command, files, project name, directory). */
  project: ComposeProject;
  /** The database service (memu: `db`). */
  service: string;
  /** The role psql connects as inside the container (memu: POSTGRES_USER). */
  user: string;
  /** The database psql connects to (memu: POSTGRES_DB). */
  database: string;
  /** The role whose password changes; `user` unless given. */
  role?: string;
  /** How long each engine command may take before it is stopped; 60 s unless given. */
  timeoutMs?: number;
  /** The environment the engine runs with; `process.env` unless given (PGPASSWORD is never passed on). */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Set the database password in the running database container, whose local socket needs no password:
 * the container is found by its compose labels and psql runs through `podman exec -i <id>` (or docker's),
 * with `ALTER ROLE "<role>" WITH PASSWORD '<SCRAM verifier>'` on stdin. Neither the password nor the
 * verifier appears in any argv or environment, and the server only ever sees the verifier.
 *
 * Success is confirmed positively: psql echoes a random marker after the ALTER ROLE, which it prints only
 * when the statement succeeded (ON_ERROR_STOP). An exit status of 0 alone proves nothing.
 *
 * @throws EnvkitError `USAGE` for bad names; `TOOL` with `reason` `container-missing`,
 *   `container-not-running`, `psql-missing`, `unconfirmed` or `engine-missing`; `DATABASE` (`psql-failed`)
 *   when psql or the server refuses. Messages quote stderr with anything verifier-like redacted.
 */
export async function applyPasswordViaCompose(options: ComposeApplyOptions, newPassword: string): Promise<void> {
  const role = options.role ?? options.user;
  checkServiceName(options.service);
  checkArgument('user', options.user);
  checkArgument('database', options.database);
  const verifier = scramSha256Verifier(newPassword);
  const secrets = [newPassword, verifier, ...verifierParts(verifier)];
  const marker = newMarker();
  const sql = `${alterRolePasswordSql(role, verifier)}\n\\echo ${marker}\n`;
  const run: EngineRun = { env: options.env ?? process.env, secrets, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const result = await psqlInService(options.project, options.service, options.user, options.database, sql, run);
  if (result.kind === 'exit' && result.code === 0 && outputLines(result.stdout).includes(marker)) return;
  throw psqlFailure(result, { ...options, what: `could not set the password of role "${role}"` }, run);
}

/** Where a psql run in a service went wrong, for {@link psqlFailure}. */
interface PsqlContext {
  service: string;
  user: string;
  database: string;
  /** `could not set the password of role "memu"`. */
  what: string;
}

/**
 * Run psql (`-v ON_ERROR_STOP=1 -X -q -w`, plus `extra`) in the running container of `service`, with `sql`
 * on stdin. A missing container is thrown (runningServiceContainer); everything else is returned.
 */
export async function psqlInService(
  project: ComposeProject,
  service: string,
  user: string,
  database: string,
  sql: string,
  run: EngineRun,
  extra: readonly string[] = [],
): Promise<Exclude<ComposeRunResult, { kind: 'spawn-error' }>> {
  const container = await runningServiceContainer(project, service, run);
  const argv = ['psql', '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-w', ...extra, '-U', user, '-d', database];
  return execInContainer(project, container, argv, sql, run);
}

/**
 * The error for a psql run that did not confirm its work: stopped, psql missing in the image, psql or the
 * server refusing, or an exit status of 0 without the marker.
 */
export function psqlFailure(result: Exclude<ComposeRunResult, { kind: 'spawn-error' }>, context: PsqlContext, run: EngineRun): EnvkitError {
  const said = shownOutput({ stdout: '', stderr: result.stderr }, run.secrets ?? []);
  if (result.kind === 'timeout') {
    return new EnvkitError('TOOL', `psql in the ${context.service} container did not finish within ${run.timeoutMs} ms and was stopped: ${said}`, {
      hint: 'is the database still starting, or stuck? Check its logs',
      reason: 'timeout',
    });
  }
  if (commandMissing(result)) {
    return new EnvkitError('TOOL', `psql is not installed in the ${context.service} container`, {
      hint: 'the service must run a PostgreSQL image (memu: pgvector/pgvector); or connect to the database directly',
      reason: 'psql-missing',
    });
  }
  if (/(^|\n)(psql:|ERROR: |FATAL: )/.test(said)) {
    return new EnvkitError('DATABASE', `psql in the ${context.service} container ${context.what} (${exitStatus(result)}): ${said}`, {
      hint:
        `check that user "${context.user}" and database "${context.database}" exist in the container ` +
        '(POSTGRES_USER / POSTGRES_DB) and that the database has finished starting',
      reason: 'psql-failed',
    });
  }
  return new EnvkitError('TOOL', `psql in the ${context.service} container ${context.what}: it did not confirm the statement (${exitStatus(result)}): ${said}`, {
    hint: 'run the same command by hand to see what the container runtime says',
    reason: 'unconfirmed',
  });
}

/** A random word psql echoes only when everything before it succeeded. */
export function newMarker(): string {
  return `envkit-ok-${randomBytes(9).toString('hex')}`;
}

/** The lines of a psql answer, trimmed. */
export function outputLines(stdout: string): string[] {
  return stdout.split('\n').map((line) => line.trim());
}

/**
 * Throws USAGE unless `name` can be a compose service name: a letter or digit, then letters, digits,
 * `_`, `.` or `-`. A leading dash would be read as an option by compose. `option` says where the name
 * came from in the message (`--service`).
 */
export function checkServiceName(name: string, option = 'the compose service'): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new EnvkitError('USAGE', `${option}: ${JSON.stringify(name)} is not a compose service name`, {
      hint: 'a service name is a letter or digit followed by letters, digits, _ . or - (memu calls its services db and memu)',
    });
  }
}

function checkArgument(name: string, value: string): void {
  if (value === '' || value.includes('\0')) {
    throw new EnvkitError('USAGE', `the compose ${name} must be a non-empty name without NUL`);
  }
}
