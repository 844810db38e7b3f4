// The fourth reader of a memu .env: podman's --env-file, which podman-compose passes for `env_file:`.
// Every value envkit writes is read here by a real container; check's env.podman-env-file finding must
// flag exactly the variables podman reads differently from envkit (and npm dotenv, python-dotenv, compose-go).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePassword, parseDocument } from 'envkit';
import { checkDeployment } from 'envkit/project';
import { memuSchema } from 'envkit/memu';
import { requireTool } from '../helpers/require.js';
import { BUILD_IMAGES, hasStack } from '../helpers/stack.js';
import { testdir } from '../helpers/testdir.js';

const withStack = requireTool('podman, podman-compose, runc and the test images', hasStack(), BUILD_IMAGES);

const CORPUS = [
  generatePassword(),
  generatePassword(),
  'postgresql+psycopg://memu_production_user:Zq8-x_Y@db:5432/memu_db',
  'https://openrouter.ai/api/v1',
  'http://ollama:11434/api',
  'a b c',
  'p@ss:w/rd?%25',
  'a~b^c!d*e(f)g[h]i{j}k|l;m<n>o&p?q',
  'ünïcødé ✓',
  'x=y=z',
  'sk-proj-AbC_123-xyz.456',
  // Values the portable writer quotes: podman keeps the quotes.
  'pa#ss',
  'pa $USER',
  'it"s',
  " leading space",
  'trailing space ',
  'back\\slash',
  'tab\there',
];

describe.runIf(withStack)("podman's --env-file reads what envkit writes", () => {
  it('agrees on every bare value and disagrees exactly where check says so', async () => {
    const doc = parseDocument('');
    const keys: string[] = [];
    CORPUS.forEach((value, i) => {
      try {
        doc.set(`V${i}`, value);
        keys.push(`V${i}`);
      } catch {
        // Refused by the portable writer (no form every reader reads the same): never written.
      }
    });
    expect(keys.length).toBeGreaterThan(14);
    const dir = testdir({ 'docker-compose.yml': 'services:\n  app:\n    image: x\n    env_file: .env\n' });
    writeFileSync(join(dir, '.env'), doc.toString(), { mode: 0o600 });
    const run = spawnSync(
      'podman',
      ['run', '--rm', '--runtime', 'runc', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--env-file', join(dir, '.env'), 'localhost/envkit-test/app:latest', 'python3', '-c', 'import json,os; print(json.dumps(dict(os.environ)))'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const podman = JSON.parse(run.stdout) as Record<string, string>;
    const envkit = doc.toObject();
    const differs = keys.filter((key) => podman[key] !== envkit[key]);
    // Every value written bare agrees; every value the writer had to quote disagrees (podman keeps quotes).
    const quoted = doc.toString().split('\n').filter((line) => /^V\d+=['"]/.test(line)).map((line) => line.slice(0, line.indexOf('=')));
    expect(quoted.length).toBeGreaterThanOrEqual(4);
    expect(differs).toEqual(quoted);
    const result = await checkDeployment({ cwd: dir, schema: { ...memuSchema, name: 'corpus', vars: {} }, git: false });
    const flagged = result.findings.filter((f) => f.rule === 'env.podman-env-file').map((f) => f.key);
    expect(flagged).toEqual(differs);
  });
});
