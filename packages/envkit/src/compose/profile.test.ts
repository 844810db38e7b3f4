import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Finding } from '../findings.js';
import { checkHardening } from './hardening.js';
import { readComposeText } from './read.js';
import { defineSchema, variable } from '../schema/define.js';
import { memuSchema } from '../schema/memu.js';

// A deployment that is not memu: its own service names, port and variable names, declared by its schema.
const apiSchema = defineSchema(
  'shop',
  {
    PG_PASSWORD: variable(z.string(), { description: 'db password', secret: true }),
    PG_USER: variable(z.string(), { description: 'db user', default: 'shop' }),
    PG_DATABASE: variable(z.string(), { description: 'db name', default: 'shop' }),
    DATABASE_URL: variable(z.string(), { description: 'url', secret: true }),
    API_MEMORY: variable(z.string(), { description: 'api memory', default: '512m' }),
  },
  {
    profile: {
      database: { service: 'postgres', port: 5432, keys: { password: 'PG_PASSWORD', user: 'PG_USER', database: 'PG_DATABASE', url: 'DATABASE_URL' } },
      app: { service: 'api', port: 3000, exposes: 'its /debug page shows the configuration', memoryKey: 'API_MEMORY' },
    },
  },
);
const noProfile = defineSchema('plain', { TOKEN: variable(z.string(), { description: 'token', secret: true }) });

const compose = `services:
  postgres:
    image: my/database
    restart: unless-stopped
    ports: ["5432:5432"]
  api:
    image: my/api
    restart: "no"
    ports: ["3000:3000", "8000:8000"]
  db:
    image: busybox
    ports: ["5432:5432"]
`;

const file = readComposeText(compose, 'compose.yaml');
const of = (findings: Finding[], rule: string): Finding[] => findings.filter((f) => f.rule === rule);

describe('the compose rules take names and ports from the schema profile', () => {
  const findings = checkHardening(file, { schema: apiSchema });

  it('the profile database service is the database (whatever its image), db is just a name', () => {
    expect(of(findings, 'compose.db-port').map((f) => [f.severity, f.line])).toEqual([['warning', 5]]);
    expect(of(findings, 'compose.db-volume').map((f) => f.line)).toEqual([2]);
    expect(of(findings, 'compose.db-port')[0]!.fix).toBe(
      'remove the `ports:` entry (api reaches the database inside the compose network), or bind it to loopback: `127.0.0.1:5432:5432`',
    );
  });

  it("the app's port is the profile's: 3000 on every interface is a warning saying what it exposes; 8000 is nothing special", () => {
    const app = of(findings, 'compose.app-port');
    expect(app.map((f) => f.line)).toEqual([9]);
    expect(app[0]!.message).toBe('port 3000 of service "api" is published on every interface: its /debug page shows the configuration');
    expect(app[0]!.fix).toBe('bind it to loopback (`127.0.0.1:3000:3000`) and put a reverse proxy in front for remote access');
  });

  it('fixes name the profile variables with the schema defaults', () => {
    expect(of(findings, 'compose.memory')[0]!.fix).toBe('add `mem_limit: ${API_MEMORY:-512m}`');
  });

  it('memu is memu: the same file with the memu schema knows db and memu, not postgres and api', () => {
    const memu = checkHardening(file, { schema: memuSchema });
    expect(of(memu, 'compose.db-port').map((f) => f.line)).toEqual([12]);
    expect(of(memu, 'compose.app-port')).toEqual([]);
    expect(of(memu, 'compose.memory')[0]!.fix).toBe('add `mem_limit: ${MEMU_MEMORY_LIMIT:-2g}` (or ${DB_MEMORY_LIMIT:-1g} for the database)');
  });
});

describe('a schema without a profile', () => {
  const findings = checkHardening(file, { schema: noProfile });

  it('finds the database by its image only, and skips the app rules', () => {
    expect(of(findings, 'compose.db-port')).toEqual([]);
    expect(of(findings, 'compose.db-volume')).toEqual([]);
    expect(of(findings, 'compose.app-port')).toEqual([]);
    const byImage = checkHardening(readComposeText('services:\n  store:\n    image: postgres:16\n    ports: ["5432:5432"]\n', 'c.yml'), { schema: noProfile });
    expect(of(byImage, 'compose.db-port').map((f) => [f.severity, f.line])).toEqual([['warning', 4]]);
    expect(of(byImage, 'compose.db-port')[0]!.fix).toMatch(/\(the other services reach the database inside the compose network\)/);
  });

  it('words its fixes without deployment names', () => {
    expect(of(findings, 'compose.memory')[0]!.fix).toBe('add `mem_limit:` with a size, e.g. `mem_limit: 1g`');
    expect(of(findings, 'compose.restart').map((f) => f.message)).toEqual(['service "api" has `restart: no`: it stays down after a crash or reboot', 'service "db" has no restart policy: it stays down after a crash']);
  });

  it('takes service names given as options', () => {
    const named = checkHardening(file, { schema: noProfile, dbService: 'db' });
    expect(of(named, 'compose.db-port').map((f) => f.line)).toEqual([12]);
  });
});

describe('defineSchema with a profile', () => {
  it('refuses a profile naming a variable the schema lacks', () => {
    expect(() =>
      defineSchema('x', { A: variable(z.string(), { description: 'a' }) }, { profile: { ollamaKey: 'OLLAMA' } }),
    ).toThrow('schema x: its profile names unknown variable OLLAMA');
  });

  it('memu carries its profile: db on 5432, memu on 8000, the postgres image keys and MEMU_DB_URL', () => {
    expect(memuSchema.profile).toMatchObject({
      database: { service: 'db', port: 5432, keys: { password: 'POSTGRES_PASSWORD', user: 'POSTGRES_USER', database: 'POSTGRES_DB', url: 'MEMU_DB_URL' } },
      app: { service: 'memu', port: 8000 },
      ollamaKey: 'OLLAMA_API_BASE_URL',
    });
    expect(noProfile.profile).toBeUndefined();
  });
});
