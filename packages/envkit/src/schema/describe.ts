import type { EnvSchema } from './define.js';

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

/** The schema's variables in declaration order, for tables, JSON and Markdown. */
export function describeSchema(schema: EnvSchema): VariableInfo[] {
  return Object.entries(schema.vars).map(([key, spec]) => ({
    key,
    section: spec.section,
    description: spec.description,
    secret: spec.secret,
    required: spec.default === undefined && !spec.generate && !spec.derive && !spec.type.safeParse(undefined).success,
    default: spec.default,
    generated: spec.generate !== undefined,
    derivedFrom: spec.derive ? [...spec.derive.from] : undefined,
    example: spec.example,
  }));
}
