// `envkit schema --format json-schema` agrees with `envkit check`: over a corpus of memu env files (the one
// `init --no-input` writes, then each variable missing, empty, valid and invalid in the ways the schema knows),
// Python's jsonschema, reading each file with python-dotenv, accepts exactly the files check accepts.
// (Left out: a MEMU_DB_URL that disagrees with its parts, which only check can see, and memory limits under
// the 6m minimum, which no standard keyword can test on a string with units.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isEnvkitError, parseDocument } from 'envkit';
import { checkProject, initProject } from 'envkit/project';
import { memuSchema } from 'envkit/memu';
import { envkit } from '../helpers/cli.js';
import { requireTool } from '../helpers/require.js';
import { SYSTEM_PYTHON } from '../helpers/readers.js';

const hasTools = requireTool(
  'python3-jsonschema and python3-dotenv',
  spawnSync(SYSTEM_PYTHON, ['-c', 'import jsonschema, dotenv; jsonschema.Draft202012Validator'], { stdio: 'ignore' }).status === 0,
  'apt-get install -y python3-jsonschema python3-dotenv',
);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'envkit-jsonschema-'));
  dirs.push(d);
  return d;
}

const a = (n: number, c = 'a') => c.repeat(n);
const MEMORY = ['2g', '512m', '1.5g', '6m', '6144k', '100mb', '2GB', '2', '2t', '2 g', 'g', '-1g', '1.g'];
const VALUES: Record<string, string[]> = {
  OPENAI_API_KEY: [`sk-${a(30)}`, `sk-or-v1-${a(20)}`, 'sk-short', `pk-${a(30)}`, `sk-${a(20)}.x`],
  OPENROUTER_API_KEY: [`sk-or-v1-${a(20, 'b')}`, `sk-${a(30, 'b')}`, 'sk-or-x', `sk-or-${a(20, 'b')}"`],
  OPENROUTER_BASE_URL: ['https://openrouter.ai/api/v1', 'http://localhost:8080/v1', 'ftp://x/y', 'not a url', 'openrouter.ai/api'],
  OLLAMA_API_BASE_URL: ['http://ollama:11434/api', 'http://ollama/api', 'https://h:0/api', 'http://h:65536/api', 'http://h:65535/api', 'HTTP://h:1/api', 'http://[::1]:11434/api', 'ftp://h:21/', 'http://u:p@h:9/api'],
  POSTGRES_DB: ['memu_db', 'other_db', 'Memu', 'template0', 'template1', a(63), a(64), '1db', '_x', 'me-db'],
  POSTGRES_USER: ['memu_user', 'pg_admin', 'public', 'user', 'none', 'current_user', 'Upper', a(64), 'pgadmin'],
  POSTGRES_PASSWORD: [a(32), a(31), `${a(31)}!`, `${a(40)}_-Z9`],
  MEMU_MEMORY_LIMIT: MEMORY,
  DB_MEMORY_LIMIT: MEMORY,
};

/** The corpus: each variation of the init'd file, with MEMU_DB_URL recomputed from its parts. */
function corpus(base: string): { name: string; text: string }[] {
  const derive = memuSchema.vars.MEMU_DB_URL.derive!;
  const files: { name: string; text: string }[] = [{ name: 'as init wrote it', text: base }];
  const vary = (name: string, change: (doc: ReturnType<typeof parseDocument>) => void) => {
    const doc = parseDocument(base);
    try {
      change(doc);
    } catch (error) {
      if (isEnvkitError(error, 'UNPORTABLE')) return; // not writable so that the readers agree: check's own rule
      throw error;
    }
    const values = doc.toObject();
    const parts = Object.fromEntries(derive.from.filter((k) => values[k]).map((k) => [k, values[k]!]));
    const url = derive.compute(parts, values.MEMU_DB_URL || undefined);
    if (url !== undefined && doc.has('MEMU_DB_URL')) doc.set('MEMU_DB_URL', url);
    files.push({ name, text: doc.toString() });
  };
  for (const key of Object.keys(memuSchema.vars)) {
    vary(`${key} missing`, (doc) => doc.delete(key));
    vary(`${key} empty`, (doc) => doc.set(key, ''));
    for (const value of VALUES[key] ?? []) vary(`${key}=${value}`, (doc) => doc.set(key, value));
  }
  return files;
}

describe.runIf(hasTools)('the JSON Schema accepts exactly what check accepts', () => {
  it('over the corpus, python jsonschema (reading with python-dotenv) and check give the same verdict', async () => {
    const home = tempdir();
    initProject({ cwd: home, schema: memuSchema });
    const base = readFileSync(join(home, '.env'), 'utf8');
    const schemaRun = await envkit(home, ['schema', '--format', 'json-schema']);
    expect(schemaRun.code, schemaRun.all).toBe(0);
    const schema = JSON.parse(schemaRun.stdout) as { required: string[] };
    // `--format json` says the same about which variables are required.
    const described = JSON.parse((await envkit(home, ['schema', '--format', 'json'])).stdout) as { variables: { key: string; required: boolean }[] };
    expect(described.variables.filter((v) => v.required).map((v) => v.key)).toEqual(schema.required);
    expect(JSON.stringify(schema)).not.toMatch(/"format":"(?!uri")/);

    const files = corpus(base).map((file) => {
      const dir = tempdir();
      writeFileSync(join(dir, '.env'), file.text, { mode: 0o600 });
      return { ...file, dir, check: checkProject({ cwd: dir, schema: memuSchema, git: false }).ok };
    });
    expect(files.length).toBeGreaterThan(80);
    expect(files.filter((f) => f.check).length).toBeGreaterThan(30);
    expect(files.filter((f) => !f.check).length).toBeGreaterThan(30);

    const script = [
      'import json, sys',
      'from dotenv import dotenv_values',
      'from jsonschema import Draft202012Validator',
      'data = json.load(sys.stdin)',
      'Draft202012Validator.check_schema(data["schema"])',
      'v = Draft202012Validator(data["schema"])',
      'json.dump([v.is_valid(dict(dotenv_values(f))) for f in data["files"]], sys.stdout)',
    ].join('\n');
    const run = spawnSync(SYSTEM_PYTHON, ['-c', script], { input: JSON.stringify({ schema, files: files.map((f) => join(f.dir, '.env')) }), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const verdicts = JSON.parse(run.stdout) as boolean[];
    const disagreements = files
      .map((f, i) => ({ f, schemaSays: verdicts[i] }))
      .filter(({ f, schemaSays }) => schemaSays !== f.check)
      .map(({ f, schemaSays }) => `${f.name}: check ${f.check ? 'accepts' : 'rejects'}, jsonschema ${schemaSays ? 'accepts' : 'rejects'}`);
    expect(disagreements).toEqual([]);
    expect(files[0]!.check).toBe(true);
  }, 120_000);
});
