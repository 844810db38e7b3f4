import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitignoreRules, matchGitignore, syncGitignoreText } from './gitignore.js';
import { requireTool } from '../../../../test/helpers/require.js';

const rules = gitignoreRules('.env');
const MUST_IGNORE = ['.env', '.env.envkit-pending', '.env.envkit-lock', '.env.envkit-backup', '.env.envkit-tmp-abc123', '.env.envkit-lock.break'];
const MUST_KEEP = ['.env.example'];

describe('gitignoreRules', () => {
  it('ignores the env file and one pattern for envkit’s working files, keeps the example', () => {
    expect(gitignoreRules('.env')).toEqual({ ignore: ['.env', '.env.envkit-*'], keep: ['.env.example'] });
    expect(gitignoreRules('prod.env')).toEqual({ ignore: ['prod.env', 'prod.env.envkit-*'], keep: ['prod.env.example'] });
  });

  it('escapes what gitignore would read as syntax', () => {
    expect(gitignoreRules('.env[1]').ignore).toEqual(['.env\\[1]', '.env\\[1].envkit-*']);
    expect(gitignoreRules('#env').ignore).toEqual(['\\#env', '\\#env.envkit-*']);
    expect(gitignoreRules('!env').ignore[0]).toBe('\\!env');
    expect(gitignoreRules('env ').ignore[0]).toBe('env\\ ');
    expect(gitignoreRules('a*b?').ignore[0]).toBe('a\\*b\\?');
    expect(() => gitignoreRules('dir/.env')).toThrow('without a directory');
  });
});

describe('syncGitignoreText (pure)', () => {
  it('creates the rules for a missing or empty file', () => {
    const expected = "# envkit: the env file and envkit's working files hold secrets; the example is committed\n.env\n.env.envkit-*\n";
    expect(syncGitignoreText(undefined, rules)).toEqual({ text: expected, changed: true, added: ['.env', '.env.envkit-*'] });
    expect(syncGitignoreText('', rules).text).toBe(expected);
  });

  it('keeps every existing byte and appends after a blank line', () => {
    const before = 'node_modules\n# local\n';
    const { text, added } = syncGitignoreText(before, rules);
    expect(text.startsWith(`${before}\n# envkit:`)).toBe(true);
    expect(added).toEqual(['.env', '.env.envkit-*']);
  });

  it('adds a newline only where it appends, in the file’s own line ending', () => {
    expect(syncGitignoreText('node_modules', rules).text).toBe(
      "node_modules\n\n# envkit: the env file and envkit's working files hold secrets; the example is committed\n.env\n.env.envkit-*\n",
    );
    const crlf = syncGitignoreText('node_modules\r\ndist', rules).text;
    expect(crlf.startsWith('node_modules\r\ndist\r\n\r\n# envkit:')).toBe(true);
    expect(crlf.replace(/\r\n/g, '')).not.toContain('\n');
    // nothing to append: not even the missing final newline is added
    const done = '.env\n.env.envkit-*';
    expect(syncGitignoreText(done, rules)).toEqual({ text: done, changed: false, added: [] });
  });

  it('is idempotent', () => {
    for (const start of [undefined, '', '.env*', 'x\r\n!.env\r\n', '*\n']) {
      const once = syncGitignoreText(start, rules);
      expect(syncGitignoreText(once.text, rules)).toEqual({ text: once.text, changed: false, added: [] });
    }
  });

  it('un-ignores the example that `.env*` would hide, and adds only what is missing', () => {
    expect(syncGitignoreText('.env*\n', rules).added).toEqual(['!.env.example']);
    expect(syncGitignoreText('*.env\n', rules).added).toEqual(['.env.envkit-*']);
    expect(syncGitignoreText('.env.*\n', rules).added).toEqual(['.env', '!.env.example']);
  });

  it('appends again what a later negation undoes', () => {
    expect(syncGitignoreText('.env\n.env.envkit-*\n!.env\n', rules).added).toEqual(['.env']);
    expect(syncGitignoreText('.env\n.env.envkit-*\n!.env.envkit-pending\n', rules).added).toEqual(['.env.envkit-*']);
    expect(syncGitignoreText('!.env.example\n.env.*\n', rules).added).toEqual(['.env', '!.env.example']);
  });

  it('treats `.env ` (trailing space) like git: the same as `.env`; `.env\\ ` is another name', () => {
    expect(syncGitignoreText('.env   \n.env.envkit-*\n', rules).changed).toBe(false);
    expect(syncGitignoreText('.env\\ \n.env.envkit-*\n', rules).added).toEqual(['.env']);
  });
});

describe('matchGitignore', () => {
  it('names the deciding line', () => {
    expect(matchGitignore('.env*\n!.env.example\n', '.env.example')).toEqual({ ignored: false, line: 2, pattern: '!.env.example' });
    expect(matchGitignore('# c\r\n/.env \r\n', '.env')).toEqual({ ignored: true, line: 2, pattern: '/.env' });
    expect(matchGitignore('foo/.env\n.env/\n', '.env')).toEqual({ ignored: false });
  });
});

// ---------------------------------------------------------------------------------------------------
// The real thing: git itself decides.

const git = spawnSync('git', ['--version'], { encoding: 'utf8' }).status === 0;
const haveGit = requireTool('git', git, 'apt-get install -y git');
let home = '';
let repo = '';

/** git with no user or system configuration, so a developer's global excludes cannot change the answer. */
function runGit(args: string[], cwd: string, input?: string) {
  return spawnSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', XDG_CONFIG_HOME: home },
  });
}

/** git's verdict for each name, given this .gitignore text (undefined: no .gitignore). */
function gitVerdicts(gitignore: string | undefined, names: string[]): Record<string, boolean> {
  if (gitignore === undefined) rmSync(join(repo, '.gitignore'), { force: true });
  else writeFileSync(join(repo, '.gitignore'), gitignore);
  const result = runGit(['check-ignore', '--no-index', '-v', '-n', '-z', '--stdin'], repo, names.map((n) => `${n}\0`).join(''));
  if (result.status !== 0 && result.status !== 1) throw new Error(`git check-ignore failed: ${result.stderr}`);
  const fields = result.stdout.split('\0');
  const verdicts: Record<string, boolean> = {};
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const pattern = fields[i + 2] as string;
    verdicts[fields[i + 3] as string] = pattern !== '' && !pattern.startsWith('!');
  }
  return verdicts;
}

const CASES: Record<string, string | undefined> = {
  missing: undefined,
  empty: '',
  'only a newline': '\n',
  '.env*': '.env*\n',
  '*.env': '*.env\n',
  '.env.*': '.env.*\n',
  '*.env*': 'node_modules\n*.env*\n',
  'everything (*)': '*\n',
  '.env already present': 'node_modules/\n.env\n',
  '/.env': '/.env\n',
  '**/.env': '**/.env\n',
  '.env then !.env': '.env\n!.env\n',
  '.env* then !.env*': '.env*\n!.env*\n',
  'negated pending': '.env*\n!.env.envkit-pending\n',
  'example ignored on purpose': '.env\n.env.example\n',
  '*.example': '*.example\n',
  'negation then a later .env.*': '!.env.example\n.env.*\n',
  CRLF: 'node_modules\r\n.env*\r\n',
  'CRLF without final newline': 'node_modules\r\n*.env',
  'no final newline': 'dist\n.env*',
  comments: '# .env\n#.env\n\\#.env\n',
  'trailing spaces': '.env   \n.env.*  \n',
  '`.env ` with one trailing space': '.env \n',
  'escaped trailing space': '.env\\ \n',
  'directory-only .env/': '.env/\n',
  'inner path foo/.env': 'foo/.env\n',
  'class and ?': '[.]env\n.e?v.*\n',
  'bad class': '[.env\n',
  BOM: '\uFEFF.env*\n',
  'tabs are not trimmed': '.env\t\n',
};

const NAMES = [...MUST_IGNORE, ...MUST_KEEP, 'a.env', '.env.local', 'env', '.env ', '#.env', '.envrc', 'x.example'];

describe.runIf(haveGit)('syncGitignoreText against real git (git check-ignore --no-index)', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'envkit-git-home-'));
    repo = mkdtempSync(join(tmpdir(), 'envkit-git-'));
    const init = runGit(['init', '-q'], repo);
    if (init.status !== 0) throw new Error(init.stderr);
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  for (const [name, start] of Object.entries(CASES)) {
    it(`${name}: the env file and envkit's files are ignored, the example is not`, () => {
      // Our reading of the starting file agrees with git's, name by name.
      const before = gitVerdicts(start, NAMES);
      for (const file of NAMES) expect(matchGitignore(start ?? '', file).ignored, `${file} before`).toBe(before[file]);

      const result = syncGitignoreText(start, rules);
      const after = gitVerdicts(result.text, NAMES);
      for (const file of MUST_IGNORE) expect(after[file], `${file} must be ignored`).toBe(true);
      for (const file of MUST_KEEP) expect(after[file], `${file} must not be ignored`).toBe(false);
      for (const file of NAMES) expect(matchGitignore(result.text, file).ignored, `${file} after`).toBe(after[file]);

      // Every existing line is kept as it was.
      const original = start ?? '';
      const kept = original.endsWith('\n') || original === '' ? original : original + (original.includes('\r\n') ? '\r\n' : '\n');
      expect(result.text.startsWith(result.changed ? kept : original)).toBe(true);
      expect(syncGitignoreText(result.text, rules).changed).toBe(false);
    });
  }

  it('random .gitignore files: git agrees with the result every time', () => {
    const line = fc.constantFrom(
      '.env', '.env*', '*.env', '.env.*', '!.env', '!.env.example', '!.env*', '*', '!*', '.env.example', '*.example',
      '/.env', '**/.env', '.env/', '# comment', '', '   ', '.env  ', '.env.envkit-*', '!.env.envkit-*', '!.env.envkit-pending',
      '.env.envkit-lock', 'node_modules/', '\\#x', '.e*', '!.e*', '[.]env*', '!.env.e*', '.env.e[x]ample',
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.boolean(), (lines, crlf, finalNewline) => {
        const eol = crlf ? '\r\n' : '\n';
        const start = lines.join(eol) + (finalNewline && lines.length > 0 ? eol : '');
        const result = syncGitignoreText(start, rules);
        const after = gitVerdicts(result.text, [...MUST_IGNORE, ...MUST_KEEP]);
        for (const file of MUST_IGNORE) expect(after[file], `${JSON.stringify(start)}: ${file}`).toBe(true);
        for (const file of MUST_KEEP) expect(after[file], `${JSON.stringify(start)}: ${file}`).toBe(false);
        expect(result.text.startsWith(start)).toBe(true);
        expect(syncGitignoreText(result.text, rules).changed).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('escaped names from gitignoreRules mean the literal file to git', () => {
    for (const envName of ['.env[1]', '#env', '!env', 'a*b']) {
      const r = gitignoreRules(envName);
      const text = syncGitignoreText(undefined, r).text;
      const verdict = gitVerdicts(text, [envName, `${envName}.envkit-pending`, `${envName}.example`, '.env1', 'aXb']);
      expect(verdict).toMatchObject({ [envName]: true, [`${envName}.envkit-pending`]: true, [`${envName}.example`]: false, '.env1': false, aXb: false });
    }
  });
});
