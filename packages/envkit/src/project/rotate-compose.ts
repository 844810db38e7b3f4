import { timingSafeEqual } from 'node:crypto';
import { EnvkitError } from '../errors.js';
import type { ComposeCommand } from '../database/compose-command.js';
import { composeSpawnError, exitStatus, runCompose, shownOutput, type ComposeRunResult } from '../database/run-compose.js';
import { quoteLiteral } from '../database/sql.js';
import { scramSha256Verifier } from '../secrets/scram.js';

/** Where a rotation's compose commands run. */
export interface ComposeTarget {
  compose: ComposeCommand;
  /** The project directory (compose reads its compose file and `.env` there). */
  cwd: string;
  /** Passed as `-f` when given. */
  composeFile?: string;
  /** The environment compose runs with. */
  env: NodeJS.ProcessEnv;
  /** Time limit; compose is stopped when it is exceeded. */
  timeoutMs: number;
}

/**
 * What the database says about a role's password, read through the container's trusted socket:
 * `match` when its stored SCRAM verifier was computed from `password`.
 */
export type StoredPasswordCheck =
  | { kind: 'match' }
  | { kind: 'mismatch'; reason: string }
  | { kind: 'unreadable'; reason: string };

/**
 * Prove that `role` logs in with `password` without sending the password anywhere: read the role's
 * stored verifier (`pg_authid.rolpassword`) with `<compose> exec -T <service> psql` (the query on stdin,
 * the answer on stdout, never shown), recompute the verifier from `password` with the stored salt and
 * iteration count, and compare. Also checks that the role may log in and has not expired.
 *
 * A login through compose psql would prove nothing: the container's socket (and, in the postgres image,
 * its loopback) is `trust`. Reading `pg_authid` needs a superuser, which the postgres image's
 * POSTGRES_USER is; for any other user the result is `unreadable`.
 *
 * @throws EnvkitError `TOOL` when compose cannot run the command, `DATABASE` when psql fails otherwise.
 */
export async function checkStoredPasswordViaCompose(
  target: ComposeTarget,
  names: { service: string; user: string; database: string; role: string },
  password: string,
): Promise<StoredPasswordCheck> {
  const sql =
    'SELECT rolcanlogin, rolvaliduntil IS NOT NULL AND rolvaliduntil < now(), coalesce(rolpassword, \'\') ' +
    `FROM pg_authid WHERE rolname = ${quoteLiteral(names.role)};\n`;
  const psql = ['psql', '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-w', '-A', '-t', '-U', names.user, '-d', names.database];
  const args = [...fileArgs(target), 'exec', '-T', names.service, ...psql];
  const hint = `is the ${names.service} container up? Check \`${display(target, [...fileArgs(target), 'ps'])}\` in ${target.cwd}`;
  const result = await run(target, args, sql, [password], hint);
  if (result.kind !== 'exit' || result.code !== 0) {
    if (result.kind === 'exit' && /permission denied for (table|relation) pg_authid/.test(result.stderr)) {
      return { kind: 'unreadable', reason: `user "${names.user}" is not a superuser and cannot read stored passwords` };
    }
    // Only stderr: stdout would be the row asked for, whose verifier is derived from the password.
    const said = shownOutput({ stdout: '', stderr: result.stderr }, [password]);
    const database = /(^|\n)(psql:|ERROR: |FATAL: )/.test(said);
    throw new EnvkitError(database ? 'DATABASE' : 'TOOL', `\`${display(target, args)}\` failed (${how(result, target)}): ${said}`, { hint });
  }
  const line = result.stdout.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return { kind: 'mismatch', reason: `role "${names.role}" does not exist` };
  const [canLogin, expired, stored = ''] = line.trim().split('|');
  if (canLogin !== 't') return { kind: 'mismatch', reason: `role "${names.role}" is not allowed to log in (NOLOGIN)` };
  if (expired === 't') return { kind: 'mismatch', reason: `the password of role "${names.role}" has expired (VALID UNTIL)` };
  return verifierMatches(stored, password)
    ? { kind: 'match' }
    : { kind: 'mismatch', reason: `the password stored for role "${names.role}" is not the new one` };
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

/** `<compose> [-f file] up -d --force-recreate <service>`: the command that makes a service read the new `.env`. */
export function restartArgv(compose: ComposeCommand, composeFile: string | undefined, service: string): string[] {
  return [...compose.argv, ...(composeFile === undefined ? [] : ['-f', composeFile]), 'up', '-d', '--force-recreate', service];
}

/** A command line for people to read and paste: words with shell syntax are single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/**
 * Run the restart command. Variables in `dropEnv` (the rotated key and what derives from it) are taken
 * out of compose's environment: compose prefers an exported variable to `.env`, and a stale export
 * would give the app the old password again. `secrets` (the new and previous values and the URLs
 * holding them) are kept out of its environment too, and out of the error: compose tools echo the
 * container command with its `-e KEY=value` options, and the message quotes that output redacted.
 *
 * @throws EnvkitError `TOOL` when compose is missing, fails or times out; the message holds the exit
 *   status and the redacted output, never a value of `secrets`.
 */
export async function restartService(target: ComposeTarget, service: string, dropEnv: readonly string[], secrets: readonly string[]): Promise<void> {
  const env = { ...target.env };
  for (const key of dropEnv) delete env[key];
  const args = [...fileArgs(target), 'up', '-d', '--force-recreate', service];
  const hint = `run it by hand in ${target.cwd} and check \`${display(target, [...fileArgs(target), 'ps'])}\``;
  const result = await run({ ...target, env }, args, '', secrets, hint);
  if (result.kind === 'exit' && result.code === 0) return;
  throw new EnvkitError('TOOL', `\`${display(target, args)}\` failed (${how(result, target)}): ${shownOutput(result, secrets)}`, { hint });
}

function fileArgs(target: ComposeTarget): string[] {
  return target.composeFile === undefined ? [] : ['-f', target.composeFile];
}

function display(target: ComposeTarget, args: readonly string[]): string {
  return shellLine([...target.compose.argv, ...args]);
}

function how(result: Exclude<ComposeRunResult, { kind: 'spawn-error' }>, target: ComposeTarget): string {
  return result.kind === 'timeout' ? `no answer within ${target.timeoutMs} ms, stopped` : exitStatus(result);
}

/** Run compose with `stdin` (the shared runner); a command that cannot start is a TOOL error. */
async function run(
  target: ComposeTarget,
  args: string[],
  stdin: string,
  secrets: readonly string[],
  hint: string,
): Promise<Exclude<ComposeRunResult, { kind: 'spawn-error' }>> {
  const argv = [...target.compose.argv, ...args];
  const result = await runCompose(argv, { cwd: target.cwd, env: target.env, secrets, stdin, timeoutMs: target.timeoutMs });
  if (result.kind === 'spawn-error') throw composeSpawnError(argv[0]!, display(target, args), result.error, secrets, hint);
  return result;
}
