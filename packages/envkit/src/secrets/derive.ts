import { EnvkitError } from '../errors.js';
import type { DeriveSpec } from '../schema/define.js';
import { memuProfile } from '../schema/memu-profile.js';

/** The parts of a PostgreSQL connection URL, decoded. */
export interface PostgresUrlParts {
  /** SQLAlchemy driver name. Default `postgresql+psycopg` (psycopg 3, what memu uses). */
  scheme?: string;
  user: string;
  password: string;
  /** Default `db`, the compose service name. */
  host?: string;
  /** Default 5432. */
  port?: number;
  database: string;
}

const DEFAULT_SCHEME = 'postgresql+psycopg';
// A fresh URL names memu's database service, as the app reaches it inside the compose network.
const DEFAULT_HOST: string = memuProfile.database.service;
const DEFAULT_PORT: number = memuProfile.database.port;
const MAX_URL_LENGTH = 8192;

// The grammar of SQLAlchemy's make_url (sqlalchemy/engine/url.py, `_parse_url`), anchored at both ends
// so nothing is silently dropped. Reading a URL the way SQLAlchemy reads it is the point: user and
// password are `unquote`d there, the database name is taken literally.
const SQLALCHEMY_URL =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/;

function fail(message: string, hint?: string): never {
  // Never the URL itself: it holds the password.
  throw new EnvkitError('VALIDATION', message, hint === undefined ? {} : { hint });
}

/**
 * Percent-encode every UTF-8 byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`), so
 * `@ : / ? # [ ] %`, space, `+` and the rest can never be read as URL syntax; Python's `unquote`
 * (what SQLAlchemy applies) turns it back into the same text.
 */
export function encodeUserinfo(text: string, part: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    throw new EnvkitError('USAGE', `the ${part} contains an unpaired UTF-16 surrogate and cannot be put in a URL`);
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeUserinfo(text: string, part: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) {
    fail(`the URL's ${part} has a "%" that does not start a %XX escape`, 'write a literal % as %25');
  }
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`the URL's ${part} has %-escapes that are not valid UTF-8`);
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EnvkitError('USAGE', 'the port must be an integer from 1 to 65535');
  }
}

/**
 * Build a PostgreSQL URL for SQLAlchemy. User and password are percent-encoded (everything but
 * `A-Z a-z 0-9 - . _ ~`), so SQLAlchemy's `make_url` decodes them back exactly. The database name is
 * written as it is, because `make_url` does not decode it; a `?` (which would start the query) is refused.
 * A password from {@link generatePassword} needs no encoding, so the URL holds no `%` (Alembic rejects `%`).
 *
 * @throws EnvkitError('USAGE') for an empty user or database, a database with `?`, or a bad host or port.
 * @example
 * buildPostgresUrl({ user: 'memu', password: 'p@ss', database: 'memu_db' });
 * // 'postgresql+psycopg://memu:p%40ss@db:5432/memu_db'
 */
export function buildPostgresUrl(parts: PostgresUrlParts): string {
  const scheme = parts.scheme ?? DEFAULT_SCHEME;
  const host = parts.host ?? DEFAULT_HOST;
  const port = parts.port ?? DEFAULT_PORT;
  if (!/^[\w+]+$/.test(scheme)) {
    throw new EnvkitError('USAGE', 'the URL scheme may only contain letters, digits, _ and +', {
      hint: `e.g. ${DEFAULT_SCHEME}`,
    });
  }
  if (parts.user === '') throw new EnvkitError('USAGE', 'the database user must not be empty');
  if (parts.database === '') throw new EnvkitError('USAGE', 'the database name must not be empty');
  if (/[?\r\n]/.test(parts.database)) {
    throw new EnvkitError('USAGE', 'the database name must not contain "?" or a line break', {
      hint: 'SQLAlchemy reads the database name literally up to the first "?"; choose a plain identifier',
    });
  }
  const bareHost = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bareHost === '' || /[/?#@\s[\]]/.test(bareHost)) {
    throw new EnvkitError('USAGE', 'the host must be a host name or an IP address');
  }
  checkPort(port);
  // An IPv6 address goes in brackets, or its colons would be read as the port separator.
  const hostPart = bareHost.includes(':') ? `[${bareHost}]` : bareHost;
  const user = encodeUserinfo(parts.user, 'user');
  const password = encodeUserinfo(parts.password, 'password');
  return `${scheme}://${user}:${password}@${hostPart}:${port}/${parts.database}`;
}

interface MatchedUrl extends Required<PostgresUrlParts> {
  /** The query string after `?`, without it; `undefined` when there is none. */
  query: string | undefined;
}

function matchPostgresUrl(url: string): MatchedUrl {
  if (url.length > MAX_URL_LENGTH) fail(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  if (/[\r\n]/.test(url)) fail('the URL contains a line break');
  const m = SQLALCHEMY_URL.exec(url);
  const g = m?.groups;
  if (!g) return fail('not a URL of the form scheme://user:password@host:port/database');
  const scheme = g.name!;
  if (!/^postgres(?:ql)?(?:\+\w+)?$/.test(scheme)) {
    fail('the URL scheme is not postgresql or postgresql+<driver>', `e.g. ${DEFAULT_SCHEME}://user:password@db:5432/name`);
  }
  if (g.username === undefined || g.username === '') fail('the URL names no user', 'write user:password@ before the host');
  if (g.password === undefined) fail('the URL has no password', 'write user:password@ before the host');
  const host = g.ipv6host ?? g.ipv4host;
  if (host === undefined || host === '') fail('the URL names no host', 'e.g. @db:5432');
  let port = DEFAULT_PORT;
  if (g.port !== undefined && g.port !== '') {
    if (!/^\d{1,5}$/.test(g.port) || Number(g.port) < 1 || Number(g.port) > 65535) {
      fail('the URL port is not a number from 1 to 65535');
    }
    port = Number(g.port);
  }
  if (g.database === undefined || g.database === '') fail('the URL names no database', 'end it with /<database>');
  return {
    scheme,
    user: decodeUserinfo(g.username, 'user'),
    password: decodeUserinfo(g.password, 'password'),
    host,
    port,
    database: g.database,
    query: g.query,
  };
}

/**
 * Read a PostgreSQL URL the way SQLAlchemy's `make_url` does: user and password percent-decoded,
 * the database name literal, port 5432 when absent. A query string (`?sslmode=...`) is allowed and
 * not returned.
 *
 * @throws EnvkitError('VALIDATION') naming what is wrong (no password, bad port, ...); the message
 * never contains the URL, which holds the password.
 * @example
 * parsePostgresUrl('postgresql+psycopg://memu:p%40ss@db:5432/memu_db').password; // 'p@ss'
 */
export function parsePostgresUrl(url: string): Required<PostgresUrlParts> {
  const { query: _query, ...parts } = matchPostgresUrl(url);
  return parts;
}

/**
 * The parameters of a PostgreSQL URL's query string (`?sslmode=verify-full&sslrootcert=/etc/ca.pem`), which
 * SQLAlchemy hands to the driver and so to libpq; `{}` without one. Same URL rules as parsePostgresUrl.
 */
export function postgresUrlParameters(url: string): Record<string, string> {
  const { query } = matchPostgresUrl(url);
  return query === undefined ? {} : Object.fromEntries(new URLSearchParams(query));
}

const PARTS = [
  { part: 'user', key: memuProfile.database.keys.user },
  { part: 'password', key: memuProfile.database.keys.password },
  { part: 'database', key: memuProfile.database.keys.database },
] as const;

/**
 * The derivation of `MEMU_DB_URL` from `POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB`, with
 * `host`/`port` used when the current URL does not parse (it has none to keep).
 */
export function createMemuDbUrlDerive(defaults: { host?: string; port?: number } = {}): DeriveSpec {
  return {
    from: PARTS.map((p) => p.key),
    compute(values, current) {
      const [user, password, database] = PARTS.map((p) => values[p.key]);
      if (!user || !password || !database) return undefined;
      // Keep what is not derived (scheme, host, port, query) from a current URL that parses.
      let kept: Pick<MatchedUrl, 'scheme' | 'host' | 'port' | 'query'> = {
        scheme: DEFAULT_SCHEME,
        host: defaults.host ?? DEFAULT_HOST,
        port: defaults.port ?? DEFAULT_PORT,
        query: undefined,
      };
      if (current) {
        try {
          kept = matchPostgresUrl(current);
        } catch {
          // Not a URL: rebuild it from the defaults.
        }
      }
      const url = buildPostgresUrl({ scheme: kept.scheme, user, password, host: kept.host, port: kept.port, database });
      return kept.query === undefined ? url : `${url}?${kept.query}`;
    },
    check(value, values) {
      if (PARTS.some((p) => !values[p.key])) return undefined;
      let parts: Required<PostgresUrlParts>;
      try {
        parts = parsePostgresUrl(value);
      } catch (error) {
        return error instanceof EnvkitError ? `is not a valid PostgreSQL URL: ${error.message}` : 'is not a valid PostgreSQL URL';
      }
      const differing = PARTS.filter((p) => parts[p.part] !== values[p.key]);
      if (differing.length === 0) return undefined;
      const names = (list: readonly string[]): string =>
        list.length === 1 ? list[0]! : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]!}`;
      const verb = differing.length === 1 ? 'does' : 'do';
      return `${names(differing.map((p) => p.part))} ${verb} not match ${names(differing.map((p) => p.key))}`;
    },
  };
}

/**
 * `MEMU_DB_URL` = `postgresql+psycopg://POSTGRES_USER:POSTGRES_PASSWORD@db:5432/POSTGRES_DB`.
 * `compute` keeps the scheme, host, port (and query) of the current value when it parses, else uses
 * `db:5432`; `check` names the part that differs (user, password, database), never a value.
 */
export const memuDbUrlDerive: DeriveSpec = createMemuDbUrlDerive();
