import type { Client, ClientConfig } from 'pg';
import { EnvkitError } from '../errors.js';
import { importOptionalPeer } from '../optional-peer.js';
import { parsePostgresUrl, postgresUrlParameters } from '../secrets/derive.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import { redactSecrets, verifierParts } from './redact.js';
import { alterRolePasswordSql } from './sql.js';
import { resolveConnectionSecurity, tlsAttempts, type ConnectionSecurity, type TlsAttempt } from './tls.js';

/** Where and as whom to connect; the password is always passed separately. */
export interface DirectTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  /**
   * TLS and the password methods allowed (see resolveConnectionSecurity); absent: libpq's defaults
   * (`sslmode` prefer, no CA file) and only SCRAM-SHA-256 (or no password at all).
   */
  security?: ConnectionSecurity;
}

/**
 * Why a login failed: the password refused (`auth`), no server there, the connection rejected before
 * any password was asked for (`rejected`: pg_hba.conf has no line for it, e.g. a hostssl-only server
 * reached without TLS), or anything else.
 */
export type LoginFailureReason = 'auth' | 'unreachable' | 'rejected' | 'other';

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
/** SQLSTATE of a refused password (invalid_password). */
const AUTH_CODES = new Set(['28P01']);
/**
 * SQLSTATE of a connection pg_hba.conf rejects (invalid_authorization_specification): it says nothing
 * about the password, which was never asked for.
 */
const REJECTED_CODES = new Set(['28000']);
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
 * already reached the database. It does throw when envkit refuses to try: the server asks for the
 * password in cleartext or as MD5 (`reason` `insecure-auth`, unless `target.security.allowInsecureAuth`),
 * or TLS as `target.security` demands fails (`reason` `tls`, or a CA file that cannot be read): such an
 * answer would say nothing about the password.
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
    if (error instanceof EnvkitError) throw error;
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
 *   hold what the database has), nothing listening at host:port, the connection rejected by pg_hba.conf,
 *   TLS (`reason` `tls`), a password method other than SCRAM (`reason` `insecure-auth`; nothing was
 *   sent), or the ALTER ROLE refused. Never contains either password.
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

/** What {@link targetFromUrl} takes besides the URL. */
export interface TargetOverrides {
  /** Replaces the URL's host: inside compose the URL names the service (`db`), which this host reaches another way. */
  host?: string;
  port?: number;
  /** TLS and password methods as given; they take precedence over the URL's query and `env`. */
  security?: ConnectionSecurity;
  /** PGSSLMODE / PGSSLROOTCERT are read from here (default: none). */
  env?: NodeJS.ProcessEnv;
  /** A relative CA file path is taken from here (default: the process's directory). */
  cwd?: string;
}

/**
 * The connection target of a `postgresql://` URL (memu's `MEMU_DB_URL`), without its password.
 * `overrides` replace the host and port: inside compose the URL names the service (`db:5432`), which
 * the host running envkit reaches another way (`--db-host 127.0.0.1 --db-port 5432`). Its security is
 * resolved as libpq would: given settings, else the URL's `sslmode`/`sslrootcert`, else PGSSLMODE /
 * PGSSLROOTCERT of `overrides.env`, else `prefer`.
 *
 * @throws EnvkitError `VALIDATION` when the URL does not parse (see parsePostgresUrl; the message never
 *   repeats the URL), `USAGE` for an override port outside 1–65535 or an unknown sslmode.
 */
export function targetFromUrl(url: string, overrides: TargetOverrides = {}): DirectTarget {
  const { port = undefined } = overrides;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new EnvkitError('USAGE', `the database port must be an integer from 1 to 65535, got ${port}`);
  }
  if (overrides.host === '') throw new EnvkitError('USAGE', 'the database host must not be empty');
  const parts = parsePostgresUrl(url);
  const security = resolveConnectionSecurity({
    ...(overrides.security === undefined ? {} : { given: overrides.security }),
    url: postgresUrlParameters(url),
    ...(overrides.env === undefined ? {} : { env: overrides.env }),
    ...(overrides.cwd === undefined ? {} : { cwd: overrides.cwd }),
  });
  return {
    host: overrides.host ?? parts.host,
    port: port ?? parts.port,
    user: parts.user,
    database: parts.database,
    security,
  };
}

/**
 * Find out, without sending any password, whether `target` can be logged in to as its security allows:
 * connect (with TLS as asked) until the server asks for a password, then hang up. Rotation runs it before
 * it writes anything, so a refusal leaves nothing behind.
 *
 * @returns what the server asked for, or `undefined` when the probe ended otherwise (nothing listening,
 *   a timeout…): the rotation's own steps report those.
 * @throws EnvkitError `insecure-auth`, `tls`, `rejected` (pg_hba.conf) or a CA file error, as canLogin would.
 */
export async function probeDirect(target: DirectTarget, options: CanLoginOptions = {}): Promise<'scram-sha-256' | 'none' | undefined> {
  let client: Client | undefined;
  try {
    client = await connect(target, PROBE, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return 'none';
  } catch (error) {
    if (error === PROBE_ASKED) return 'scram-sha-256';
    if (error instanceof EnvkitError) throw error;
    if (classify(error) === 'rejected') throw connectError(error, target, []);
    return undefined;
  } finally {
    await client?.end().catch(() => {});
  }
}

/** The password of a probe: never sent; asking for it ends the probe with PROBE_ASKED. */
const PROBE = Symbol('probe');
const PROBE_ASKED = new Error('the server asked for a password');

/**
 * Connect as libpq would with `target.security`: each TLS attempt of tlsAttempts in turn, the next only
 * when the server declined TLS (`prefer`) or pg_hba.conf rejected the unencrypted connection (`allow`).
 */
async function connect(target: DirectTarget, password: string | typeof PROBE, timeoutMs: number): Promise<Client> {
  const { Client: PgClient } = await loadPg();
  const security = target.security ?? {};
  const attempts = tlsAttempts(security);
  for (let i = 0; ; i += 1) {
    const ssl = attempts[i]!;
    try {
      return await connectOnce(PgClient, target, ssl, password, timeoutMs);
    } catch (error) {
      const next = attempts[i + 1];
      const retry = next !== undefined && (ssl === false ? classify(error) === 'rejected' : declinedTls(error));
      if (!retry) throw ssl === false ? error : tlsError(error, target, typeof password === 'string' ? [password] : []);
    }
  }
}

async function connectOnce(
  PgClient: typeof Client,
  target: DirectTarget,
  ssl: TlsAttempt,
  password: string | typeof PROBE,
  timeoutMs: number,
): Promise<Client> {
  const allowInsecure = target.security?.allowInsecureAuth === true;
  // What the server asked for. node-postgres calls a password function right before it sends anything.
  let method: 'password' | 'md5' | 'scram' | undefined;
  let proven = false;
  const config: ClientConfig = {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password: () => {
      if ((method === 'password' || method === 'md5') && !allowInsecure) throw insecureAuthError(method, target);
      if (password === PROBE) throw PROBE_ASKED;
      return password;
    },
    ssl,
    // With TLS, SCRAM-SHA-256-PLUS when the server offers it: the proof is bound to the TLS connection, so
    // it cannot be relayed through another one (a man in the middle).
    enableChannelBinding: ssl !== false,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'envkit',
  };
  const client = new PgClient(config);
  // A connection dropped later emits 'error' on the client; unhandled, it would crash the process.
  client.on('error', () => {});
  // Registered before connect(), so they run before node-postgres's own handlers of the same messages.
  const con = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  con.on('authenticationCleartextPassword', () => (method = 'password'));
  con.on('authenticationMD5Password', () => (method = 'md5'));
  con.on('authenticationSASL', () => (method = 'scram'));
  con.on('authenticationSASLFinal', () => (proven = true));
  // node-postgres checks the server's SCRAM signature when it comes, but accepts a login that skips it.
  con.on('authenticationOk', () => {
    if (method === 'scram' && !proven) {
      con.emit('error', new EnvkitError('DATABASE', `PostgreSQL at ${target.host}:${target.port} ended SCRAM authentication without proving that it knows the password`, {
        hint: 'this is not how PostgreSQL answers: check what listens at that address',
        reason: 'scram-unproven',
      }));
    }
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

function insecureAuthError(method: 'password' | 'md5', target: DirectTarget): EnvkitError {
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const what =
    method === 'password'
      ? 'asked for the password in cleartext (pg_hba.conf method "password")'
      : 'asked for an MD5 hash of the password (pg_hba.conf method "md5" and a password stored as MD5)';
  return new EnvkitError('DATABASE', `${where} ${what}; envkit sends a password only through SCRAM-SHA-256, and sent nothing`, {
    hint:
      method === 'password'
        ? 'set the method to scram-sha-256 in pg_hba.conf, or allow the password to be sent anyway'
        : `store the role's password as SCRAM (password_encryption = scram-sha-256, then set it again) and use scram-sha-256 in pg_hba.conf, or allow the MD5 method anyway`,
    reason: 'insecure-auth',
  });
}

/** node-postgres's error when the server answers the SSLRequest with "no". */
function declinedTls(error: unknown): boolean {
  return error instanceof Error && error.message === 'The server does not support SSL connections';
}

/**
 * An error of a TLS attempt: a TLS failure becomes a DATABASE error (`reason` `tls`), its message redacted of
 * `secrets`; others pass unchanged. The server's own errors (they carry a severity) are never TLS failures,
 * whatever their SQLSTATE says: once TLS is up the server may have heard the password, and quote it back.
 */
function tlsError(error: unknown, target: DirectTarget, secrets: readonly string[]): unknown {
  if (error instanceof EnvkitError || error === PROBE_ASKED) return error;
  if (error !== null && typeof error === 'object' && 'severity' in error) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const tls = declinedTls(error) || (typeof code === 'string' && /CERT|SSL|TLS|UNABLE_TO|SELF_SIGNED/.test(code)) ||
    (error instanceof Error && error.message === 'There was an error establishing an SSL connection');
  if (!tls) return error;
  const mode = target.security?.sslmode ?? 'prefer';
  const where = `PostgreSQL at ${target.host}:${target.port}`;
  const ca = target.security?.sslrootcert;
  const message = declinedTls(error)
    ? `${where} does not accept TLS connections, and sslmode ${mode} requires TLS`
    : `TLS with ${where} failed (sslmode ${mode}${ca === undefined ? '' : `, CA ${ca}`}): ${messageOf(error, secrets)}`;
  const hint = declinedTls(error)
    ? 'turn on ssl in postgresql.conf, or connect through a network you trust with sslmode prefer or disable'
    : mode === 'verify-full'
      ? `the server's certificate must be signed by the CA certificate given and name the host connected to (${target.host})`
      : "the server's certificate must be signed by the CA certificate given";
  return new EnvkitError('DATABASE', message, { hint, reason: 'tls', cause: scrubbedCause(error, secrets) });
}

function classify(error: unknown): LoginFailureReason {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && AUTH_CODES.has(code)) return 'auth';
  if (typeof code === 'string' && REJECTED_CODES.has(code)) return 'rejected';
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
    case 'rejected':
      return new EnvkitError('DATABASE', `${where} rejected the connection before asking for a password: ${message}`, {
        hint: 'pg_hba.conf has no line that lets this host, user and database in with this encryption (a hostssl line needs TLS: sslmode require or stronger)',
        reason: 'rejected',
        cause,
      });
    case 'unreachable':
      return new EnvkitError('DATABASE', `could not reach ${where}: ${message}`, {
        hint: 'check the host and port (memu does not publish 5432 by default; the compose route needs no port)',
        reason: 'host-unreachable',
        cause,
      });
    default:
      return new EnvkitError('DATABASE', `could not connect to ${where} as "${target.user}": ${message}`, {
        hint: `check that database "${target.database}" and user "${target.user}" exist`,
        cause,
      });
  }
}
