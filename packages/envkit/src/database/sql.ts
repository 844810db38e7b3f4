import { EnvkitError } from '../errors.js';
import { isScramSha256Verifier } from '../secrets/scram.js';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1), which could name a different role. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quote `name` as a PostgreSQL identifier: `"..."` with every `"` doubled, so any role name
 * (`memu-user`, `Mixed"Quote`) is taken literally and case is kept.
 * Refuses NUL (no identifier can hold it), the empty name and names over 63 bytes, which the server
 * would silently truncate to some other role's name.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new EnvkitError('USAGE', 'an SQL identifier (role name) must not be empty');
  if (name.includes('\0')) throw new EnvkitError('USAGE', 'an SQL identifier (role name) must not contain NUL');
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new EnvkitError('USAGE', `the role name is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit`, {
      hint: 'PostgreSQL would truncate it and could change another role; check POSTGRES_USER',
    });
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quote `text` as a PostgreSQL string literal that reads the same whatever
 * `standard_conforming_strings` is: `'...'` with `'` doubled, and the `E'...'` form with `\`
 * doubled when a backslash is present (the approach of libpq's PQescapeLiteral).
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new EnvkitError('USAGE', 'an SQL string literal must not contain NUL');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/**
 * The statement that sets `role`'s password to a pre-hashed SCRAM verifier:
 * `ALTER ROLE "role" WITH PASSWORD 'SCRAM-SHA-256$...';`.
 * Anything that is not a verifier (above all a plaintext password) is refused, so this statement can
 * be logged by the server (`log_statement = all`) without revealing a password.
 *
 * @example
 * alterRolePasswordSql('memu_production_user', scramSha256Verifier(newPassword));
 */
export function alterRolePasswordSql(role: string, verifier: string): string {
  if (!isScramSha256Verifier(verifier)) {
    throw new EnvkitError('USAGE', 'alterRolePasswordSql takes a SCRAM-SHA-256 verifier, not a password', {
      hint: 'build one with scramSha256Verifier(password)',
    });
  }
  return `ALTER ROLE ${quoteIdent(role)} WITH PASSWORD ${quoteLiteral(verifier)};`;
}
