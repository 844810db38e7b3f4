import type { EnvSchema, VarSpec } from '../schema/define.js';
import type { EnvDocument } from '../dotenv/document.js';
import { validateValues } from '../schema/load.js';
import { EnvkitError, type ErrorIssue, type IssueFix } from '../errors.js';

/**
 * What envkit did for one key. Never carries the value. `added`: a key the file did not have was set (`updated`:
 * one it had changed).
 */
export type KeyAction = 'generated' | 'default' | 'given' | 'derived' | 'kept' | 'missing' | 'invalid' | 'added' | 'updated' | 'removed';

/** One line of a summary. */
export interface KeySummary {
  key: string;
  action: KeyAction;
  secret: boolean;
  /** Why, when the action needs explaining (e.g. the validation issue of an invalid kept value). */
  reason?: string;
  /** A stable code for `reason`, where a front end adds its own way on (`given-unused`: how to change the kept value). */
  reasonCode?: 'given-unused';
  /** For `invalid`: how to fix the value, as data (a front end words it after `reason`). */
  fix?: IssueFix;
}

/** A value counts as present when it is set and not empty (`KEY=` means "not set" in every reader's practice). */
export function isPresent(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/**
 * Recompute every derived variable from the values of its parts, in `values` (mutated) and in `doc`.
 * Returns the keys whose value changed.
 */
export function applyDerived(schema: EnvSchema, doc: EnvDocument, values: Record<string, string>): string[] {
  const changed: string[] = [];
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (!spec.derive) continue;
    const parts: Record<string, string> = {};
    for (const dep of spec.derive.from) if (isPresent(values[dep])) parts[dep] = values[dep];
    const current = isPresent(values[key]) ? values[key] : undefined;
    const next = spec.derive.compute(parts, current);
    if (next === undefined || next === current) continue;
    doc.set(key, next);
    values[key] = next;
    changed.push(key);
  }
  return changed;
}

/**
 * Validate single values against their specs before they are written; throws one VALIDATION error
 * naming every bad key. Values are never echoed.
 */
export function assertValidValues(schema: EnvSchema, values: Record<string, string>, context: Record<string, string>): void {
  const issues: ErrorIssue[] = [];
  for (const key of Object.keys(values)) {
    if (!(key in schema.vars)) {
      issues.push({ key, message: `${key} is not a variable of the ${schema.name} schema`, reason: 'unknown-key' });
    }
  }
  const result = validateValues(schema, { ...context, ...values });
  for (const issue of result.issues) if (issue.key !== undefined && issue.key in values) issues.push(issue);
  if (issues.length > 0) {
    // One key can fail several rules: count and name the keys, each once.
    const keys = [...new Set(issues.map((i) => i.key))];
    throw new EnvkitError('VALIDATION', `${keys.length} invalid value${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`, {
      issues,
      hint: 'fix the values named above; nothing was written',
    });
  }
}

/** The spec of `key`, or an UNKNOWN_KEY error that lists how to see the schema. */
export function specOf(schema: EnvSchema, key: string): VarSpec {
  const spec = schema.vars[key];
  if (!spec) {
    throw new EnvkitError('UNKNOWN_KEY', `${key} is not a variable of the ${schema.name} schema`, {
      hint: 'see the schema for its variables',
      reason: 'unknown-key',
    });
  }
  return spec;
}
