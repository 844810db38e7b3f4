import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { EnvkitError } from '../errors.js';

/** PostgreSQL's default (`scram_iterations`, and libpq's for `\password`). */
const DEFAULT_ITERATIONS = 4096;
/** PostgreSQL's `SCRAM_DEFAULT_SALT_LEN`. */
const DEFAULT_SALT_BYTES = 16;
/** SHA-256 output length; SCRAM-SHA-256 keys are this long. */
const KEY_BYTES = 32;

/** Options of {@link scramSha256Verifier}. */
export interface ScramOptions {
  /** PBKDF2 iteration count; PostgreSQL's default 4096 unless given. */
  iterations?: number;
  /** Salt; 16 fresh random bytes unless given (give one only for tests and reproducible checks). */
  salt?: Buffer;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password`, in the exact form of
 * `pg_be_scram_build_secret` (and of psql's `\password`):
 * `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`.
 *
 * `ALTER ROLE ... PASSWORD '<verifier>'` stores it as is, so the plaintext never reaches the server,
 * its logs or `pg_stat_activity`.
 *
 * SASLprep: PostgreSQL leaves a pure-ASCII password untouched, which is what this function relies on.
 * Non-ASCII passwords are refused with `USAGE`: PostgreSQL normalizes them with SASLprep (NFKC) but falls
 * back to the raw bytes when a prohibited character appears, and node-postgres implements only part of
 * SASLprep, so such a password could be accepted by one client and refused by another. Passwords
 * envkit generates are ASCII. NUL (which no libpq client can send) and the empty password are refused too.
 *
 * @example
 * const sql = alterRolePasswordSql('memu_production_user', scramSha256Verifier(newPassword));
 */
export function scramSha256Verifier(password: string, options: ScramOptions = {}): string {
  // Checks name the rule, never the value.
  if (password.length === 0) {
    throw new EnvkitError('USAGE', 'cannot build a SCRAM verifier for an empty password', {
      hint: 'generate a password first (envkit generates 32+ characters)',
    });
  }
  if (!/^[\x01-\x7f]*$/.test(password)) {
    throw new EnvkitError(
      'USAGE',
      'the password contains NUL or non-ASCII characters; envkit only sets ASCII database passwords',
      {
        hint:
          'PostgreSQL applies SASLprep to non-ASCII passwords and clients differ in how they do it, ' +
          'so such a password may work with psql and fail with the app; use a generated ASCII password',
      },
    );
  }
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new EnvkitError('USAGE', `SCRAM iterations must be a positive integer, got ${String(iterations)}`);
  }
  const salt = options.salt ?? randomBytes(DEFAULT_SALT_BYTES);
  if (salt.length === 0) {
    throw new EnvkitError('USAGE', 'a SCRAM salt must not be empty');
  }

  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, KEY_BYTES, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return (
    `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}` +
    `$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
  );
}

/**
 * True when `text` has the form of a SCRAM-SHA-256 verifier (not whether it matches any password).
 * Used to refuse anything else where only a verifier may go, so a plaintext password can never
 * end up in SQL text.
 */
export function isScramSha256Verifier(text: string): boolean {
  return /^SCRAM-SHA-256\$[1-9][0-9]*:[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/.test(text);
}
