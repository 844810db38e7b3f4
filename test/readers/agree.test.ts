// Proof that the three readers of a memu .env agree on everything envkit writes: npm dotenv, the real
// python-dotenv that podman-compose uses, and podman-compose itself (with a compose file that references each
// key). A value envkit refuses is one the readers would indeed read differently.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument, isEnvkitError } from 'envkit';
import { hasPythonDotenv, readManyWithPythonDotenv, readWithNpmDotenv, readWithComposeGoModel, SYSTEM_PYTHON } from '../helpers/readers.js';
import { hasPodmanCompose, resolveWithPodmanCompose } from '../helpers/podman-compose.js';
import { requireTool } from '../helpers/require.js';
import { envkit } from '../helpers/cli.js';
import { valueCorpus } from './corpus.js';

const python = requireTool('python-dotenv (Debian python3-dotenv)', hasPythonDotenv(), 'apt-get install python3-dotenv');
const podman = requireTool('podman-compose', hasPodmanCompose(), 'apt-get install podman-compose');
const sqlalchemy = requireTool(
  'SQLAlchemy (Debian python3-sqlalchemy)',
  spawnSync(SYSTEM_PYTHON, ['-c', 'import sqlalchemy'], { stdio: 'ignore' }).status === 0,
  'apt-get install python3-sqlalchemy',
);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'envkit-readers-'));
  dirs.push(d);
  return d;
}

/** Write every value of the corpus through envkit; returns the accepted ones by key and the refused ones. */
function writeCorpus(values: string[]): { text: string; written: Map<string, string>; refused: string[] } {
  const doc = parseDocument('');
  const written = new Map<string, string>();
  const refused: string[] = [];
  values.forEach((value, i) => {
    const key = `V_${i}`;
    try {
      doc.set(key, value);
      written.set(key, value);
    } catch (error) {
      if (!isEnvkitError(error, 'UNPORTABLE')) throw error;
      refused.push(value);
    }
  });
  return { text: doc.toString(), written, refused };
}

describe.runIf(python && podman)('every reader reads what envkit writes identically', () => {
  const corpus = valueCorpus();
  const { text, written, refused } = writeCorpus(corpus);

  it('writes most of the corpus and refuses only what cannot be carried', () => {
    expect(corpus.length).toBeGreaterThan(1000);
    expect(written.size).toBeGreaterThan(corpus.length * 0.7);
    // The values memu actually needs are all writable.
    for (const v of ['https://openrouter.ai/api/v1', 'sk-or-v1-0123456789abcdef', 'p@ss:w/rd?%', 'pa#ss', 'pa$USER', 'line1\nline2']) {
      expect(refused).not.toContain(v);
    }
  });

  it('npm dotenv and python-dotenv read every written value exactly', () => {
    const dir = tempdir();
    const file = join(dir, '.env');
    writeFileSync(file, text);
    const npm = readWithNpmDotenv(file);
    const [py] = readManyWithPythonDotenv([file]);
    for (const [key, value] of written) {
      expect(npm[key], `npm dotenv, ${key}`).toBe(value);
      expect(py?.[key], `python-dotenv, ${key}`).toBe(value);
    }
    const model = readWithComposeGoModel(text);
    expect(model.ok).toBe(true);
    if (model.ok) for (const [key, value] of written) expect(model.values[key], `compose-go model, ${key}`).toBe(value);
  });

  it('podman-compose hands every written value to the container exactly', async () => {
    const dir = tempdir();
    writeFileSync(join(dir, '.env'), text);
    const keys = [...written.keys()];
    const env = keys.map((k) => `      ${k}: \${${k}}`).join('\n');
    writeFileSync(join(dir, 'docker-compose.yml'), `services:\n  app:\n    image: localhost/none:latest\n    environment:\n${env}\n`);
    const resolved = await resolveWithPodmanCompose(dir, { timeoutMs: 120_000 });
    const app = resolved.app ?? {};
    for (const [key, value] of written) expect(app[key], `podman-compose, ${key}`).toBe(value);
  }, 180_000);

  it('every refused value is read differently by at least one reader in every form it could be written', () => {
    expect(refused.length).toBeGreaterThan(0);
    const dir = tempdir();
    const forms = (v: string) => [v, `'${v}'`, `"${v}"`];
    const files: string[] = [];
    const lines: string[][] = [];
    refused.forEach((value, i) => {
      const formLines = forms(value).map((form, j) => `R_${i}_${j}=${form}`);
      lines.push(formLines);
      formLines.forEach((line, j) => {
        const file = join(dir, `r_${i}_${j}.env`);
        writeFileSync(file, `${line}\n`);
        files.push(file);
      });
    });
    const pyAll = readManyWithPythonDotenv(files);
    let fileIndex = 0;
    refused.forEach((value, i) => {
      lines[i]!.forEach((line, j) => {
        const key = `R_${i}_${j}`;
        const npm = readWithNpmDotenv(files[fileIndex]!)[key];
        const py = pyAll[fileIndex]![key];
        const go = readWithComposeGoModel(`${line}\n`);
        const goValue = go.ok ? go.values[key] : undefined;
        fileIndex++;
        const allExact = npm === value && py === value && goValue === value;
        expect(allExact, `refused value #${i} reads the same in form ${j}: envkit should have written it`).toBe(false);
      });
    });
  });
});

describe.runIf(python && sqlalchemy)('MEMU_DB_URL as memu reads it', () => {
  it('python-dotenv + SQLAlchemy make_url give back exactly the parts envkit was given', async () => {
    const dir = tempdir();
    const result = await envkit(dir, ['init', '--no-input', '--set', 'POSTGRES_USER=memu_user_2', '--set', 'POSTGRES_DB=memu_db_2']);
    expect(result.code, result.all).toBe(0);
    const env = parseDocument(readFileSync(join(dir, '.env'), 'utf8'));
    const script = [
      'import json, sys',
      'from dotenv import dotenv_values',
      'from sqlalchemy.engine import make_url',
      'u = make_url(dotenv_values(sys.argv[1], interpolate=True)["MEMU_DB_URL"])',
      'print(json.dumps({"driver": u.drivername, "user": u.username, "password": u.password, "host": u.host, "port": u.port, "db": u.database}))',
    ].join('\n');
    const py = spawnSync(SYSTEM_PYTHON, ['-c', script, join(dir, '.env')], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const parts = JSON.parse(py.stdout) as Record<string, unknown>;
    expect(parts).toEqual({
      driver: 'postgresql+psycopg',
      user: 'memu_user_2',
      password: env.get('POSTGRES_PASSWORD'),
      host: 'db',
      port: 5432,
      db: 'memu_db_2',
    });
  });
});
