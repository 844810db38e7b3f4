// `envkit check --online` against a real throw-away PostgreSQL and a local stand-in for Ollama.
// The Ollama URL always points at 127.0.0.1: tests never reach another host.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'envkit';
import { hasPostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';
import { requireTool } from '../helpers/require.js';
import { envkit } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const run = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(run)('envkit check --online', () => {
  let pg: PgCluster;
  let ollama: Server;
  let ollamaUrl = '';

  beforeAll(async () => {
    pg = await startPostgres();
    ollama = createServer((req, res) => {
      if (req.url === '/api/version') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ version: '0.12.0' }));
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => ollama.listen(0, '127.0.0.1', resolve));
    const address = ollama.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    ollamaUrl = `http://127.0.0.1:${address.port}/api`;
  });

  afterAll(async () => {
    await pg?.stop();
    await new Promise((resolve) => ollama?.close(resolve));
  });

  async function project(user: string): Promise<{ dir: string; password: string }> {
    const dir = testdir();
    const init = await envkit(dir, ['init', '--no-input', '--set', `POSTGRES_USER=${user}`, '--set', `OLLAMA_API_BASE_URL=${ollamaUrl}`]);
    expect(init.code).toBe(0);
    const password = parseDocument(readFileSync(join(dir, '.env'), 'utf8')).get('POSTGRES_PASSWORD');
    if (!password) throw new Error('init wrote no password');
    return { dir, password };
  }

  it('logs in with the .env credentials and reaches Ollama, with timings and no secret', async () => {
    const { dir, password } = await project('online_ok');
    await pg.createRole('online_ok', password);
    await pg.createDatabase('memu_db', 'online_ok');
    const result = await envkit(dir, ['check', '--online', '--no-git', '--db-host', '127.0.0.1', '--db-port', String(pg.port), '--json']);
    expect(result.code, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; probes: { name: string; ok: boolean; ms: number }[] };
    expect(report.ok).toBe(true);
    expect(report.probes).toHaveLength(2);
    expect(report.probes.every((p) => p.ok && p.ms >= 0)).toBe(true);
    // Whole milliseconds, not 187.88236900000004.
    expect(report.probes.every((p) => Number.isInteger(p.ms))).toBe(true);
    expect(report.probes.map((p) => p.name).join(' ')).toMatch(/database online_ok@127\.0\.0\.1/);
    expect(result.all).not.toContain(password);
  });

  it('fails with exit 1 when the database refuses the password, naming the cause', async () => {
    const { dir, password } = await project('online_wrong');
    await pg.createRole('online_wrong', 'a-different-password-than-in-the-env-file');
    const result = await envkit(dir, ['check', '--online', '--no-git', '--db-host', '127.0.0.1', '--db-port', String(pg.port)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/database online_wrong@127\.0\.0\.1:\d+\/memu_db.*password refused/);
    // Once (as the error finding), not a second time as a "failed" probe line.
    expect(result.stdout.match(/password refused/g)).toHaveLength(1);
    expect(result.stdout).toMatch(/\(\d+ ms\)/);
    expect(result.stdout).not.toMatch(/\d\.\d+ ms/);
    expect(result.all).not.toContain(password);
  });

  it('fails when the database or Ollama is unreachable, within the time limit', async () => {
    const { dir } = await project('online_down');
    const started = Date.now();
    // Port 1 on loopback: nothing listens there.
    const result = await envkit(dir, ['check', '--online', '--no-git', '--db-host', '127.0.0.1', '--db-port', '1', '--timeout', '1000', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: { rule: string }[] };
    expect(report.findings.map((f) => f.rule)).toContain('online.database');
    expect(Date.now() - started).toBeLessThan(10_000);
    const wrongPath = await envkit(dir, ['set', `OLLAMA_API_BASE_URL=${ollamaUrl.replace('/api', '/elsewhere')}`]);
    expect(wrongPath.code, wrongPath.all).toBe(0);
    const ollamaDown = await envkit(dir, ['check', '--online', '--no-git', '--db-host', '127.0.0.1', '--db-port', '1', '--timeout', '1000', '--json']);
    const rules = (JSON.parse(ollamaDown.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
    expect(rules).toContain('online.ollama');
  });
});
