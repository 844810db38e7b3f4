import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings.js';
import { checkHardening } from './hardening.js';
import { readComposeText } from './read.js';
import { memuSchema } from '../schema/memu.js';

// The memu deployment's names (db, memu on 8000) come from its schema's profile.
const schema = memuSchema;

const memuPath = fileURLToPath(new URL('../../../../examples/memu/docker-compose.yml', import.meta.url));
const memuText = readFileSync(memuPath, 'utf8');

/** 1-based line of the first line containing `needle` (each needle below is unique in its text). */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`not in text: ${needle}`);
  return index + 1;
}

const rules = (findings: Finding[], rule: string): [string, number | undefined][] =>
  findings.filter((f) => f.rule === rule).map((f) => [f.severity, f.line]);

describe('checkHardening on examples/memu/docker-compose.yml', () => {
  const file = readComposeText(memuText, 'docker-compose.yml');

  it('parses cleanly and finds both services', () => {
    expect(file.errors).toEqual([]);
    expect(file.services.map((s) => [s.name, s.line])).toEqual([
      ['memu', memuText.split('\n').indexOf('  memu:') + 1],
      ['db', memuText.split('\n').indexOf('  db:') + 1],
    ]);
  });

  it('has no warnings or errors, even with the .env secrets to look for; env_file: .env is a note for each service', () => {
    const secretValues = new Map([
      ['POSTGRES_PASSWORD', 'Q2xhc3NpYy1wYXNzd29yZC0xMjM0NTY3ODkw'],
      ['OPENAI_API_KEY', 'sk-proj-0123456789abcdef'],
    ]);
    expect(checkHardening(file, { schema, secretValues }).map((f) => [f.rule, f.severity])).toEqual([
      ['compose.env-file', 'info'],
      ['compose.env-file', 'info'],
    ]);
  });
});

const bad = `services:
  memu:
    image: localhost/memu:latest
    restart: always-maybe
    environment:
      OPENAI_API_KEY: sk-literal-key-in-compose
      POSTGRES_PASSWORD_FILE: /run/secrets/pg
      MEMU_DB_URL: postgresql+psycopg://memu:literalpw@db:5432/memu_db
      FROM_ENV: \${FROM_ENV}
      COPIED: prefix-Sup3rSecretValue-suffix
    ports:
      - "8000:8000"
    volumes:
      - .:/app
      - ./.env:/app/.env:ro
    env_file: .env
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/"]
      interval: 30
      timeout: 1m
      retries: three
    mem_limit: lots
    logging:
      driver: json-file
  db:
    image: pgvector/pgvector:pg16
    restart: "no"
    environment:
      - POSTGRES_PASSWORD=hunter2hunter2
      - POSTGRES_USER=\${POSTGRES_USER}
    ports:
      - "5432:5432"
      - "127.0.0.1:15432:5432"
    healthcheck:
      test: ["CMD-SHELL", "echo ok"]
      start_period: soon
  worker:
    image: busybox
    volumes:
      - pgdata:/var/lib/postgresql/data
  cache:
    image: postgres:16
    restart: unless-stopped
    volumes:
      - undeclared:/var/lib/postgresql/data
    healthcheck:
      disable: true
    mem_limit: \${CACHE_MEM}
    logging:
      driver: journald
`;

describe('checkHardening on a deliberately bad compose file', () => {
  const file = readComposeText(bad, 'bad.yml');
  const findings = checkHardening(file, {
    schema,
    secretValues: new Map([
      ['COPY_ME', 'Sup3rSecretValue'],
      ['SHORT', 'abc'],
    ]),
  });
  const memu = lineOf(bad, '  memu:');
  const db = lineOf(bad, '  db:');
  const worker = lineOf(bad, '  worker:');
  const cache = lineOf(bad, '  cache:');

  it('parses without YAML errors', () => {
    expect(file.errors).toEqual([]);
  });

  it('restart: invalid value → error; "no" → warning; missing → warning', () => {
    expect(rules(findings, 'compose.restart')).toEqual([
      ['error', lineOf(bad, 'always-maybe')],
      ['warning', lineOf(bad, 'restart: "no"')],
      ['warning', worker],
    ]);
  });

  it('healthcheck: bad durations and retries are errors; missing, disabled, no pg_isready are warnings', () => {
    expect(rules(findings, 'compose.healthcheck')).toEqual([
      ['error', lineOf(bad, 'interval: 30')],
      ['error', lineOf(bad, 'retries: three')],
      ['warning', lineOf(bad, '"echo ok"')],
      ['error', lineOf(bad, 'start_period: soon')],
      ['warning', worker],
      ['warning', lineOf(bad, 'disable: true')],
    ]);
    const db = findings.find((f) => f.rule === 'compose.healthcheck' && f.line === lineOf(bad, '"echo ok"'));
    expect(db?.message).toMatch(/pg_isready/);
  });

  it('memory: unparsable → error; missing → warning; ${VAR} without default → left to the .env check', () => {
    expect(rules(findings, 'compose.memory')).toEqual([
      ['error', lineOf(bad, 'mem_limit: lots')],
      ['warning', db],
      ['warning', worker],
    ]);
  });

  it('logging: json-file without max-size and no logging → warnings; journald is fine', () => {
    expect(rules(findings, 'compose.logging')).toEqual([
      ['warning', lineOf(bad, '    logging:')],
      ['warning', db],
      ['warning', worker],
    ]);
  });

  it('mounts: the project directory and .env are errors, env_file: .env is a note', () => {
    expect(rules(findings, 'compose.source-mount')).toEqual([['error', lineOf(bad, '- .:/app')]]);
    expect(rules(findings, 'compose.env-mount')).toEqual([['error', lineOf(bad, './.env:/app/.env')]]);
    expect(rules(findings, 'compose.env-file')).toEqual([['info', lineOf(bad, 'env_file: .env')]]);
  });

  it('ports: db 5432 on every interface → warning, on loopback → info; app 8000 on every interface → warning', () => {
    expect(rules(findings, 'compose.db-port')).toEqual([
      ['warning', lineOf(bad, '"5432:5432"')],
      ['info', lineOf(bad, '127.0.0.1:15432:5432')],
    ]);
    expect(rules(findings, 'compose.app-port')).toEqual([['warning', lineOf(bad, '"8000:8000"')]]);
  });

  it('literal secrets: secret-named entries, URLs with a password, and .env values are errors naming the key', () => {
    const found = findings.filter((f) => f.rule === 'compose.literal-secret');
    expect(found.map((f) => [f.severity, f.key, f.line])).toEqual([
      ['error', 'OPENAI_API_KEY', lineOf(bad, 'sk-literal-key-in-compose')],
      ['error', 'MEMU_DB_URL', lineOf(bad, 'literalpw@db')],
      ['error', 'POSTGRES_PASSWORD', lineOf(bad, 'hunter2hunter2')],
      ['error', 'COPY_ME', lineOf(bad, 'Sup3rSecretValue')],
    ]);
  });

  it('data volume: missing, undeclared named volume', () => {
    expect(rules(findings, 'compose.db-volume')).toEqual([
      ['warning', db],
      ['error', lineOf(bad, 'undeclared:/var')],
    ]);
  });

  it('never puts a secret value into a message or fix', () => {
    const text = JSON.stringify(findings);
    for (const secret of ['sk-literal-key-in-compose', 'literalpw', 'hunter2hunter2', 'Sup3rSecretValue']) {
      expect(text).not.toContain(secret);
    }
  });

  it('gives every finding the file, a line, a message and a fix', () => {
    for (const f of findings) {
      expect(f.file).toBe('bad.yml');
      expect(f.line).toBeGreaterThan(0);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix?.length).toBeGreaterThan(5);
    }
    expect(memu).toBe(2);
    expect(cache).toBeGreaterThan(worker);
  });
});

describe('hardening details', () => {
  const check = (yaml: string, options = {}): Finding[] => checkHardening(readComposeText(yaml, 'c.yml'), { schema, ...options });

  it('follows aliases and merge keys (x- extension blocks)', () => {
    const yaml = `x-logging: &logging
  driver: json-file
  options: { max-size: "10m" }
x-common: &common
  restart: unless-stopped
  mem_limit: 1g
  logging: *logging
  healthcheck: { test: ["CMD-SHELL", "true"], interval: 10s, timeout: 5s, retries: 3 }
services:
  app:
    <<: *common
    image: busybox
`;
    expect(check(yaml)).toEqual([]);
  });

  it('reads the long port and volume syntax', () => {
    const yaml = `services:
  db:
    image: postgres:16
    restart: unless-stopped
    mem_limit: 1g
    logging: { driver: journald }
    healthcheck: { test: ["CMD-SHELL", "pg_isready"] }
    ports:
      - target: 5432
        published: "5432"
        host_ip: 0.0.0.0
    volumes:
      - type: bind
        source: .
        target: /src
      - type: volume
        source: data
        target: /var/lib/postgresql/data
volumes:
  data: {}
`;
    const findings = check(yaml);
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['compose.source-mount', 'error', 13],
      ['compose.db-port', 'warning', 9],
    ]);
  });

  it('uses the given db and app service names', () => {
    const yaml = `services:
  store:
    image: my/custom-db
    ports: ["5432:5432"]
  api:
    image: my/api
    ports: ["0.0.0.0:8000:8000"]
`;
    const findings = check(yaml, { dbService: 'store', appService: 'api' });
    expect(findings.filter((f) => f.rule === 'compose.db-port').map((f) => f.line)).toEqual([4]);
    expect(findings.filter((f) => f.rule === 'compose.app-port').map((f) => f.line)).toEqual([7]);
    expect(findings.filter((f) => f.rule === 'compose.db-volume').map((f) => f.line)).toEqual([2]);
  });
});
