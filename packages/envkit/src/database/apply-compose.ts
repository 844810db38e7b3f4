import { statSync } from 'node:fs';
import { EnvkitError } from '../errors.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import type { ComposeCommand } from './compose-command.js';
import { verifierParts } from './redact.js';
import { composeSpawnError, exitStatus, runCompose, shownOutput } from './run-compose.js';
import { alterRolePasswordSql } from './sql.js';

/** Options of {@link applyPasswordViaCompose}. */
export interface ComposeApplyOptions {
  /** The compose command (see detectComposeCommand). */
  compose: ComposeCommand;
  /** The project directory compose runs in (where its compose file and `.env` are). */
  cwd: string;
  /** A compose file other than the default one, passed as `-f`. */
  composeFile?: string;
  /** The database service (memu: `db`). */
  service: string;
  /** The role psql connects as inside the container (memu: POSTGRES_USER). */
  user: string;
  /** The database psql connects to (memu: POSTGRES_DB). */
  database: string;
  /** The role whose password changes; `user` unless given. */
  role?: string;
  /** How long compose may take before it is stopped; 60 s unless given. */
  timeoutMs?: number;
  /** The environment compose runs with; `process.env` unless given (PGPASSWORD is never passed on). */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Set the database password through `<compose> [-f file] exec -T <service> psql ...` in the running
 * database container, whose local socket needs no password. psql gets
 * `ALTER ROLE "<role>" WITH PASSWORD '<SCRAM verifier>'` on stdin: neither the password nor the
 * verifier appears in any argv or in the child's environment, and the server only ever sees the
 * verifier. psql runs with `-w` so it fails instead of waiting for a password prompt.
 *
 * @throws EnvkitError `USAGE` for a bad password or names, `TOOL` when compose is missing, times out
 *   or cannot exec in the container (is it running?), `DATABASE` when psql or the server refuses;
 *   the message quotes their stderr with anything verifier-like redacted.
 */
export async function applyPasswordViaCompose(options: ComposeApplyOptions, newPassword: string): Promise<void> {
  const role = options.role ?? options.user;
  checkServiceName(options.service);
  checkArgument('user', options.user);
  checkArgument('database', options.database);
  const verifier = scramSha256Verifier(newPassword);
  const sql = `${alterRolePasswordSql(role, verifier)}\n`;
  const secrets = [newPassword, verifier, ...verifierParts(verifier)];

  const [command] = options.compose.argv;
  if (command === undefined) throw new EnvkitError('USAGE', 'the compose command is empty');
  const fileArgs = options.composeFile === undefined ? [] : ['-f', options.composeFile];
  const argv = [
    ...options.compose.argv,
    ...fileArgs,
    'exec',
    '-T',
    options.service,
    'psql',
    '-v',
    'ON_ERROR_STOP=1',
    '-X',
    '-q',
    '-w',
    '-U',
    options.user,
    '-d',
    options.database,
  ];
  const display = argv.join(' ');
  const psCommand = [...options.compose.argv, ...fileArgs, 'ps'].join(' ');
  const hint = `is the ${options.service} container up? Check \`${psCommand}\` in ${options.cwd}`;

  // spawn reports a missing cwd as ENOENT, which would read as "compose not found".
  if (!isDirectory(options.cwd)) {
    throw new EnvkitError('FILE', `the project directory ${options.cwd} does not exist`, { path: options.cwd });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await runCompose(argv, { cwd: options.cwd, env: options.env ?? process.env, secrets, stdin: sql, timeoutMs });

  if (result.kind === 'spawn-error') throw composeSpawnError(command, display, result.error, secrets, hint);
  // psql's answer is on stderr; stdout holds nothing for an ALTER ROLE run with -q.
  const said = shownOutput({ stdout: '', stderr: result.stderr }, secrets);
  if (result.kind === 'timeout') {
    throw new EnvkitError('TOOL', `\`${display}\` did not finish within ${timeoutMs} ms and was stopped: ${said}`, {
      hint,
    });
  }
  if (result.code === 0) return;

  const how = exitStatus(result);
  // psql's own failures start with "psql:", the server's with its severity; the rest is compose or the
  // container runtime.
  if (/(^|\n)(psql:|ERROR: |FATAL: )/.test(said)) {
    throw new EnvkitError(
      'DATABASE',
      `psql in compose service "${options.service}" could not set the password of role "${role}" (${how}): ${said}`,
      {
        hint:
          `check that user "${options.user}" and database "${options.database}" exist in the container ` +
          `(POSTGRES_USER / POSTGRES_DB) and that the database has finished starting; ${hint}`,
      },
    );
  }
  throw new EnvkitError('TOOL', `\`${display}\` failed (${how}): ${said}`, { hint });
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkArgument(name: string, value: string): void {
  if (value === '' || value.includes('\0')) {
    throw new EnvkitError('USAGE', `the compose ${name} must be a non-empty name without NUL`);
  }
}
