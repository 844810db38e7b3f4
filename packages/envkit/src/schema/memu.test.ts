import { describe, expect, it } from 'vitest';
import { isEnvkitError, type ErrorIssue } from '../errors.js';
import { generatePassword } from '../secrets/password.js';
import { validateValues } from './load.js';
import { createMemuSchema, memuSchema } from './memu.js';
// An issue's fix is data (IssueFix); the CLI words it after the message (its test: packages/cli/src/render/value-fix.test.ts).

const PASSWORD = 'Vq3_kT9-xLm2Pn8_Rs5-Wd7_Yf4-Hj6Z';
const URL = `postgresql+psycopg://memu_production_user:${PASSWORD}@db:5432/memu_db`;
const GOOD = { POSTGRES_PASSWORD: PASSWORD, MEMU_DB_URL: URL };

/** The issues for `key` when it alone is set to `value` (the rest valid). */
function issues(key: string, value: string): ErrorIssue[] {
  const values: Record<string, string> = { ...GOOD, [key]: value };
  return validateValues(memuSchema, values).issues.filter((i) => i.key === key);
}

/** Their messages. */
function messages(key: string, value: string): string[] {
  return issues(key, value).map((i) => i.message);
}

describe('memuSchema', () => {
  it('has the ten variables of docs/deployment.md in three sections', () => {
    expect(memuSchema.name).toBe('memu');
    expect(Object.keys(memuSchema.vars)).toEqual([
      'OPENAI_API_KEY',
      'OPENROUTER_API_KEY',
      'OPENROUTER_BASE_URL',
      'OLLAMA_API_BASE_URL',
      'POSTGRES_DB',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'MEMU_DB_URL',
      'MEMU_MEMORY_LIMIT',
      'DB_MEMORY_LIMIT',
    ]);
    expect(memuSchema.sections).toEqual(['LLM providers', 'Database', 'Resources']);
    const bySection = (s: string) => Object.entries(memuSchema.vars).filter(([, v]) => v.section === s).map(([k]) => k);
    expect(bySection('Resources')).toEqual(['MEMU_MEMORY_LIMIT', 'DB_MEMORY_LIMIT']);
  });

  it('documents every variable in one line', () => {
    for (const [key, spec] of Object.entries(memuSchema.vars)) {
      expect(spec.description.length, key).toBeGreaterThan(15);
      expect(spec.description, key).not.toMatch(/\n/);
    }
  });

  it('marks secrets, prompts, the generated password and the derived URL', () => {
    const flags = Object.fromEntries(
      Object.entries(memuSchema.vars).map(([k, v]) => [k, [v.secret, v.prompt, v.generate !== undefined, v.derive !== undefined]]),
    );
    expect(flags).toEqual({
      OPENAI_API_KEY: [true, true, false, false],
      OPENROUTER_API_KEY: [true, true, false, false],
      OPENROUTER_BASE_URL: [false, false, false, false],
      OLLAMA_API_BASE_URL: [false, false, false, false],
      POSTGRES_DB: [false, false, false, false],
      POSTGRES_USER: [false, false, false, false],
      POSTGRES_PASSWORD: [true, false, true, false],
      MEMU_DB_URL: [true, false, false, true],
      MEMU_MEMORY_LIMIT: [false, false, false, false],
      DB_MEMORY_LIMIT: [false, false, false, false],
    });
  });

  it('has the defaults of docs/deployment.md, and they are valid', () => {
    const defaults = Object.fromEntries(Object.entries(memuSchema.vars).map(([k, v]) => [k, v.default]));
    expect(defaults).toMatchObject({
      OPENROUTER_BASE_URL: 'https://openrouter.ai/api/v1',
      OLLAMA_API_BASE_URL: 'http://192.168.25.165:11434/api',
      POSTGRES_DB: 'memu_db',
      POSTGRES_USER: 'memu_production_user',
      MEMU_MEMORY_LIMIT: '2g',
      DB_MEMORY_LIMIT: '1g',
    });
    expect(validateValues(memuSchema, GOOD).ok).toBe(true);
  });

  it('accepts what it generates and derives', () => {
    for (let i = 0; i < 50; i++) {
      const password = memuSchema.vars.POSTGRES_PASSWORD.generate!();
      const parts = { POSTGRES_USER: 'memu_production_user', POSTGRES_PASSWORD: password, POSTGRES_DB: 'memu_db' };
      const url = memuSchema.vars.MEMU_DB_URL.derive!.compute(parts, undefined)!;
      expect(validateValues(memuSchema, { ...parts, MEMU_DB_URL: url }).issues).toEqual([]);
    }
  });
});

describe('API keys', () => {
  it.each(['sk-proj-AbCdEf0123456789_-xyzXYZ', `sk-${'a'.repeat(48)}`, 'sk-svcacct-0123456789abcdefghij'])('OPENAI_API_KEY accepts %s', (v) => {
    expect(messages('OPENAI_API_KEY', v)).toEqual([]);
  });

  it('OPENAI_API_KEY refuses an OpenRouter key, a bad prefix, spaces and quotes', () => {
    expect(issues('OPENAI_API_KEY', `sk-or-v1-${'0'.repeat(64)}`)).toEqual([
      { key: 'OPENAI_API_KEY', message: 'OPENAI_API_KEY: is an OpenRouter key (sk-or-...); put it in OPENROUTER_API_KEY', fix: { code: 'set', external: false, secret: true } },
    ]);
    expect(messages('OPENAI_API_KEY', 'pk-0123456789abcdefghijk')[0]).toMatch(/must start with "sk-"/);
    expect(messages('OPENAI_API_KEY', 'sk-0123456789 abcdefghijk')[0]).toMatch(/copy-paste/);
    expect(messages('OPENAI_API_KEY', '"sk-0123456789abcdefghijk"').join()).toMatch(/copy-paste/);
  });

  it('OPENROUTER_API_KEY wants sk-or-', () => {
    expect(messages('OPENROUTER_API_KEY', `sk-or-v1-${'0a'.repeat(32)}`)).toEqual([]);
    expect(messages('OPENROUTER_API_KEY', `sk-${'a'.repeat(48)}`)[0]).toMatch(/must start with "sk-or-"/);
  });
});

describe('URLs', () => {
  it('OPENROUTER_BASE_URL must be http(s)', () => {
    expect(messages('OPENROUTER_BASE_URL', 'https://openrouter.ai/api/v1')).toEqual([]);
    expect(messages('OPENROUTER_BASE_URL', 'ftp://openrouter.ai/api/v1')[0]).toMatch(/http:\/\/ or https:\/\//);
    expect(messages('OPENROUTER_BASE_URL', 'openrouter.ai/api/v1')).toHaveLength(1);
  });

  it.each(['http://192.168.25.165:11434/api', 'http://localhost:11434', 'https://[::1]:11434/api', 'http://ollama:80/api'])(
    'OLLAMA_API_BASE_URL accepts %s',
    (v) => expect(messages('OLLAMA_API_BASE_URL', v)).toEqual([]),
  );

  it.each(['http://192.168.25.165/api', 'http://ollama/api:11434', 'http://ollama:0/api', 'http://ollama:99999/', 'tcp://ollama:11434'])(
    'OLLAMA_API_BASE_URL refuses %s',
    (v) => expect(messages('OLLAMA_API_BASE_URL', v).length).toBeGreaterThan(0),
  );

  it('says to write the port', () => {
    expect(messages('OLLAMA_API_BASE_URL', 'http://192.168.25.165/api')[0]).toMatch(/must name its port explicitly/);
  });
});

describe('PostgreSQL names', () => {
  it.each(['memu_db', '_x', 'a1', 'postgres', 'y'.repeat(63)])('accepts %s for both', (v) => {
    expect(messages('POSTGRES_DB', v)).toEqual([]);
    // The URL is derived from the user, so give it the matching one.
    const url = URL.replace('memu_production_user', v);
    expect(validateValues(memuSchema, { ...GOOD, POSTGRES_USER: v, MEMU_DB_URL: url }).issues).toEqual([]);
  });

  it.each(['Memu', '1db', 'memu-db', 'me$u', 'mémù', 'a b', 'y'.repeat(64)])('refuses %s', (v) => {
    expect(messages('POSTGRES_DB', v).length).toBeGreaterThan(0);
    expect(messages('POSTGRES_USER', v).length).toBeGreaterThan(0);
  });

  it('refuses reserved role names and template databases', () => {
    for (const role of ['pg_monitor', 'public', 'none', 'current_user', 'session_user', 'user', 'all']) {
      expect(messages('POSTGRES_USER', role), role).toHaveLength(1);
    }
    expect(messages('POSTGRES_USER', 'pg_x')[0]).toMatch(/reserves it for system roles/);
    expect(messages('POSTGRES_DB', 'template1')[0]).toMatch(/template databases/);
    expect(messages('POSTGRES_USER', 'public')[0]).toMatch(/reserves or an SQL key word/);
    expect(messages('POSTGRES_DB', 'pg_data')).toEqual([]);
  });

  it('explains the 63-byte limit', () => {
    expect(messages('POSTGRES_DB', 'y'.repeat(64))[0]).toMatch(/at most 63 characters \(PostgreSQL truncates longer names\)/);
  });
});

describe('POSTGRES_PASSWORD', () => {
  it('needs 32 characters and says how to fix it', () => {
    expect(issues('POSTGRES_PASSWORD', 'a'.repeat(31))).toEqual([
      { key: 'POSTGRES_PASSWORD', message: 'POSTGRES_PASSWORD: must be at least 32 characters (got 31)', fix: { code: 'rotate' } },
    ]);
  });

  it('needs portable characters and says why', () => {
    const [message] = messages('POSTGRES_PASSWORD', `${'a'.repeat(32)}%@`);
    expect(message).toMatch(/may only contain A-Z a-z 0-9 _ - \(read the same by every \.env reader and needs no encoding in MEMU_DB_URL\)/);
    expect(message).not.toContain('%@');
  });

  it('generates 32 portable characters', () => {
    expect(memuSchema.vars.POSTGRES_PASSWORD.generate!()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('MEMU_DB_URL', () => {
  it('must be a psycopg URL', () => {
    const url = URL.replace('postgresql+psycopg', 'postgresql');
    expect(messages('MEMU_DB_URL', url)[0]).toMatch(/^MEMU_DB_URL: must start with postgresql\+psycopg:\/\//);
  });

  it('must parse, and the reason never shows the URL', () => {
    const [message] = messages('MEMU_DB_URL', `postgresql+psycopg://memu_production_user:${PASSWORD}@db:port/memu_db`);
    expect(message).toMatch(/^MEMU_DB_URL: is not a valid PostgreSQL URL: the URL port/);
    expect(message).not.toContain(PASSWORD);
  });

  it('must not contain % (Alembic)', () => {
    expect(messages('MEMU_DB_URL', 'postgresql+psycopg://u:p%41ss@db:5432/memu_db')[0]).toMatch(/must not contain "%" \(Alembic rejects it\)/);
  });

  it('createMemuSchema sets the host and port of a fresh URL', () => {
    const schema = createMemuSchema({ dbHost: 'postgres', dbPort: 5433 });
    const parts = { POSTGRES_USER: 'u', POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: 'd' };
    expect(schema.vars.MEMU_DB_URL.derive!.compute(parts, undefined)).toBe(`postgresql+psycopg://u:${PASSWORD}@postgres:5433/d`);
    let error: unknown;
    try {
      createMemuSchema({ dbPort: 0 });
    } catch (e) {
      error = e;
    }
    expect(isEnvkitError(error, 'USAGE')).toBe(true);
  });
});

describe('memory limits', () => {
  it.each(['2g', '1g', '512m', '1.5g', '2GB', '2G', '10240kb', '6m', '6291456b', '6144k'])('accepts %s', (v) => {
    expect(messages('MEMU_MEMORY_LIMIT', v)).toEqual([]);
    expect(messages('DB_MEMORY_LIMIT', v)).toEqual([]);
  });

  it.each(['2', '2 g', '2t', '2gib', '-1g', '1.g', '.5g', 'g', '2gg', '2g '])('refuses %s as a size', (v) => {
    expect(messages('MEMU_MEMORY_LIMIT', v)[0]).toMatch(/must be a compose memory size/);
  });

  it('refuses less than 6m', () => {
    for (const v of ['5m', '0g', '6291455b', '1k']) {
      expect(messages('DB_MEMORY_LIMIT', v), v).toEqual([expect.stringMatching(/must be at least 6m/)]);
    }
  });

  it('a generated password passes the whole schema', () => {
    const password = generatePassword();
    const url = `postgresql+psycopg://memu_production_user:${password}@db:5432/memu_db`;
    expect(validateValues(memuSchema, { POSTGRES_PASSWORD: password, MEMU_DB_URL: url }).ok).toBe(true);
  });
});
