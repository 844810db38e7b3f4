import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { generatePassword } from '../secrets/password.js';
import { defineSchema, variable } from './define.js';
import { loadEnv, safeLoadEnv, validateValues } from './load.js';
import { memuSchema } from './memu.js';
import { testdir } from '../../../../test/helpers/testdir.js';
import { thrown } from '../../../../test/helpers/errors.js';

// An issue's fix is data (IssueFix); the CLI words it after the message (its test: packages/cli/src/render/value-fix.test.ts).

/** Every text an error exposes: message, hint and issues. */
function exposed(error: EnvkitError): string {
  return [error.message, error.hint ?? '', ...error.issues.map((i) => `${i.key ?? ''} ${i.location ?? ''} ${i.message}`)].join('\n');
}

const PASSWORD = 'Vq3_kT9-xLm2Pn8_Rs5-Wd7_Yf4-Hj6Z'; // 32 portable characters
const URL = `postgresql+psycopg://memu_production_user:${PASSWORD}@db:5432/memu_db`;
const GOOD = { POSTGRES_PASSWORD: PASSWORD, MEMU_DB_URL: URL };

describe('validateValues', () => {
  it('returns typed data with defaults applied', () => {
    const result = validateValues(memuSchema, GOOD);
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.data).toEqual({
      OPENAI_API_KEY: undefined,
      OPENROUTER_API_KEY: undefined,
      OPENROUTER_BASE_URL: 'https://openrouter.ai/api/v1',
      OLLAMA_API_BASE_URL: 'http://192.168.25.165:11434/api',
      POSTGRES_DB: 'memu_db',
      POSTGRES_USER: 'memu_production_user',
      POSTGRES_PASSWORD: PASSWORD,
      MEMU_DB_URL: URL,
      MEMU_MEMORY_LIMIT: '2g',
      DB_MEMORY_LIMIT: '1g',
    });
  });

  it('treats an empty string as not set', () => {
    const result = validateValues(memuSchema, { ...GOOD, OPENAI_API_KEY: '', POSTGRES_DB: '', MEMU_MEMORY_LIMIT: '' });
    expect(result.ok).toBe(true);
    expect(result.data?.OPENAI_API_KEY).toBeUndefined();
    expect(result.data?.POSTGRES_DB).toBe('memu_db');
    expect(result.data?.MEMU_MEMORY_LIMIT).toBe('2g');
    // GOOD has MEMU_DB_URL: the password was lost, not never set, and init would refuse to make a new one.
    const missing = validateValues(memuSchema, { ...GOOD, POSTGRES_PASSWORD: '' });
    expect(missing.issues).toEqual([{ key: 'POSTGRES_PASSWORD', message: 'POSTGRES_PASSWORD: is not set', fix: { code: 'restore', external: true } }]);
  });

  it('reports missing values instead of defaulting them with defaults: false', () => {
    const result = validateValues(memuSchema, GOOD, { defaults: false });
    expect(result.ok).toBe(false);
    expect(result.data).toBeUndefined();
    expect(result.issues.map((i) => i.key)).toEqual([
      'OPENROUTER_BASE_URL',
      'OLLAMA_API_BASE_URL',
      'POSTGRES_DB',
      'POSTGRES_USER',
      'MEMU_MEMORY_LIMIT',
      'DB_MEMORY_LIMIT',
    ]);
    expect(result.issues[2]).toEqual({ key: 'POSTGRES_DB', message: 'POSTGRES_DB: is not set', fix: { code: 'set', external: true, secret: false } });
  });

  it('names the fix: rotate a generated secret, set a plain value, recompute a derived one', () => {
    const result = validateValues(memuSchema, { ...GOOD, POSTGRES_PASSWORD: 'tooshort_pass', DB_MEMORY_LIMIT: 'lots' });
    expect(result.issues).toEqual([
      { key: 'POSTGRES_PASSWORD', message: 'POSTGRES_PASSWORD: must be at least 32 characters (got 13)', fix: { code: 'rotate' } },
      {
        key: 'DB_MEMORY_LIMIT',
        message: 'DB_MEMORY_LIMIT: must be a compose memory size: a number and b, k, m or g (e.g. 512m, 2g)',
        fix: { code: 'set', external: false, secret: false },
      },
    ]);
  });

  it('checks a derived variable against its parts, naming the part', () => {
    const other = generatePassword();
    const result = validateValues(memuSchema, { ...GOOD, MEMU_DB_URL: URL.replace(PASSWORD, other) });
    const from = ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'];
    expect(result.issues).toEqual([
      {
        key: 'MEMU_DB_URL',
        message: 'MEMU_DB_URL: password does not match POSTGRES_PASSWORD',
        fix: { code: 'recompute', part: 'POSTGRES_PASSWORD', from, external: true, secret: true },
      },
    ]);
    expect(JSON.stringify(result.issues)).not.toContain(other);
    const user = validateValues(memuSchema, { ...GOOD, POSTGRES_USER: 'someone_else' });
    expect(user.issues).toEqual([
      { key: 'MEMU_DB_URL', message: 'MEMU_DB_URL: user does not match POSTGRES_USER', fix: { code: 'recompute', part: 'POSTGRES_USER', from, external: true, secret: false } },
    ]);
  });

  it('does not pile a derive mismatch onto a part that is itself invalid', () => {
    const result = validateValues(memuSchema, { ...GOOD, POSTGRES_USER: 'Bad User' });
    expect(result.issues.map((i) => i.key)).toEqual(['POSTGRES_USER']);
  });

  it('compares with compute() when the derive spec has no check()', () => {
    const schema = defineSchema('t', {
      A: variable(z.string(), { description: 'a' }),
      B: variable(z.string(), { description: 'b' }),
      AB: variable(z.string(), { description: 'a+b', derive: { from: ['A', 'B'], compute: (v) => (v.A && v.B ? `${v.A}-${v.B}` : undefined) } }),
    });
    expect(validateValues(schema, { A: 'x', B: 'y', AB: 'x-y' }).ok).toBe(true);
    expect(validateValues(schema, { A: 'x', B: 'y', AB: 'x-z' }).issues).toEqual([
      { key: 'AB', message: 'AB: does not match A and B', fix: { code: 'recompute', part: 'A', from: ['A', 'B'], external: false, secret: false } },
    ]);
  });

  it('rejects placeholders by name for every variable, secret or not', () => {
    const result = validateValues(memuSchema, {
      ...GOOD,
      OPENAI_API_KEY: 'sk-your-actual-key-here',
      OPENROUTER_API_KEY: 'sk-or-v1-...',
      POSTGRES_USER: 'changeme',
    });
    // A secret is marked so: its fix gives it on standard input, never on a command line.
    const set = { code: 'set', external: false, secret: true };
    expect(result.issues).toEqual([
      { key: 'OPENAI_API_KEY', message: 'OPENAI_API_KEY: is a known placeholder, not a real value', fix: set },
      { key: 'OPENROUTER_API_KEY', message: 'OPENROUTER_API_KEY: is the placeholder from .env.example', fix: set },
      { key: 'POSTGRES_USER', message: 'POSTGRES_USER: looks like a placeholder (changeme)', fix: { ...set, external: true, secret: false } },
    ]);
  });

  it('reports a bad schema default as such', () => {
    const schema = defineSchema('t', { N: variable(z.coerce.number().int(), { description: 'n', default: 'eight' }) });
    expect(validateValues(schema, {}).issues).toEqual([
      { key: 'N', message: 'N (the schema default): must be a number', fix: { code: 'set', external: false, secret: false } },
    ]);
  });

  it('parses with the zod type: coerce.number gives a number', () => {
    const schema = defineSchema('t', {
      PORT: variable(z.coerce.number().int().min(1).max(65535), { description: 'port', default: '8000' }),
    });
    expect(validateValues(schema, {}).data).toEqual({ PORT: 8000 });
    expect(validateValues(schema, { PORT: '9000' }).data).toEqual({ PORT: 9000 });
    const set = { code: 'set', external: false, secret: false };
    expect(validateValues(schema, { PORT: '70000' }).issues).toEqual([{ key: 'PORT', message: 'PORT: must be at most 65535', fix: set }]);
    expect(validateValues(schema, { PORT: 'http' }).issues).toEqual([{ key: 'PORT', message: 'PORT: must be a number', fix: set }]);
  });
});

describe('no value ever reaches a message', () => {
  const SECRET = 'TOPSECRET-value-9f8e7d';

  it('for zod checks whose default messages could quote the input', () => {
    const schema = defineSchema('t', {
      A: variable(z.string().email(), { description: 'a' }),
      B: variable(z.enum(['x', 'y']), { description: 'b' }),
      C: variable(z.string().regex(/^\d+$/), { description: 'c' }),
      D: variable(z.literal('only'), { description: 'd' }),
      E: variable(z.string().max(3), { description: 'e' }),
      F: variable(z.url(), { description: 'f' }),
      G: variable(z.string().includes('zzz').startsWith('q').endsWith('r'), { description: 'g' }),
      H: variable(z.union([z.literal('a'), z.coerce.number()]), { description: 'h' }),
      I: variable(z.stringbool(), { description: 'i' }),
      J: variable(z.iso.datetime(), { description: 'j' }),
      K: variable(z.string().length(5), { description: 'k' }),
    });
    const values = Object.fromEntries(Object.keys(schema.vars).map((k) => [k, SECRET]));
    const result = validateValues(schema, values);
    expect(result.issues.map((i) => i.key)).toEqual(expect.arrayContaining(Object.keys(schema.vars)));
    for (const issue of result.issues) expect(issue.message).not.toContain(SECRET);
    for (const issue of result.issues) expect(issue.message).not.toContain('TOPSECRET');
  });

  it('for a schema message written as a function of the input', () => {
    const schema = defineSchema('t', {
      A: variable(z.string().min(100, { error: (iss) => `too short: ${String(iss.input)}` }), { description: 'a' }),
    });
    const [issue] = validateValues(schema, { A: SECRET }).issues;
    expect(issue).toEqual({ key: 'A', message: 'A: is invalid', fix: { code: 'set', external: false, secret: false } });
  });

  it('for a transform that throws with the value in its error', () => {
    const schema = defineSchema('t', {
      J: variable(z.string().transform((s) => JSON.parse(s) as unknown), { description: 'json', secret: true }),
    });
    const [issue] = validateValues(schema, { J: SECRET }).issues;
    expect(issue!.message).toBe("J: could not be checked (the schema's type threw SyntaxError); fix the schema of J");
  });

  it('for every memu variable given a wrong value', () => {
    const values = Object.fromEntries(Object.keys(memuSchema.vars).map((k) => [k, `${SECRET} %`]));
    const error = thrown(() => loadEnv(memuSchema, { env: values }));
    expect(new Set(error.issues.map((i) => i.key))).toEqual(new Set(Object.keys(memuSchema.vars)));
    expect(exposed(error)).not.toContain('TOPSECRET');
  });
});

describe('loadEnv', () => {
  it('returns the typed values from an env object', () => {
    const env = loadEnv(memuSchema, { env: { ...GOOD, UNRELATED: 'x' } });
    expect(env.POSTGRES_PASSWORD).toBe(PASSWORD);
    expect(env).not.toHaveProperty('UNRELATED');
  });

  it('throws one VALIDATION error listing every bad key, in schema order', () => {
    const error = thrown(() =>
      loadEnv(memuSchema, { env: { POSTGRES_PASSWORD: 'short', OPENAI_API_KEY: 'nope-not-a-key-0123456789', DB_MEMORY_LIMIT: '2' } }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('4 invalid variables: OPENAI_API_KEY, POSTGRES_PASSWORD, MEMU_DB_URL, DB_MEMORY_LIMIT');
    expect(error.issues.map((i) => i.key)).toEqual(['OPENAI_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL', 'DB_MEMORY_LIMIT']);
  });

  it('says "1 invalid variable" for one', () => {
    expect(thrown(() => loadEnv(memuSchema, { env: { POSTGRES_PASSWORD: PASSWORD } })).message).toBe('1 invalid variable: MEMU_DB_URL');
  });

  it('reads a .env file', () => {
    const dir = testdir({ '.env': `# memu\nPOSTGRES_PASSWORD=${PASSWORD}\nMEMU_DB_URL=${URL}\nOPENAI_API_KEY=\n` });
    const env = loadEnv(memuSchema, { path: join(dir, '.env') });
    expect(env.MEMU_DB_URL).toBe(URL);
    expect(env.OPENAI_API_KEY).toBeUndefined();
  });

  it('locates issues at file:line for file and text sources', () => {
    const dir = testdir({ '.env': `POSTGRES_PASSWORD=${PASSWORD}\n\nMEMU_DB_URL=${URL}\nDB_MEMORY_LIMIT=huge\n` });
    const path = join(dir, '.env');
    const error = thrown(() => loadEnv(memuSchema, { path }));
    expect(error.path).toBe(path);
    expect(error.issues).toEqual([
      { key: 'DB_MEMORY_LIMIT', location: `${path}:4`, message: expect.stringContaining('DB_MEMORY_LIMIT:'), fix: { code: 'set', external: false, secret: false } },
    ]);
    const fromText = thrown(() => loadEnv(memuSchema, { text: 'POSTGRES_PASSWORD=x\n', file: 'prod.env' }));
    expect(fromText.issues[0]).toMatchObject({ key: 'POSTGRES_PASSWORD', location: 'prod.env:1' });
    // A missing key has no line.
    expect(fromText.issues[1]).toEqual({
      key: 'MEMU_DB_URL',
      message: expect.stringContaining('is not set'),
      fix: { code: 'compute', from: ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'] },
    });
  });

  it('throws FILE for a path it cannot read', () => {
    const dir = testdir();
    const missing = thrown(() => loadEnv(memuSchema, { path: join(dir, 'nope.env') }));
    expect(missing.code).toBe('FILE');
    expect(missing.message).toBe(`cannot read ${join(dir, 'nope.env')}: it does not exist`);
    mkdirSync(join(dir, 'adir'));
    expect(thrown(() => loadEnv(memuSchema, { path: join(dir, 'adir') })).message).toMatch(/adir is a directory; envkit reads only a regular file here$/);
    if (process.getuid?.() !== 0) {
      writeFileSync(join(dir, 'locked.env'), 'A=1\n');
      chmodSync(join(dir, 'locked.env'), 0o000);
      expect(thrown(() => loadEnv(memuSchema, { path: join(dir, 'locked.env') })).message).toMatch(/permission denied$/);
    }
  });

  it('throws PARSE naming file:line:column for text no reader reads the same', () => {
    const error = thrown(() => loadEnv(memuSchema, { text: `POSTGRES_PASSWORD=${PASSWORD}\njust some words\n`, file: 'x.env' }));
    expect(error.code).toBe('PARSE');
    expect(error.issues[0]!.location).toBe('x.env:2:1');
    expect(exposed(error)).not.toContain(PASSWORD);
  });
});

describe('safeLoadEnv', () => {
  it('returns data on success', () => {
    const result = safeLoadEnv(memuSchema, { env: GOOD });
    expect(result.success).toBe(true);
    if (result.success) expect(result.data.POSTGRES_USER).toBe('memu_production_user');
  });

  it('returns the EnvkitError on failure', () => {
    const result = safeLoadEnv(memuSchema, { env: {} });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(isEnvkitError(result.error, 'VALIDATION')).toBe(true);
      expect(result.error.issues.map((i) => i.key)).toEqual(['POSTGRES_PASSWORD', 'MEMU_DB_URL']);
    }
    const file = safeLoadEnv(memuSchema, { path: '/nonexistent/envkit/.env' });
    expect(!file.success && file.error.code).toBe('FILE');
  });

  it('still throws what is not an EnvkitError (a bug, not bad input)', () => {
    const env = new Proxy({}, { get: () => { throw new TypeError('boom'); } });
    expect(() => safeLoadEnv(memuSchema, { env })).toThrow(TypeError);
  });
});
