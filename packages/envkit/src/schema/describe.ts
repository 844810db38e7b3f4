import { safeParse } from 'zod/mini';
import type { EnvSchema, VarSpec } from './define.js';

/** One variable as documentation: everything but its zod type. */
export interface VariableInfo {
  key: string;
  section: string;
  description: string;
  secret: boolean;
  required: boolean;
  default: string | undefined;
  generated: boolean;
  derivedFrom: string[] | undefined;
  example: string | undefined;
}

/**
 * Whether a valid env file must hold a value for the variable: it has no default and is not optional. A generated
 * or derived variable is required too (envkit supplies it, but a file without it is invalid); `envkit schema`,
 * `--format json` and `--format json-schema` all say the same.
 */
export function isRequired(spec: VarSpec): boolean {
  return spec.default === undefined && !safeParse(spec.type, undefined).success;
}

/** The schema's variables in declaration order, for tables, JSON and Markdown. */
export function describeSchema(schema: EnvSchema): VariableInfo[] {
  return Object.entries(schema.vars).map(([key, spec]) => ({
    key,
    section: spec.section,
    description: spec.description,
    secret: spec.secret,
    required: isRequired(spec),
    default: spec.default,
    generated: spec.generate !== undefined,
    derivedFrom: spec.derive ? [...spec.derive.from] : undefined,
    example: spec.example,
  }));
}
