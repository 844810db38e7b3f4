import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { testdir } from '../helpers/testdir.js';
import { initProject, readEnv, runProcess, OPENAI_KEY, type CliResult } from './support.js';

// examples/consume-schema: a TypeScript tool that validates process.env with the memu schema at start.
const MAIN = fileURLToPath(new URL('../../examples/consume-schema/src/main.ts', import.meta.url));
const JITI = fileURLToPath(new URL('../../node_modules/.bin/jiti', import.meta.url));

/** Run the example with exactly `env` (plus PATH), as its `start` script does: `jiti src/main.ts`. */
function runExample(env: Record<string, string>): Promise<CliResult> {
  return runProcess(JITI, [MAIN], { cwd: testdir(), env: { PATH: process.env.PATH, ...env } });
}

describe('examples/consume-schema', () => {
  it('with the environment of an envkit-made .env: prints the non-secret summary, exit 0', async () => {
    const dir = testdir();
    await initProject(dir, ['--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', 'POSTGRES_USER=backup_reader']);
    const env = readEnv(dir);
    const result = await runExample(env);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toBe('backup: would dump memu_db as backup_reader from db:5432\n');
    expect(result.stderr).toBe('');
    for (const key of ['POSTGRES_PASSWORD', 'MEMU_DB_URL', 'OPENAI_API_KEY']) expect(result.all).not.toContain(env[key]);
  });

  it('with a bad environment: exit 1 naming every bad key, no value printed', async () => {
    const dir = testdir();
    await initProject(dir);
    const env = readEnv(dir);
    const bad = {
      ...env,
      OPENAI_API_KEY: 'sk-or-v1-RouterKeyInOpenAiSlot1234',
      POSTGRES_PASSWORD: 'TooShortSecret9',
      MEMU_MEMORY_LIMIT: '2 gigs',
      OLLAMA_API_BASE_URL: 'ftp://ollama.example:11434/api',
    };
    const result = await runExample(bad);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    for (const key of ['OPENAI_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_MEMORY_LIMIT', 'OLLAMA_API_BASE_URL']) {
      expect(result.stderr, key).toMatch(new RegExp(`^ {2}- ${key}: `, 'm'));
    }
    expect(result.stderr).toMatch(/^backup: 4 invalid variables: /m);
    for (const value of [bad.OPENAI_API_KEY, bad.POSTGRES_PASSWORD, bad.MEMU_MEMORY_LIMIT, 'ftp://ollama', env.MEMU_DB_URL!]) {
      expect(result.all).not.toContain(value);
    }
  });

  it('with nothing set: names the required keys', async () => {
    const result = await runExample({});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/- POSTGRES_PASSWORD: is not set/);
    expect(result.stderr).toMatch(/- MEMU_DB_URL: is not set/);
  });
});
