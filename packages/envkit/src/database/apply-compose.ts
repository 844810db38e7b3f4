import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { EnvkitError } from '../errors.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import type { ComposeCommand } from './compose-command.js';
import { redactSecrets, verifierParts } from './redact.js';
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
/** Grace between SIGTERM and SIGKILL when compose overruns its time. */
const KILL_GRACE_MS = 2_000;
/** Enough of stderr to explain a failure; compose can be chatty. */
const MAX_STDERR_CHARS = 4_000;

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
  checkArgument('service', options.service);
  checkArgument('user', options.user);
  checkArgument('database', options.database);
  const verifier = scramSha256Verifier(newPassword);
  const sql = `${alterRolePasswordSql(role, verifier)}\n`;
  const secrets = [newPassword, verifier, ...verifierParts(verifier)];

  const [command, ...composeArgs] = options.compose.argv;
  if (command === undefined) throw new EnvkitError('USAGE', 'the compose command is empty');
  const fileArgs = options.composeFile === undefined ? [] : ['-f', options.composeFile];
  const args = [
    ...composeArgs,
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
  const display = [command, ...args].join(' ');
  const psCommand = [...options.compose.argv, ...fileArgs, 'ps'].join(' ');
  const hint = `is the ${options.service} container up? Check \`${psCommand}\` in ${options.cwd}`;

  // spawn reports a missing cwd as ENOENT, which would read as "compose not found".
  if (!isDirectory(options.cwd)) {
    throw new EnvkitError('FILE', `the project directory ${options.cwd} does not exist`, { path: options.cwd });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await run(command, args, sql, {
    cwd: options.cwd,
    env: childEnv(options.env ?? process.env, secrets),
    timeoutMs,
  });

  if (result.kind === 'spawn-error') {
    const missing = result.error.code === 'ENOENT';
    throw new EnvkitError(
      'TOOL',
      missing
        ? `the compose command \`${command}\` was not found`
        : `could not run \`${display}\`: ${redactSecrets(result.error.message, secrets)}`,
      {
        hint: missing
          ? "install podman-compose (apt-get install podman-compose) or name the command, e.g. --compose 'docker compose'"
          : hint,
        cause: result.error,
      },
    );
  }
  const stderr = redactSecrets(tail(result.stderr), secrets).trim();
  const said = stderr === '' ? 'no output' : stderr;
  if (result.kind === 'timeout') {
    throw new EnvkitError('TOOL', `\`${display}\` did not finish within ${timeoutMs} ms and was stopped: ${said}`, {
      hint,
    });
  }
  if (result.code === 0) return;

  const how = result.code === null ? `signal ${result.signal ?? '?'}` : `exit ${result.code}`;
  // psql's own failures start with "psql:", the server's with its severity; the rest is compose or the
  // container runtime.
  if (/(^|\n)(psql:|ERROR: |FATAL: )/.test(stderr)) {
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
  // A leading dash would be read as an option by compose or psql.
  if (name === 'service' && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw new EnvkitError('USAGE', `"${value}" is not a compose service name`, { hint: 'memu calls it db' });
  }
}

/** The child's environment: the caller's minus anything that carries the password. */
function childEnv(env: NodeJS.ProcessEnv, secrets: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === 'PGPASSWORD') continue;
    if (secrets.some((secret) => value.includes(secret))) continue;
    out[key] = value;
  }
  return out;
}

function tail(text: string): string {
  return text.length <= MAX_STDERR_CHARS ? text : `...${text.slice(-MAX_STDERR_CHARS)}`;
}

type RunResult =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; stderr: string }
  | { kind: 'timeout'; stderr: string }
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException };

function run(
  command: string,
  args: string[],
  stdin: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (result: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      resolve(result);
    };
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep only the end: that is where compose and psql say what failed.
      stderr = (stderr + chunk).slice(-2 * MAX_STDERR_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'spawn-error', error }));
    // After a timeout a grandchild may still hold stderr open; the killed child's exit is enough.
    child.on('exit', () => {
      if (timedOut) finish({ kind: 'timeout', stderr });
    });
    child.on('close', (code, signal) =>
      finish(timedOut ? { kind: 'timeout', stderr } : { kind: 'exit', code, signal, stderr }),
    );
    // A child that exits without reading (container down) closes the pipe: EPIPE is expected, not fatal.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}
