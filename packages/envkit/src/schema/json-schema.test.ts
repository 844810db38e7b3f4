import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generatePassword } from '../secrets/password.js';
import { defineSchema, variable } from './define.js';
import { toJSONSchema } from './json-schema.js';
import { memuSchema } from './memu.js';
import { requireTool } from '../../../../test/helpers/require.js';


const PYTHON = '/usr/bin/python3';
const hasJsonschema = spawnSync(PYTHON, ['-c', 'import jsonschema; jsonschema.Draft202012Validator'], { stdio: 'ignore' }).status === 0;

/** Validate each instance with python-jsonschema's Draft 2020-12 validator; returns the failing paths. */
function pythonValidate(schema: unknown, instances: unknown[]): string[][] {
  const script = [
    'import json, sys',
    'from jsonschema import Draft202012Validator',
    'data = json.load(sys.stdin)',
    'Draft202012Validator.check_schema(data["schema"])',
    'v = Draft202012Validator(data["schema"])',
    'out = [sorted({"/".join(str(p) for p in e.absolute_path) or e.validator for e in v.iter_errors(i)}) for i in data["instances"]]',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ schema, instances }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`jsonschema failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

type Props = Record<string, Record<string, unknown>>;
const memu = toJSONSchema(memuSchema);
const props = memu.properties as Props;

describe('toJSONSchema(memuSchema)', () => {
  it('is a draft 2020-12 object schema titled after the schema', () => {
    expect(memu.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(memu.type).toBe('object');
    expect(memu.title).toBe('memu');
    expect(Object.keys(props)).toEqual(Object.keys(memuSchema.vars));
  });

  it('requires exactly the variables with no default that are not optional', () => {
    expect(memu.required).toEqual(['POSTGRES_PASSWORD', 'MEMU_DB_URL']);
  });

  it('marks secrets writeOnly and derived variables with their parts', () => {
    for (const key of ['OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL']) {
      expect(props[key], key).toMatchObject({ writeOnly: true, 'x-envkit-secret': true });
    }
    expect(props.POSTGRES_USER!.writeOnly).toBeUndefined();
    expect(props.MEMU_DB_URL!['x-envkit-derived']).toEqual({ from: ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'] });
    expect(props.POSTGRES_PASSWORD!['x-envkit-generated']).toBe(true);
  });

  it('carries descriptions, defaults, examples, patterns and formats', () => {
    for (const [key, spec] of Object.entries(memuSchema.vars)) expect(props[key]!.description).toBe(spec.description);
    expect(props.POSTGRES_DB!.default).toBe('memu_db');
    expect(props.MEMU_MEMORY_LIMIT!.default).toBe('2g');
    expect(props.OPENAI_API_KEY!.examples).toEqual(['sk-...']);
    // A variable with a default may be left empty (KEY=), as check allows; otherwise it is its type.
    expect(props.OPENROUTER_BASE_URL).toMatchObject({ default: 'https://openrouter.ai/api/v1', anyOf: [{ const: '' }, { allOf: [{ type: 'string', format: 'uri' }, { pattern: expect.any(String) }] }] });
    expect(JSON.stringify(memu)).not.toContain('starts_with');
    expect(JSON.stringify(props.POSTGRES_PASSWORD)).toContain('"minLength":32');
    expect(JSON.stringify(props.POSTGRES_PASSWORD)).toContain('^[A-Za-z0-9_-]+$');
    expect(JSON.stringify(props.POSTGRES_USER)).toContain('"maxLength":63');
  });

  it('never contains a generated value', () => {
    expect(JSON.stringify(memu)).not.toMatch(/"default":"[A-Za-z0-9_-]{32,}"/);
  });

  it('round-trips through JSON', () => {
    expect(JSON.parse(JSON.stringify(memu))).toEqual(memu);
  });
});

describe('toJSONSchema of other types', () => {
  const schema = defineSchema('app', {
    PORT: variable(z.coerce.number().int().min(1).max(65535), { description: 'HTTP port', default: '8000' }),
    MODE: variable(z.enum(['dev', 'prod']), { description: 'Run mode' }),
    TOKEN: variable(z.string().min(20).transform((s) => s.trim()), { description: 'Token', secret: true }),
    NOTE: variable(z.string().optional(), { description: 'Free text' }),
  });
  const json = toJSONSchema(schema);
  const p = json.properties as Props;

  it('describes loaded values: a coerced number is a number with its default parsed', () => {
    expect(p.PORT).toMatchObject({ default: 8000, anyOf: [{ const: '' }, { type: 'integer', minimum: 1, maximum: 65535 }] });
  });

  it('keeps enums, survives transforms and leaves optional variables out of required', () => {
    expect(p.MODE).toMatchObject({ type: 'string', enum: ['dev', 'prod'] });
    expect(p.TOKEN).toMatchObject({ description: 'Token', writeOnly: true });
    expect(json.required).toEqual(['MODE', 'TOKEN']);
  });
});

describe.runIf(requireTool('python3-jsonschema', hasJsonschema, 'apt-get install -y python3-jsonschema'))(
  'python-jsonschema (Draft 2020-12) accepts the schema and validates with it',
  () => {
    it('accepts a valid memu env and rejects bad ones by property', () => {
      const password = generatePassword();
      const good = {
        POSTGRES_PASSWORD: password,
        MEMU_DB_URL: `postgresql+psycopg://memu_production_user:${password}@db:5432/memu_db`,
        POSTGRES_USER: 'memu_production_user',
        MEMU_MEMORY_LIMIT: '512m',
        OPENAI_API_KEY: 'sk-proj-abcdefghijklmnopqrstuvwxyz',
      };
      const results = pythonValidate(memu, [
        good,
        { ...good, POSTGRES_PASSWORD: 'short%' },
        { ...good, POSTGRES_USER: 'Memu' },
        { ...good, MEMU_MEMORY_LIMIT: '2 gigs' },
        { ...good, OPENAI_API_KEY: 'not-a-key-at-all-but-long' },
        { POSTGRES_PASSWORD: password },
      ]);
      expect(results).toEqual([
        [],
        ['POSTGRES_PASSWORD'],
        ['POSTGRES_USER'],
        ['MEMU_MEMORY_LIMIT'],
        ['OPENAI_API_KEY'],
        ['required'],
      ]);
    });
  },
);
