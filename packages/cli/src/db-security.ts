import { resolve } from 'node:path';
import type { ConnectionSecurity, SslMode } from 'envkit';

/** The direct-connection flags of `rotate` and `check --online`. */
export interface DbSecurityFlags {
  dbSslmode?: SslMode;
  dbSslrootcert?: string;
  dbAllowInsecureAuth?: boolean;
}

/**
 * The connection security the flags give; `undefined` when none was given (then the URL's query, PGSSLMODE /
 * PGSSLROOTCERT and a pending rotation's record apply). A CA file path is taken from the current directory,
 * as libpq takes it; `system` stays as it is.
 */
export function dbSecurity(flags: DbSecurityFlags, cwd: string): ConnectionSecurity | undefined {
  const { dbSslmode, dbSslrootcert, dbAllowInsecureAuth } = flags;
  if (dbSslmode === undefined && dbSslrootcert === undefined && !dbAllowInsecureAuth) return undefined;
  return {
    ...(dbSslmode === undefined ? {} : { sslmode: dbSslmode }),
    ...(dbSslrootcert === undefined ? {} : { sslrootcert: dbSslrootcert === 'system' ? 'system' : resolve(cwd, dbSslrootcert) }),
    ...(dbAllowInsecureAuth ? { allowInsecureAuth: true } : {}),
  };
}

/**
 * What the CLI adds to an error's or a finding's fix for a `reason` the library gives: the flag that does
 * it (the library names no flags).
 */
const FLAG_HINTS: Readonly<Record<string, string>> = {
  'insecure-auth': 'to send it anyway: --db-allow-insecure-auth',
  tls: 'TLS settings: --db-sslmode and --db-sslrootcert (or ?sslmode=/&sslrootcert= in the URL, PGSSLMODE/PGSSLROOTCERT)',
  'sslrootcert-missing': 'give the CA file with --db-sslrootcert <file> (or PGSSLROOTCERT)',
  'sslrootcert-unreadable': 'give the CA file with --db-sslrootcert <file>',
  rejected: 'for a hostssl line: --db-sslmode require, or verify-full with --db-sslrootcert <ca.pem>',
};

/** `hint` with the flag for `reason` appended, when the CLI has one. */
export function withFlagHint(hint: string | undefined, reason: string | undefined): string | undefined {
  const flag = reason === undefined ? undefined : FLAG_HINTS[reason];
  if (flag === undefined) return hint;
  return hint === undefined ? flag : `${hint}; ${flag}`;
}
