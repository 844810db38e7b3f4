// A deployment that is not memu, declared by its own schema module with a profile, through `envkit check`:
// the compose rules and the online probes take its service names, port and variables, and print the CLI's fixes.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envkit, schemaProject } from './support.js';

const SCHEMA = `
import { z } from 'zod';
import { defineSchema, variable, generatePassword } from 'envkit';
export const schema = defineSchema('shop', {
  PG_USER: variable(z.string(), { description: 'Database role', default: 'shop' }),
  PG_DATABASE: variable(z.string(), { description: 'Database name', default: 'shop' }),
  PG_PASSWORD: variable(z.string().min(24), { description: 'Database password', secret: true, generate: () => generatePassword({ length: 32 }) }),
  DATABASE_URL: variable(z.string(), { description: 'URL the api connects with', default: 'postgresql://shop@postgres:5432/shop' }),
  API_MEMORY: variable(z.string(), { description: 'Memory limit of the api', default: '512m' }),
}, {
  profile: {
    database: { service: 'postgres', port: 5432, keys: { password: 'PG_PASSWORD', user: 'PG_USER', database: 'PG_DATABASE', url: 'DATABASE_URL' } },
    app: { service: 'api', port: 3000, exposes: 'its /debug page shows DATABASE_URL', memoryKey: 'API_MEMORY' },
  },
});
`;

const PLAIN = `
import { z } from 'zod';
import { defineSchema, variable } from 'envkit';
export const schema = defineSchema('plain', { GREETING: variable(z.string(), { description: 'Greeting', default: 'hello' }) });
`;

const COMPOSE = `services:
  postgres:
    image: my/database
    ports: ["127.0.0.1:5432:5432"]
  api:
    image: my/api
    ports: ["3000:3000", "8000:8000"]
  memu:
    image: my/other
    ports: ["8000:8000"]
`;

interface Finding {
  severity: string;
  rule: string;
  line?: number;
  key?: string;
  message: string;
  fix?: string;
  hint?: { code: string };
}

async function check(schema: string, args: string[] = []): Promise<{ code: number; findings: Finding[]; text: string }> {
  const dir = schemaProject();
  writeFileSync(join(dir, 'schema.mjs'), schema);
  writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
  const init = await envkit(dir, ['--schema', 'schema.mjs', 'init', '--no-input']);
  expect(init.code, init.all).toBe(0);
  const json = await envkit(dir, ['--schema', 'schema.mjs', 'check', '--no-git', '--json', ...args]);
  const text = await envkit(dir, ['--schema', 'schema.mjs', 'check', '--no-git', ...args]);
  return { code: json.code ?? -1, findings: (JSON.parse(json.stdout) as { findings: Finding[] }).findings, text: text.stdout };
}

describe('envkit check with a schema that declares its own deployment profile', () => {
  it('judges the postgres and api services and port 3000; memu and 8000 are nothing special', async () => {
    const { findings, text } = await check(SCHEMA);
    const of = (rule: string) => findings.filter((f) => f.rule === rule);
    expect(of('compose.app-port').map((f) => [f.severity, f.line, f.message])).toEqual([
      ['warning', 7, 'port 3000 of service "api" is published on every interface: its /debug page shows DATABASE_URL'],
    ]);
    // The database port on loopback: a note whose fix the CLI words with its own commands, in text and JSON.
    const dbPort = of('compose.db-port');
    expect(dbPort.map((f) => [f.severity, f.line, f.hint?.code])).toEqual([['info', 4, 'published-database-port']]);
    expect(dbPort[0]!.fix).toBe('fine for `envkit check --online` / `rotate --apply direct`; remove it when no longer needed');
    expect(text).toContain('fix: fine for `envkit check --online` / `rotate --apply direct`; remove it when no longer needed');
    expect(of('compose.db-volume').map((f) => f.line)).toEqual([2]);
    expect(of('compose.restart').find((f) => f.line === 2)?.message).toBe(
      'the database service "postgres" has no restart policy: it stays down after a crash and api loses its database',
    );
    expect(of('compose.memory').map((f) => f.fix)).toEqual(Array(3).fill('add `mem_limit: ${API_MEMORY:-512m}`'));
  });

  it('check --online takes the database URL from the profile: a compose service host is not probed from here', async () => {
    const { findings } = await check(SCHEMA, ['--online', '--timeout', '1000']);
    const note = findings.find((f) => f.rule === 'online.compose-host');
    expect(note).toMatchObject({ severity: 'info', key: 'DATABASE_URL', hint: { code: 'database-inside-compose' } });
    expect(note?.fix).toBe('give --db-host/--db-port (a published port or the container address), or run `envkit status`, which logs in through the container');
  });

  it('a schema without a profile: no app port, the database only by a PostgreSQL image, no online probe', async () => {
    const { findings } = await check(PLAIN, ['--online', '--timeout', '1000']);
    expect(findings.filter((f) => ['compose.app-port', 'compose.db-port', 'compose.db-volume'].includes(f.rule) || f.rule.startsWith('online.'))).toEqual([]);
    expect(findings.filter((f) => f.rule === 'compose.memory').map((f) => f.fix)).toEqual(Array(3).fill('add `mem_limit:` with a size, e.g. `mem_limit: 1g`'));
  });
});
