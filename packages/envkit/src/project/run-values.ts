import { EnvkitError } from '../errors.js';
import type { EnvSchema } from '../schema/define.js';
import { parseDocument, type EnvDocument } from '../dotenv/document.js';
import { validateValues } from '../schema/load.js';
import { applyDerived, isPresent } from './plan.js';

/**
 * The variables a process started by `envkit run` gets from an environment: every assignment of the
 * document, schema defaults for missing values, derived values computed from their parts — validated
 * against the schema first. Throws VALIDATION naming each bad key (never a value); `file` names the source
 * and `checkCommand` is the command that lists the problems.
 */
export function runValues(schema: EnvSchema, doc: EnvDocument, file: string, checkCommand: string): Record<string, string> {
  const values = doc.toObject();
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (!isPresent(values[key]) && spec.default !== undefined && !spec.derive) values[key] = spec.default;
  }
  // applyDerived edits a document as it goes; this one is thrown away (nothing is written).
  applyDerived(schema, parseDocument(''), values);
  const result = validateValues(schema, values);
  if (!result.ok) {
    const keys = [...new Set(result.issues.map((i) => i.key).filter((k): k is string => k !== undefined))];
    throw new EnvkitError('VALIDATION', `${file} is not valid: ${keys.join(', ') || 'see below'}; the command was not started`, {
      issues: result.issues,
      hint: `fix the values named above (\`${checkCommand}\` lists them)`,
    });
  }
  return values;
}
