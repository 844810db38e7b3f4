import type { RotateTarget } from '../findings.js';
import type { EnvSchema } from './define.js';

/**
 * The secret to rotate for a leaked value of `key`: the secret it is derived from (a URL made from the
 * password: rotating the URL itself is refused), else `key`, `given` when it has no generator (its new value
 * comes from its issuer, on standard input). Without a schema, `key` itself, given.
 */
export function rotateTarget(schema: EnvSchema | undefined, key: string): RotateTarget {
  const spec = schema?.vars[key];
  const source = spec?.derive?.from.find((k) => schema?.vars[k]?.secret);
  if (source !== undefined) return { key: source, given: false };
  return { key, given: spec?.generate === undefined };
}

/** The secrets to rotate for leaked values of `keys`, each once (MEMU_DB_URL and POSTGRES_PASSWORD: one rotation). */
export function rotateTargets(schema: EnvSchema | undefined, keys: readonly string[]): RotateTarget[] {
  return [...new Map(keys.map((key) => rotateTarget(schema, key)).map((t) => [`${t.key} ${t.given}`, t])).values()];
}
