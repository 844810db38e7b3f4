import type { EnvSchema } from '../schema/define.js';

/**
 * The values `init --from-env` starts from: `given` (wins), plus each variable of the schema that `env`
 * sets to something non-empty. A derived value in the environment (MEMU_DB_URL after `set -a; . ./.env`)
 * is not taken: init recomputes it from its parts.
 *
 * @example
 * withEnvironmentValues(memuSchema, { POSTGRES_DB: 'memu' }, process.env);
 */
export function withEnvironmentValues(schema: EnvSchema, given: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const values = { ...given };
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (spec.derive) continue;
    const value = env[key];
    if (value !== undefined && value !== '' && values[key] === undefined) values[key] = value;
  }
  return values;
}
