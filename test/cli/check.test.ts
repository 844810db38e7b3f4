import { describe, it, expect } from 'vitest';
import { appendFileSync, chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testdir } from '../helpers/testdir.js';
import { requireTool } from '../helpers/require.js';
import { edit, envkit, initProject, read, readEnv, ANSI, OPENAI_KEY } from './support.js';

interface Finding {
  severity: 'error' | 'warning' | 'info';
  rule: string;
  file?: string;
  line?: number;
  column?: number;
  key?: string;
  message: string;
  fix?: string;
}

/** The Ollama URL of these projects, given (so confirmed): a clean project has no note about it. */
const OLLAMA_URL = 'http://127.0.0.1:11434/api';

/** A clean memu project with a real OpenAI key, ready for one problem to be added. */
async function project(): Promise<string> {
  const dir = testdir();
  await initProject(dir, ['--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', `OLLAMA_API_BASE_URL=${OLLAMA_URL}`]);
  return dir;
}

/** The 1-based line of `KEY=` in the env file. */
function lineOf(dir: string, key: string, name = '.env'): number {
  const lines = read(dir, name).split('\n');
  const index = lines.findIndex((l) => l.startsWith(`${key}=`));
  if (index === -1) throw new Error(`${key} not in ${name}`);
  return index + 1;
}

async function checkJson(dir: string, args: string[] = []): Promise<{ code: number | null; report: { ok: boolean; findings: Finding[] }; all: string }> {
  const result = await envkit(dir, ['--json', 'check', ...args]);
  return { code: result.code, report: JSON.parse(result.stdout) as { ok: boolean; findings: Finding[] }, all: result.all };
}

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

const hasGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');

describe('envkit check', () => {
  it('exits 0 on a clean project and says so', async () => {
    const dir = await project();
    const result = await envkit(dir, ['check']);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^ok: 0 errors, 0 warnings, 0 notes \(memu schema; \.env\)$/m);
    const { report } = await checkJson(dir);
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([]);
  });

  it("a default init wrote without asking (memu's Ollama LAN address) is a note until the value is set", async () => {
    const dir = testdir();
    await initProject(dir, ['--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    const { code, report } = await checkJson(dir);
    expect(code).toBe(0);
    expect(report.findings).toEqual([
      expect.objectContaining({
        severity: 'info',
        rule: 'env.unconfirmed-default',
        key: 'OLLAMA_API_BASE_URL',
        line: lineOf(dir, 'OLLAMA_API_BASE_URL'),
        fix: expect.stringContaining('run `envkit set OLLAMA_API_BASE_URL=http://192.168.25.165:11434/api`'),
      }),
    ]);
    // Another value, set as the fix's second half says, ends the note too.
    const set = await envkit(dir, ['set', `OLLAMA_API_BASE_URL=${OLLAMA_URL}`]);
    expect(set.code, set.all).toBe(0);
    expect((await checkJson(dir)).report.findings).toEqual([]);
    expect(read(dir)).not.toContain('unconfirmed');
  });

  it('mode 0644: error with the file and the fix, exit 1', async () => {
    const dir = await project();
    chmodSync(join(dir, '.env'), 0o644);
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^error +\.env +\.env has mode 0644: other users can read its secrets$/m);
    expect(result.stdout).toMatch(/fix: run `chmod 600 \.env`/);
    expect(result.stdout).toMatch(/^failed: 1 error/m);
    const { report } = await checkJson(dir);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'error', rule: 'env.mode', file: '.env', fix: expect.stringContaining('chmod 600') })]);
  });

  it('a .env owned by someone else is an error', async () => {
    if (process.getuid?.() !== 0) return; // only root can give a file away
    const dir = await project();
    chownSync(join(dir, '.env'), 4242, 4242);
    const { code, report } = await checkJson(dir);
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'env.owner', fix: expect.stringContaining('chown') }));
  });

  it('a placeholder left in: error at file:line, the placeholder not repeated', async () => {
    const dir = await project();
    edit(dir, 'OPENAI_API_KEY', 'sk-your-actual-key-here');
    const line = lineOf(dir, 'OPENAI_API_KEY');
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`.env:${line}  OPENAI_API_KEY: is a known placeholder`);
    expect(result.all).not.toContain('sk-your-actual-key-here');
    const { report } = await checkJson(dir);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'error', rule: 'schema.invalid', key: 'OPENAI_API_KEY', file: '.env', line })]);
    // The way out is named as the fix (it comes with the schema's issue), a command that works as written.
    expect(report.findings[0]!.fix).toMatch(/^run `envkit set OPENAI_API_KEY --stdin`/);
    expect(report.findings[0]!.message).not.toMatch(/; run `/);
  });

  // The library's patterns hold non-ASCII characters (`…`, `µs`) that esbuild left as UTF-8 in the bundle,
  // which bin.ts reads as latin1: the built CLI missed both while the library's own tests passed.
  it('the built CLI reads a `…` placeholder and a duration in µs as the library does', async () => {
    const dir = await project();
    edit(dir, 'OPENAI_API_KEY', '…');
    const compose = readFileSync(fileURLToPath(new URL('../../examples/memu/docker-compose.yml', import.meta.url)), 'utf8');
    expect(compose).toContain('timeout: 5s');
    writeFileSync(join(dir, 'docker-compose.yml'), compose.replace('timeout: 5s', 'timeout: 5000000µs'));
    const { report } = await checkJson(dir, ['--no-git']);
    const line = lineOf(dir, 'OPENAI_API_KEY');
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'schema.invalid', key: 'OPENAI_API_KEY', line, message: expect.stringContaining('placeholder') }));
    expect(report.findings.filter((f) => f.file === 'docker-compose.yml' && /timeout/.test(f.message))).toEqual([]);
  });

  it('an invalid value: error naming the key and the rule it breaks, never the value', async () => {
    const dir = await project();
    edit(dir, 'MEMU_MEMORY_LIMIT', '2gigabytes');
    const line = lineOf(dir, 'MEMU_MEMORY_LIMIT');
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`.env:${line}  MEMU_MEMORY_LIMIT: must be a compose memory size`);
    expect(result.all).not.toContain('2gigabytes');
  });

  it('MEMU_DB_URL inconsistent with its parts: error on its line with the fix, no URL or password shown', async () => {
    const dir = await project();
    edit(dir, 'POSTGRES_DB', 'another_db');
    const env = readEnv(dir);
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`.env:${lineOf(dir, 'MEMU_DB_URL')}  MEMU_DB_URL: database does not match POSTGRES_DB`);
    expect(result.stdout).toMatch(/envkit set (--force )?POSTGRES_DB=/);
    expect(result.all).not.toContain(env.MEMU_DB_URL!);
    expect(result.all).not.toContain(env.POSTGRES_PASSWORD!);
    // The fix it names works.
    const fixed = await envkit(dir, ['set', 'POSTGRES_DB=another_db']);
    expect(fixed.code).toBe(0);
    expect((await envkit(dir, ['check'])).code).toBe(0);
  });

  it('credentials in the URL of a variable that is not secret are a warning; the fix removes them', async () => {
    const dir = await project();
    edit(dir, 'OLLAMA_API_BASE_URL', 'http://u:UrlSecret9Kq2Zx7@ollama.internal:11434/api');
    const { code, report, all } = await checkJson(dir, ['--no-compose']);
    expect(code).toBe(0);
    const found = report.findings.filter((f) => f.rule === 'env.url-credentials');
    expect(found).toMatchObject([{ severity: 'warning', key: 'OLLAMA_API_BASE_URL', line: lineOf(dir, 'OLLAMA_API_BASE_URL') }]);
    expect(all).not.toContain('UrlSecret9Kq2Zx7');
    expect(found[0]!.fix).toBe('remove them: `envkit set OLLAMA_API_BASE_URL=http://ollama.internal:11434/api` (give the service its credentials another way)');
    expect((await envkit(dir, ['set', 'OLLAMA_API_BASE_URL=http://ollama.internal:11434/api'])).code).toBe(0);
    expect((await checkJson(dir, ['--no-compose'])).report.findings.filter((f) => f.rule === 'env.url-credentials')).toEqual([]);
  });

  it('a duplicate key is a warning with line and column (exit 0)', async () => {
    const dir = await project();
    appendFileSync(join(dir, '.env'), 'POSTGRES_DB=memu_db\n');
    const lines = read(dir).split('\n').length - 1;
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^warning \\.env:${lines}:1  POSTGRES_DB is assigned again \\(first at line ${lineOf(dir, 'POSTGRES_DB')}\\)`, 'm'));
    expect(result.stdout).toMatch(/^ok: 0 errors, 1 warning, 0 notes/m);
    const { report } = await checkJson(dir);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'warning', rule: 'env.duplicate', key: 'POSTGRES_DB', line: lines, column: 1 })]);
  });

  it('a value the three readers would read differently is an error, with the reason and the fix', async () => {
    const dir = await project();
    appendFileSync(join(dir, '.env'), "EXTRA_TOKEN='a${HOME}b'\n");
    const line = lineOf(dir, 'EXTRA_TOKEN');
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^error +\\.env:${line}  EXTRA_TOKEN: a \\$\\{\\S* inside single quotes: python-dotenv expands it`, 'm'));
    expect(result.stdout).toMatch(/fix: run `envkit set --allow-unknown EXTRA_TOKEN=\.\.\.` with the value you mean/);
    const { report } = await checkJson(dir);
    expect(report.findings).toContainEqual(expect.objectContaining({ severity: 'error', rule: 'env.portable', key: 'EXTRA_TOKEN', line }));
    expect(report.findings).toContainEqual(expect.objectContaining({ severity: 'info', rule: 'env.unknown', key: 'EXTRA_TOKEN', line }));
  });

  it("POSTGRES_PASSWORD='...${HOME}...' is reported as unportable and invalid, the value never shown", async () => {
    const dir = await project();
    const value = "'Abcdefghij${HOME}Klmnopqrstuvwxyz0123456789'";
    edit(dir, 'POSTGRES_PASSWORD', value);
    const { code, report, all } = await checkJson(dir);
    expect(code).toBe(1);
    const rules = report.findings.filter((f) => f.key === 'POSTGRES_PASSWORD').map((f) => f.rule);
    expect(rules).toContain('env.portable');
    expect(rules).toContain('schema.invalid');
    expect(all).not.toContain('Abcdefghij');
  });

  it('a variable with a default missing or empty in .env is a warning: compose reads only the file', async () => {
    const dir = await project();
    expect((await envkit(dir, ['unset', '--force', 'POSTGRES_USER'])).code).toBe(0);
    edit(dir, 'DB_MEMORY_LIMIT', '');
    const { code, report } = await checkJson(dir, ['--no-compose']);
    expect(code).toBe(0);
    const missing = report.findings.filter((f) => f.rule === 'env.default-missing');
    expect(missing.map((f) => [f.key, f.severity])).toEqual([
      ['POSTGRES_USER', 'warning'],
      ['DB_MEMORY_LIMIT', 'warning'],
    ]);
    expect(missing[0]?.fix).toMatch(/envkit init/);
    await envkit(dir, ['init', '--no-input', '--no-keyring']);
    const after = await checkJson(dir, ['--no-compose']);
    expect(after.report.findings.filter((f) => f.rule === 'env.default-missing')).toEqual([]);
  });

  it('an unknown key is a note (exit 0)', async () => {
    const dir = await project();
    appendFileSync(join(dir, '.env'), 'MY_OWN_SETTING=1\n');
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^info +\.env:\d+  MY_OWN_SETTING is not part of the memu schema$/m);
    expect(result.stdout).toMatch(/0 errors, 0 warnings, 1 note\b/);
  });

  it('.env.example drift and absence are warnings (exit 0) that name what differs', async () => {
    const dir = await project();
    writeFileSync(join(dir, '.env.example'), read(dir, '.env.example').replace('POSTGRES_DB=memu_db', 'POSTGRES_DB=other') + 'OLD_KEY=\n');
    let result = await envkit(dir, ['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^warning \.env\.example  \.env\.example is out of date \(not in the schema: OLD_KEY; changed: POSTGRES_DB\)$/m);
    expect(result.stdout).toMatch(/fix: run `envkit example`/);

    // A comment-only difference still says what differs (not an empty "()").
    await envkit(dir, ['example']);
    appendFileSync(join(dir, '.env.example'), '# a stray comment\n');
    result = await envkit(dir, ['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\.env\.example is out of date \(the header, section headings or other comments differ/);
    expect(result.stdout).not.toContain('()');

    rmSync(join(dir, '.env.example'));
    const { report } = await checkJson(dir);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'warning', rule: 'example.missing' })]);
  });

  it('a missing .env is an error that says to run init', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^error +\.env +\.env does not exist$/m);
    expect(result.stdout).toMatch(/fix: run `envkit init`/);
  });

  it('a .env that is a directory cannot be read: exit 3 with a clear message', async () => {
    const dir = testdir();
    mkdirSync(join(dir, '.env'));
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\.env is a directory; envkit reads only a regular file here/);
    expect(result.stderr).toMatch(/fix: move the directory away/);
    const json = await envkit(dir, ['--json', 'check']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'FILE' } });
  });

  it('--json: { ok, findings[{ severity, rule, file, line, key, message, fix }] } on stdout, nothing on stderr', async () => {
    const dir = await project();
    chmodSync(join(dir, '.env'), 0o640);
    appendFileSync(join(dir, '.env'), 'POSTGRES_DB=memu_db\nUNKNOWN_ONE=x\n');
    const result = await envkit(dir, ['--json', 'check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: Finding[] };
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.severity, f.rule]).sort()).toEqual([
      ['error', 'env.mode'],
      ['info', 'env.unknown'],
      ['warning', 'env.duplicate'],
    ]);
    for (const f of report.findings) {
      expect(typeof f.message).toBe('string');
      expect(f.file).toBe('.env');
    }
    expect(result.stdout).not.toMatch(ANSI);
  });

  it('--quiet prints errors and the verdict only', async () => {
    const dir = await project();
    appendFileSync(join(dir, '.env'), 'UNKNOWN_ONE=x\n');
    const clean = await envkit(dir, ['--quiet', 'check']);
    expect(clean.code).toBe(0);
    expect(clean.all).toBe('');
    chmodSync(join(dir, '.env'), 0o644);
    const failed = await envkit(dir, ['-q', 'check']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\.env has mode 0644/);
    expect(failed.stdout).not.toMatch(/UNKNOWN_ONE/);
    expect(failed.stdout).toMatch(/^failed: 1 error/m);
  });

  it('colors only when wanted: FORCE_COLOR colors; NO_COLOR and --no-color win', async () => {
    const dir = await project();
    chmodSync(join(dir, '.env'), 0o644);
    const forced = await envkit(dir, ['check'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    const noColorEnv = await envkit(dir, ['check'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(noColorEnv.code).toBe(1);
    expect(noColorEnv.all).not.toMatch(ANSI);
    const noColorFlag = await envkit(dir, ['--no-color', 'check'], { env: { FORCE_COLOR: '1' } });
    expect(noColorFlag.code).toBe(1);
    expect(noColorFlag.all).not.toMatch(ANSI);
    const plain = await envkit(dir, ['check']);
    expect(plain.all).not.toMatch(ANSI);
    expect(noColorFlag.stdout).toBe(plain.stdout);
  });
});

describe.runIf(hasGit)('envkit check with git', () => {
  it('outside a repository: a missing ignore rule is only a note', async () => {
    const dir = await project();
    rmSync(join(dir, '.gitignore'));
    const { code, report } = await checkJson(dir);
    expect(code).toBe(0);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'info', rule: 'gitignore.rules', fix: 'run `envkit gitignore`' })]);
  });

  it('a repository that ignores .env: clean', async () => {
    const dir = await project();
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'init');
    const result = await envkit(dir, ['check']);
    expect(result.code, result.all).toBe(0);
  });

  it('.env committed: tracked and not-ignored errors with the way out; --no-git skips both', async () => {
    const dir = await project();
    rmSync(join(dir, '.gitignore'));
    git(dir, 'init', '-q');
    git(dir, 'add', '.env', '.env.example');
    git(dir, 'commit', '-qm', 'oops');
    const result = await envkit(dir, ['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^error +\.env +\.env is tracked by git: its secrets are in the repository history$/m);
    // What to rotate is what the file holds (OPENROUTER_API_KEY is empty; MEMU_DB_URL goes with the password).
    expect(result.stdout).toContain(
      'fix: run `git rm --cached .env` (the file stays on disk) and commit that; then rotate what it holds: `envkit rotate OPENAI_API_KEY --stdin`, `envkit rotate POSTGRES_PASSWORD`, since it stays in the history',
    );
    expect(result.stdout).toMatch(/^error +\.env +\.env is not ignored by git$/m);
    const { report } = await checkJson(dir);
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['git.not-ignored', 'git.tracked']);

    const skipped = await envkit(dir, ['check', '--no-git']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).not.toMatch(/git/);
  });

  it('.env not ignored (the rule removed) in a repository: error, and `envkit gitignore` fixes it', async () => {
    const dir = await project();
    git(dir, 'init', '-q');
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
    const { code, report } = await checkJson(dir);
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'error', rule: 'git.not-ignored', fix: 'run `envkit gitignore`' })]);
    expect((await envkit(dir, ['gitignore'])).code).toBe(0);
    expect((await envkit(dir, ['check'])).code).toBe(0);
    expect(read(dir, '.gitignore')).toMatch(/^node_modules\/\n/);
  });
});
