import { safeParse, toJSONSchema as zodToJSONSchema } from 'zod/mini';
import type { EnvSchema, VarSpec } from './define.js';
import { isRequired } from './describe.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** The zod type as JSON Schema, or `{}` where zod cannot express it. */
function typeSchema(spec: VarSpec): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    // 'any' turns what JSON Schema cannot say (transforms, custom refinements) into "no constraint"
    // instead of throwing; refinements are dropped, so the JSON Schema is looser than the zod type.
    json = zodToJSONSchema(spec.type, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }) as Record<string, unknown>;
  } catch {
    json = {};
  }
  const { $schema: _draft, default: _zodDefault, ...rest } = json;
  const standard = standardFormats(rest) as Record<string, unknown>;
  return spec.jsonSchema === undefined ? standard : { allOf: [standard, spec.jsonSchema] };
}

/** The formats JSON Schema 2020-12 defines; zod also writes its own (`"format": "starts_with"`), which are dropped. */
const FORMATS = new Set([
  'date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri',
  'uri-reference', 'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
]);

function standardFormats(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(standardFormats);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'format' && typeof value === 'string' && !FORMATS.has(value)) continue;
    out[key] = standardFormats(value);
  }
  return out;
}

/** The default as a loaded value (e.g. a number for `z.coerce.number()`), or the raw text. */
function defaultValue(spec: VarSpec): unknown {
  if (spec.default === undefined) return undefined;
  const parsed = safeParse(spec.type, spec.default);
  if (!parsed.success) return spec.default;
  const value: unknown = parsed.data;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : spec.default;
}

/**
 * The schema as a JSON Schema (draft 2020-12) object for non-TypeScript consumers: one property per
 * variable with its description, default, and the constraints zod can express (pattern, format,
 * length) plus the variable's own `jsonSchema` for its refinements; standard keywords and formats only.
 * `required` lists the variables with no default that are not optional (as `describeSchema`); any other may be
 * empty (`KEY=`), as `envkit check` accepts. Properties describe loaded values (zod's output), so a
 * `z.coerce.number()` variable is `"type": "number"`.
 *
 * Secret variables are `writeOnly` with `"x-envkit-secret": true`; derived ones carry
 * `"x-envkit-derived": { "from": [...] }`, generated ones `"x-envkit-generated": true`. Regex flags
 * and refinements without a `jsonSchema` are not representable, so the JSON Schema can be looser than the zod
 * type; a derived value's agreement with its parts is `envkit check`'s alone.
 *
 * @example
 * writeFileSync('env.schema.json', JSON.stringify(toJSONSchema(memuSchema), null, 2));
 */
export function toJSONSchema(schema: EnvSchema): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [key, spec] of Object.entries(schema.vars)) {
    const required = isRequired(spec);
    // An env file says "not set" with an empty value (`KEY=`, as `init` writes an optional key): allowed wherever
    // the variable may be left unset, as check allows it.
    const type = typeSchema(spec);
    const property: Record<string, unknown> = { description: spec.description, ...(required ? type : { anyOf: [{ const: '' }, type] }) };
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
    if (required) requiredKeys.push(key);
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
