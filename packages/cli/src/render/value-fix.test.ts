import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSchema, validateValues, variable, type ErrorIssue } from 'envkit';
import { memuSchema } from 'envkit/memu';
import { issueWithFix, valueFixText } from './value-fix.js';
import { wordIssue } from './reasons.js';

// The library gives an invalid value's fix as data (IssueFix; its schema tests pin that data); these pin the
// command lines this CLI words from it after the message, as every command prints them.

const worded = (issues: readonly ErrorIssue[]): ErrorIssue[] => issues.map((issue) => issueWithFix(issue));

const PASSWORD = 'Vq3_kT9-xLm2Pn8_Rs5-Wd7_Yf4-Hj6Z'; // 32 portable characters
const URL = `postgresql+psycopg://memu_production_user:${PASSWORD}@db:5432/memu_db`;
const GOOD = { POSTGRES_PASSWORD: PASSWORD, MEMU_DB_URL: URL };

/** The worded messages for `key` when it alone is set to `value` (the rest valid). */
function messages(key: string, value: string): string[] {
  return worded(validateValues(memuSchema, { ...GOOD, [key]: value }).issues.filter((i) => i.key === key)).map((i) => i.message);
}

describe('the fix of a memu value, in this CLI\'s words', () => {
  it('a lost password: restore it, or set the old value with --force', () => {
    const missing = validateValues(memuSchema, { ...GOOD, POSTGRES_PASSWORD: '' });
    expect(worded(missing.issues)).toEqual([
      {
        key: 'POSTGRES_PASSWORD',
        message:
          'POSTGRES_PASSWORD: is not set; run `envkit restore --force` to bring it back from the keyring (a copy of the file is kept), or `envkit set --force POSTGRES_PASSWORD --stdin` (it asks, the input hidden) with the old value',
      },
    ]);
  });

  it('a missing value that also lives in the database: set --force', () => {
    const result = validateValues(memuSchema, GOOD, { defaults: false });
    expect(worded(result.issues)[2]!.message).toBe('POSTGRES_DB: is not set; run `envkit set --force POSTGRES_DB=...`');
  });

  it('rotate a generated secret, set a plain value', () => {
    const result = validateValues(memuSchema, { ...GOOD, POSTGRES_PASSWORD: 'tooshort_pass', DB_MEMORY_LIMIT: 'lots' });
    expect(worded(result.issues)).toEqual([
      {
        key: 'POSTGRES_PASSWORD',
        message: 'POSTGRES_PASSWORD: must be at least 32 characters (got 13); run `envkit rotate POSTGRES_PASSWORD`',
      },
      {
        key: 'DB_MEMORY_LIMIT',
        message: 'DB_MEMORY_LIMIT: must be a compose memory size: a number and b, k, m or g (e.g. 512m, 2g); run `envkit set DB_MEMORY_LIMIT=...`',
      },
    ]);
    expect(messages('POSTGRES_PASSWORD', 'a'.repeat(31))).toEqual([
      'POSTGRES_PASSWORD: must be at least 32 characters (got 31); run `envkit rotate POSTGRES_PASSWORD`',
    ]);
  });

  it('a derived value that disagrees with a part: recompute it, or set the part it names', () => {
    const other = 'Zz9_kT9-xLm2Pn8_Rs5-Wd7_Yf4-Hj6Q';
    const result = validateValues(memuSchema, { ...GOOD, MEMU_DB_URL: URL.replace(PASSWORD, other) });
    expect(worded(result.issues)).toEqual([
      {
        key: 'MEMU_DB_URL',
        message:
          'MEMU_DB_URL: password does not match POSTGRES_PASSWORD; run `envkit init` to recompute MEMU_DB_URL from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB; or, if MEMU_DB_URL holds the value you mean, `envkit set --force POSTGRES_PASSWORD --stdin` (it asks, the input hidden) with it',
      },
    ]);
    const user = validateValues(memuSchema, { ...GOOD, POSTGRES_USER: 'someone_else' });
    expect(worded(user.issues).map((i) => i.message)).toEqual([
      expect.stringMatching(/^MEMU_DB_URL: user does not match POSTGRES_USER; run `envkit init` to recompute MEMU_DB_URL .*`envkit set --force POSTGRES_USER=\.\.\.`/),
    ]);
  });

  it('placeholders and a key in the wrong variable: set the value', () => {
    const result = validateValues(memuSchema, {
      ...GOOD,
      OPENAI_API_KEY: 'sk-your-actual-key-here',
      OPENROUTER_API_KEY: 'sk-or-v1-...',
      POSTGRES_USER: 'changeme',
    });
    expect(worded(result.issues)).toEqual([
      // A secret is given on stdin (it asks on a terminal, hidden), never as KEY=VALUE in the shell's history.
      { key: 'OPENAI_API_KEY', message: 'OPENAI_API_KEY: is a known placeholder, not a real value; run `envkit set OPENAI_API_KEY --stdin` (it asks, the input hidden)' },
      { key: 'OPENROUTER_API_KEY', message: 'OPENROUTER_API_KEY: is the placeholder from .env.example; run `envkit set OPENROUTER_API_KEY --stdin` (it asks, the input hidden)' },
      { key: 'POSTGRES_USER', message: 'POSTGRES_USER: looks like a placeholder (changeme); run `envkit set --force POSTGRES_USER=...`' },
    ]);
    expect(messages('OPENAI_API_KEY', `sk-or-v1-${'0'.repeat(64)}`)).toEqual([
      expect.stringMatching(/^OPENAI_API_KEY: is an OpenRouter key \(sk-or-\.\.\.\); put it in OPENROUTER_API_KEY; /),
    ]);
  });
});

describe('the fix of a value of any schema, in this CLI\'s words', () => {
  it('a derived value without check(): recompute it, or set the first part', () => {
    const schema = defineSchema('t', {
      A: variable(z.string(), { description: 'a' }),
      B: variable(z.string(), { description: 'b' }),
      AB: variable(z.string(), { description: 'a+b', derive: { from: ['A', 'B'], compute: (v) => (v.A && v.B ? `${v.A}-${v.B}` : undefined) } }),
    });
    expect(worded(validateValues(schema, { A: 'x', B: 'y', AB: 'x-z' }).issues)).toEqual([
      { key: 'AB', message: 'AB: does not match A and B; run `envkit init` to recompute AB from A and B; or, if AB holds the value you mean, `envkit set A=...` with it' },
    ]);
  });

  it('a bad schema default, a value out of range, and a message that would quote the value: set it', () => {
    const defaulted = defineSchema('t', { N: variable(z.coerce.number().int(), { description: 'n', default: 'eight' }) });
    expect(worded(validateValues(defaulted, {}).issues)).toEqual([{ key: 'N', message: 'N (the schema default): must be a number; run `envkit set N=...`' }]);
    const port = defineSchema('t', { PORT: variable(z.coerce.number().int().min(1).max(65535), { description: 'port', default: '8000' }) });
    expect(worded(validateValues(port, { PORT: '70000' }).issues)[0]!.message).toBe('PORT: must be at most 65535; run `envkit set PORT=...`');
    expect(worded(validateValues(port, { PORT: 'http' }).issues)[0]!.message).toBe('PORT: must be a number; run `envkit set PORT=...`');
    const quoting = defineSchema('t', { A: variable(z.string().min(100, { error: (iss) => `too short: ${String(iss.input)}` }), { description: 'a' }) });
    const [issue] = worded(validateValues(quoting, { A: 'TOPSECRET-value-9f8e7d' }).issues);
    expect(issue!.message).toBe('A: is invalid; run `envkit set A=...`');
  });
});

describe('the fix of a value in an environment of another schema', () => {
  it('names the schema module in the edit it prints, and in the schema listing of an unknown key', () => {
    const scope = { environment: 'prod', options: ' --schema ./schema.mjs' };
    expect(valueFixText('SESSION_SECRET', { code: 'generate' }, scope)).toBe(
      'run `envkit edit --env prod --schema ./schema.mjs` and add it: `envkit generate password` makes one (envkit init generates it in .env only)',
    );
    expect(wordIssue({ key: 'NOPE', message: 'NOPE is not a variable of the fixes schema', reason: 'unknown-key' }, scope).message).toBe(
      'NOPE is not a variable of the fixes schema; see `envkit schema --schema ./schema.mjs`',
    );
  });
});
