import type { Client, ClientConfig } from 'pg';
import { EnvkitError } from '../errors.js';
import { importOptionalPeer } from '../optional-peer.js';
import { parsePostgresUrl } from '../secrets/derive.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import { redactSecrets, verifierParts } from './redact.js';
import { alterRolePasswordSql } from './sql.js';

/** Where and as whom to connect; the password is always passed separately. */
export interface DirectTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** Why a login failed: wrong credentials, no server there, or anything else. */
export type LoginFailureReason = 'auth' | 'unreachable' | 'other';

/** The outcome of {@link canLogin}; `message` is the driver's, with the password redacted. */
export type LoginResult = { ok: true } | { ok: false; reason: LoginFailureReason; message: string };

/** Options of {@link canLogin}. */
export interface CanLoginOptions {
  /** Limit for connecting and for `SELECT 1` each; 10 s unless given. */
  timeoutMs?: number;
}

/** Options of {@link applyPasswordDirect}. */
export interface DirectApplyOptions {
  /** The role whose password changes; the connecting user unless given. */
  role?: string;
  /** Limit for connecting and for the statement each; 10 s unless given. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification (pg_hba). */
const AUTH_CODES = new Set(['28P01', '28000']);
/** Network errors meaning nothing answers at host:port, and 57P03 (the server is still starting). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P03',
]);

/**
 * Whether `password` logs in to `target` (connect, `SELECT 1`). Never throws for a refused or failed
 * login: rotation uses it to test the new password and to find out whether an interrupted rotation
 * already reached the database.
 *
 * @example
 * const result = await canLogin({ host: '127.0.0.1', port: 5432, user: 'memu_production_user', database: 'memu_db' }, pw);
 * if (!result.ok && result.reason === 'auth') { ... }
 */
export async function canLogin(
  target: DirectTarget,
  password: string,
  options: CanLoginOptions = {},
): Promise<LoginResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let client: Client | undefined;
  try {
    client = await connect(target, password, timeoutMs);
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: classify(error), message: messageOf(error, [password]) };
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * Log in to `target` with `currentPassword` and set the password of `options.role` (default: the
 * connecting user) to a SCRAM-SHA-256 verifier of `newPassword`; the plaintext never reaches the server.
 * Connects with a config object, never a URL, so no connection string can leak into a message.
 *
 * @throws EnvkitError `DATABASE` naming what failed: the current password refused (`.env` does not
 *   hold what the database has), nothing listening at host:port, or the ALTER ROLE refused. Never
 *   contains either password.
 */
export async function applyPasswordDirect(
  target: DirectTarget,
  currentPassword: string,
  newPassword: string,
  options: DirectApplyOptions = {},
): Promise<void> {
  const role = options.role ?? target.user;
  const verifier = scramSha256Verifier(newPassword);
  const sql = alterRolePasswordSql(role, verifier);
  const secrets = [currentPassword, newPassword, verifier, ...verifierParts(verifier)];
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  let client: Client;
  try {
    client = await connect(target, currentPassword, timeoutMs);
  } catch (error) {
    throw connectError(error, target, secrets);
  }
  try {
    await client.query(sql);
  } catch (error) {
    throw new EnvkitError(
      'DATABASE',
      `${where} refused to change the password of role "${role}": ${messageOf(error, secrets)}`,
      {
        hint: `user "${target.user}" must be role "${role}" itself, a superuser or have CREATEROLE`,
        cause: scrubbedCause(error, secrets),
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The connection target of a `postgresql://` URL (memu's `MEMU_DB_URL`), without its password.
 * `overrides` replace the host and port: inside compose the URL names the service (`db:5432`), which
 * the host running envkit reaches another way (`--db-host 127.0.0.1 --db-port 5432`).
 *
 * @throws EnvkitError `VALIDATION` when the URL does not parse (see parsePostgresUrl; the message never
 *   repeats the URL), `USAGE` for an override port outside 1–65535.
 */
export function targetFromUrl(url: string, overrides: { host?: string; port?: number } = {}): DirectTarget {
  const { port = undefined } = overrides;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new EnvkitError('USAGE', `the database port must be an integer from 1 to 65535, got ${port}`);
  }
  if (overrides.host === '') throw new EnvkitError('USAGE', 'the database host must not be empty');
  const parts = parsePostgresUrl(url);
  return {
    host: overrides.host ?? parts.host,
    port: port ?? parts.port,
    user: parts.user,
    database: parts.database,
  };
}

async function connect(target: DirectTarget, password: string, timeoutMs: number): Promise<Client> {
  const { Client: PgClient } = await loadPg();
  const config: ClientConfig = {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'envkit',
  };
  const client = new PgClient(config);
  // A connection dropped later emits 'error' on the client; unhandled, it would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

function classify(error: unknown): LoginFailureReason {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && AUTH_CODES.has(code)) return 'auth';
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
  // node-postgres reports its own connect timeout without a code.
  if (error instanceof Error && /timeout|timed out/i.test(error.message)) return 'unreachable';
  // A refused connection to a name resolving to several addresses arrives as an AggregateError.
  if (error instanceof AggregateError && error.errors.length > 0) return classify(error.errors[0]);
  return 'other';
}

function messageOf(error: unknown, secrets: readonly string[]): string {
  let message = error instanceof Error ? error.message : String(error);
  if (message === '' && error instanceof AggregateError) {
    message = error.errors.map((inner) => (inner instanceof Error ? inner.message : String(inner))).join('; ');
  }
  return redactSecrets(message, secrets);
}

/**
 * The driver's error without anything that could hold a secret: only its code and its message, redacted
 * like the message of the error it explains (a server or proxy may quote the password back).
 */
function scrubbedCause(error: unknown, secrets: readonly string[]): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = new Error(error instanceof Error ? messageOf(error, secrets) : 'unknown error');
  if (typeof code === 'string') Object.assign(cause, { code });
  return cause;
}

/**
 * node-postgres, loaded when a connection is made: it is an optional peer dependency of envkit (a tool that
 * only loads its environment never needs it).
 */
function loadPg(): Promise<typeof import('pg')> {
  return importOptionalPeer(() => import('pg'), { package: 'pg', name: 'node-postgres (the pg package)', purpose: 'to connect to PostgreSQL' });
}

function connectError(error: unknown, target: DirectTarget, secrets: readonly string[]): EnvkitError {
  if (error instanceof EnvkitError) return error;
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const message = messageOf(error, secrets);
  const cause = scrubbedCause(error, secrets);
  switch (classify(error)) {
    case 'auth':
      return new EnvkitError(
        'DATABASE',
        `${where} refused the current password for user "${target.user}": ${message}`,
        {
          hint:
            "POSTGRES_PASSWORD in .env is not what the database has (the postgres image reads it only when " +
            'its data volume is first created); apply the change through compose instead, which needs no password',
          cause,
        },
      );
    case 'unreachable':
      return new EnvkitError('DATABASE', `could not reach ${where}: ${message}`, {
        hint: 'check --db-host/--db-port (memu does not publish 5432 by default; the compose route needs no port)',
        cause,
      });
    default:
      return new EnvkitError('DATABASE', `could not connect to ${where} as "${target.user}": ${message}`, {
        hint: `check that database "${target.database}" and user "${target.user}" exist`,
        cause,
      });
  }
}
