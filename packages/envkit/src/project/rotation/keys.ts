import type { EnvSchema } from '../../schema/define.js';
import { EnvkitError } from '../../errors.js';
import { externalGuard } from '../../schema/external.js';
import { POSTGRES_IMAGE_KEYS } from '../../schema/profile.js';

/** The variables that make up a database login: which one is the password, the user, the database, the URL. */
export interface DatabaseKeys {
  password: string;
  user: string;
  database: string;
  /** The connection URL derived from the three (memu: `MEMU_DB_URL`); `undefined` when the schema has none. */
  url: string | undefined;
}

/** The postgres image's own variable names (the default login of a schema whose profile names none). */
export { POSTGRES_IMAGE_KEYS };

/**
 * The database login `key` belongs to, when `key` is a database password of `schema`: `key` is the
 * password variable (`given`, else the schema's profile, else `POSTGRES_PASSWORD`) and the schema defines
 * the user and database variables. The URL is `given.url`, else the profile's, else the one schema variable
 * derived from all three. `undefined` for any other key (an API key): such a key is rotated in the file only
 * (rotateSecret).
 *
 * @example
 * databaseKeysFor(memuSchema, 'POSTGRES_PASSWORD');
 * // { password: 'POSTGRES_PASSWORD', user: 'POSTGRES_USER', database: 'POSTGRES_DB', url: 'MEMU_DB_URL' }
 */
export function databaseKeysFor(schema: EnvSchema, key: string, given: Partial<DatabaseKeys> = {}): DatabaseKeys | undefined {
  const profile = schema.profile?.database?.keys;
  const password = given.password ?? profile?.password ?? POSTGRES_IMAGE_KEYS.password;
  const user = given.user ?? profile?.user ?? POSTGRES_IMAGE_KEYS.user;
  const database = given.database ?? profile?.database ?? POSTGRES_IMAGE_KEYS.database;
  if (key !== password || ![password, user, database].every((k) => k in schema.vars)) return undefined;
  const url = given.url ?? profile?.url;
  if (url !== undefined) {
    if (!(url in schema.vars)) {
      throw new EnvkitError('UNKNOWN_KEY', `${url} (the database URL) is not a variable of the ${schema.name} schema`, {
        reason: 'url-unknown',
      });
    }
    return { password, user, database, url };
  }
  const derived = Object.entries(schema.vars).filter(([, spec]) =>
    [password, user, database].every((part) => spec.derive?.from.includes(part)),
  );
  return { password, user, database, url: derived.length === 1 ? derived[0]![0] : undefined };
}

/**
 * How `key` of `schema` is rotated: `database` (the live database and the env file together, rotatePassword)
 * or `file` (the env file alone, rotateSecret). `livesElsewhere` is true for a `file` key whose value also
 * lives outside the file too (externalGuard: rotated with `force`), so a caller can say that only the
 * file changed.
 *
 * @example
 * rotationKind(memuSchema, 'POSTGRES_PASSWORD'); // { kind: 'database', livesElsewhere: true }
 * rotationKind(memuSchema, 'OPENAI_API_KEY');    // { kind: 'file', livesElsewhere: false }
 */
export function rotationKind(schema: EnvSchema, key: string, given: Partial<DatabaseKeys> = {}): { kind: 'database' | 'file'; livesElsewhere: boolean } {
  if (databaseKeysFor(schema, key, given) !== undefined) return { kind: 'database', livesElsewhere: true };
  return { kind: 'file', livesElsewhere: externalGuard(schema, key) !== undefined };
}
