import { z } from 'zod';
import type { EnvSchema, VarSpec } from './define.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** The zod type as JSON Schema, or `{}` where zod cannot express it. */
function typeSchema(spec: VarSpec): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    // 'any' turns what JSON Schema cannot say (transforms, custom refinements) into "no constraint"
    // instead of throwing; refinements are dropped, so the JSON Schema is looser than the zod type.
    json = z.toJSONSchema(spec.type, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Record<string, unknown>;
  } catch {
    json = {};
  }
  const { $schema: _draft, default: _zodDefault, ...rest } = json;
  return rest;
}

/** The default as a loaded value (e.g. a number for `z.coerce.number()`), or the raw text. */
function defaultValue(spec: VarSpec): unknown {
  if (spec.default === undefined) return undefined;
  const parsed = spec.type.safeParse(spec.default);
  if (!parsed.success) return spec.default;
  const value: unknown = parsed.data;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : spec.default;
}

function required(spec: VarSpec): boolean {
  return spec.default === undefined && spec.type._zod.optin === undefined;
}

/**
 * The schema as a JSON Schema (draft 2020-12) object for non-TypeScript consumers: one property per
 * variable with its description, default, and the constraints zod can express (pattern, format,
 * length); `required` lists the variables with no default that are not optional. Properties describe
 * loaded values (zod's output), so a `z.coerce.number()` variable is `"type": "number"`.
 *
 * Secret variables are `writeOnly` with `"x-envkit-secret": true`; derived ones carry
 * `"x-envkit-derived": { "from": [...] }`, generated ones `"x-envkit-generated": true`. Regex flags
 * and custom refinements are not representable, so the JSON Schema can be looser than the zod type.
 *
 * @example
 * writeFileSync('env.schema.json', JSON.stringify(toJSONSchema(memuSchema), null, 2));
 */
export function toJSONSchema(schema: EnvSchema): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [key, spec] of Object.entries(schema.vars)) {
    const property: Record<string, unknown> = { description: spec.description, ...typeSchema(spec) };
    const fallback = defaultValue(spec);
    if (fallback !== undefined) property.default = fallback;
    if (spec.example !== undefined) property.examples = [spec.example];
    if (spec.secret) {
      property.writeOnly = true;
      property['x-envkit-secret'] = true;
    }
    if (spec.derive) property['x-envkit-derived'] = { from: [...spec.derive.from] };
    if (spec.generate) property['x-envkit-generated'] = true;
    property['x-envkit-section'] = spec.section;
    properties[key] = property;
    if (required(spec)) requiredKeys.push(key);
  }
  return {
    $schema: DRAFT,
    title: schema.name,
    description: `Environment variables of ${schema.name}`,
    type: 'object',
    properties,
    required: requiredKeys,
    'x-envkit-sections': [...schema.sections],
  };
}
