import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { EnvkitError } from '../errors.js';

/** libpq's `sslmode` values (docs/rotation.md, "Direct connections: TLS and authentication"). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * How a direct connection protects itself, by libpq's names. Each field is optional where given; once
 * resolved (see {@link resolveConnectionSecurity}) `sslmode` is always set.
 */
export interface ConnectionSecurity {
  /** libpq's sslmode. Default `prefer`, as libpq's. */
  sslmode?: SslMode;
  /**
   * The CA certificate file (PEM) that signs the server's certificate, or `system` for Node's own trust
   * store. With it `require` (and `prefer`, `allow` once TLS is on) check the chain as libpq does.
   */
  sslrootcert?: string;
  /** Send the password when the server asks for it in cleartext or as an MD5 hash. Default: refuse. */
  allowInsecureAuth?: boolean;
}

/** Where the settings were found, in order of precedence: given (a flag), the URL's query, the environment. */
export interface SecuritySources {
  given?: ConnectionSecurity;
  /** `sslmode` / `sslrootcert` of the database URL's query string, as SQLAlchemy hands them to libpq. */
  url?: Readonly<Record<string, string>>;
  /** PGSSLMODE / PGSSLROOTCERT. */
  env?: NodeJS.ProcessEnv;
  /** A relative `sslrootcert` of the URL is taken from here (default: the process's directory); PGSSLROOTCERT's from the process's directory. */
  cwd?: string;
}

/**
 * The settings in force: for each, the given one, else the URL's, else the environment's, else libpq's
 * default (`prefer`, no CA file). A relative CA path becomes absolute, so a resumed rotation reads the
 * same file from any directory.
 *
 * @throws EnvkitError `USAGE` for an sslmode libpq does not know (naming where it came from), and for
 *   verify-ca/verify-full without a CA file.
 */
export function resolveConnectionSecurity(sources: SecuritySources): ConnectionSecurity & { sslmode: SslMode } {
  const { given = {}, url = {}, env = {} } = sources;
  const pick = (
    field: 'sslmode' | 'sslrootcert',
    envName: string,
  ): { value: string; from: string } | undefined => {
    if (given[field] !== undefined) return { value: given[field], from: `the given ${field}` };
    if (url[field] !== undefined && url[field] !== '') return { value: url[field], from: `${field} in the database URL` };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: envName };
    return undefined;
  };
  const mode = pick('sslmode', 'PGSSLMODE');
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode.value)) {
    throw new EnvkitError('USAGE', `${mode.from} is "${mode.value}", which libpq does not know`, {
      hint: `use one of ${SSL_MODES.join(', ')}`,
      reason: 'sslmode-unknown',
    });
  }
  const sslmode = (mode?.value ?? 'prefer') as SslMode;
  const root = pick('sslrootcert', 'PGSSLROOTCERT');
  // As docs/rotation.md says: a relative PGSSLROOTCERT from the process's directory, as libpq takes it; one in
  // the URL from `cwd` (the project's, where the env file holding the URL lives).
  const base = root?.from === 'PGSSLROOTCERT' ? process.cwd() : (sources.cwd ?? process.cwd());
  const sslrootcert = root === undefined || root.value === 'system' || isAbsolute(root.value) ? root?.value : resolve(base, root.value);
  if ((sslmode === 'verify-ca' || sslmode === 'verify-full') && sslrootcert === undefined) {
    throw new EnvkitError('USAGE', `sslmode ${sslmode} checks the server's certificate against a CA certificate, and none was given`, {
      hint: 'give the CA certificate file (PEM) that signed the server certificate as sslrootcert, or "system" for the system\'s trust store',
      reason: 'sslrootcert-missing',
    });
  }
  return { sslmode, ...(sslrootcert === undefined ? {} : { sslrootcert }), ...(given.allowInsecureAuth ? { allowInsecureAuth: true } : {}) };
}

/** One connection attempt's TLS: `false` for none, else the options node-postgres hands to `tls.connect`. */
export type TlsAttempt = false | ConnectionOptions;

/**
 * The attempts libpq would make for `security`, in order, for node-postgres's `ssl` option. `prefer` is
 * TLS, then (only when the server answers the SSLRequest with "no") without; `allow` is the reverse
 * (without, then TLS when the server's pg_hba.conf rejects the unencrypted connection). The CA file is
 * read here, so a missing or unreadable one is reported by name before anything is sent.
 *
 * Verification as libpq: `require`, `prefer` and `allow` check nothing, unless a CA file is given (then
 * the chain, as `verify-ca`); `verify-ca` checks the chain, not the name; `verify-full` the chain and that
 * the certificate names the host connected to.
 *
 * @throws EnvkitError `FILE` naming the CA file when it cannot be read or holds no PEM certificate.
 */
export function tlsAttempts(security: ConnectionSecurity): TlsAttempt[] {
  const mode = security.sslmode ?? 'prefer';
  if (mode === 'disable') return [false];
  const ca = security.sslrootcert === undefined || security.sslrootcert === 'system' ? undefined : readRootCert(security.sslrootcert);
  const checkChain = security.sslrootcert !== undefined;
  const tls: ConnectionOptions =
    mode === 'verify-full'
      ? { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) }
      : checkChain
        ? // The chain only: the name in the certificate is not compared with the host.
          { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }), checkServerIdentity: () => undefined }
        : { rejectUnauthorized: false };
  if (mode === 'prefer') return [tls, false];
  if (mode === 'allow') return [false, tls];
  return [tls];
}

function readRootCert(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new EnvkitError('FILE', `cannot read the CA certificate file ${path} (${typeof code === 'string' ? code : 'unknown error'})`, {
      hint: 'give the PEM file of the CA that signed the server certificate (libpq\'s sslrootcert)',
      path,
      reason: 'sslrootcert-unreadable',
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new EnvkitError('FILE', `the CA certificate file ${path} holds no PEM certificate`, {
      hint: 'give the PEM file (-----BEGIN CERTIFICATE-----) of the CA that signed the server certificate',
      path,
      reason: 'sslrootcert-unreadable',
    });
  }
  return text;
}
