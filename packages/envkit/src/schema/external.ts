import type { EnvSchema, ExternalHint } from './define.js';

/** Why changing a variable in the env file alone breaks something, as {@link externalGuard} finds it. */
export interface ExternalGuard {
  /** Where else the value lives (the spec's `external`). */
  where: string;
  /**
   * The derived variable through which the change reaches `where`, when the guard is inherited (a part of a
   * derived value that lives elsewhere); `undefined` when the variable itself has `external`.
   */
  via: string | undefined;
  /** How to change it in both places, when the schema says (`externalHint`). */
  hint: string | ExternalHint | undefined;
}

/**
 * Whether changing `key` in the env file alone would leave it disagreeing with a copy that lives elsewhere:
 * the variable has `external` itself (a database password, a role name), or it is one of the parts (`derive.from`)
 * of a derived variable that has `external` — changing a part rewrites the derived value, so the copy elsewhere
 * goes out of step just the same. `undefined` when the file is the only place the value lives.
 *
 * @example
 * externalGuard(memuSchema, 'POSTGRES_USER')?.where; // 'the role ... in the running database ...'
 */
export function externalGuard(schema: EnvSchema, key: string): ExternalGuard | undefined {
  const own = schema.vars[key];
  if (own?.external) return { where: own.external, via: undefined, hint: own.externalHint };
  for (const [derived, spec] of Object.entries(schema.vars)) {
    if (spec.external && spec.derive?.from.includes(key)) return { where: spec.external, via: derived, hint: spec.externalHint };
  }
  return undefined;
}
