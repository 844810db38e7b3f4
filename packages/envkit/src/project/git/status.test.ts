// The in-process reader against real git: many small repositories, random but seeded, whose ignore rules and
// index touch `.env` and its neighbours. Wherever the reader answers, its answer must be git's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { requireTool } from '../../../../../test/helpers/require.js';
import { isolatedGitUser } from '../../../../../test/helpers/git-user.js';
import { askGit, type GitStatus } from '../git.js';
import { readGitStatus } from './status.js';

const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
const hasGit = requireTool('git', realGit !== '', 'apt-get install -y git');
const home = isolatedGitUser();

function git(dir: string, ...args: string[]): void {
  const r = spawnSync(realGit, ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** mulberry32: a small seeded generator, so that a failing case can be made again. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Patterns that touch `.env`, the directories above it (`sub/deep/`) and their neighbours. */
const PATTERNS = [
  '.env', '/.env', '.env/', '.env*', '*.env', '.env.*', '*', '.*', '.en?', '.e[mn]v', '.[!a]nv', '.[^e]nv', '.[a-f]nv', '[.]env',
  '**/.env', '**/sub/.env', '**/deep/.env', '*/.env', '/sub/.env', 'sub/.env', 'deep/.env', 'sub/deep/.env', 'sub/**/.env', 'sub/**',
  'sub/', 'sub', '/sub/', '/sub', 'sub/*', 'deep/', '**/deep', 'sub/deep/', 'sub/deep', '*/deep/', 's*/', 's?b/', '[s]ub/', '*/', '/*', '/*/',
  '!.env', '!/.env', '!*.env', '!sub/', '!sub', '!sub/.env', '!deep/', '!deep/.env', '!*/', '!**/.env', '!sub/deep/', '!/sub/deep/.env',
  '\\!.env', '!\\!.env', '\\#.env', '#.env', '.env ', '.env  ', '.env\\ ', ' .env', '.env\\', '\\.env', '.\\env', '.e\\nv', '.env\t',
  '.ENV', '.env.local', '!.env.local', '**', '/**', '**/', '.env/**', 'sub/**/', '***/.env', 's**/.env', 'su**', '**/s*/.env',
  '[!.]env', '.e*v', '.env?', '?env', '??env', '.[e]nv', '[[:punct:]]env', '.[[:alpha:]]nv', '.[e-]nv', '.[]e]nv', '.[z-a]nv',
  '', '#', '!', '/', 'other/', '!other/', 'sub/deep/**', '!sub/deep/**', 'sub/*/', '!sub/*/',
  '\\*env', '.env\\*', '.e\\[n]v', 'sub[/]deep/', '.env[/]', '[!/]env', '.[!]nv', '**/.env/', 'sub/deep/.env/', '.env/*',
  '/sub/*/.env', 'sub/*/.env', '.env#', '.env #c', '!!.env', '.env!', ' ', '\\ .env', '\\\\.env', '\\', 'sub\\/deep/',
];

type IndexKind = 'none' | 'v2' | 'v3' | 'v4' | 'split';
type EnvKind = 'untracked' | 'committed' | 'intent';
interface Shape { index: IndexKind; env: EnvKind; at: string }

/** A repository of one shape: README and sub/deep/ tracked (unless no index), `.env` at `at`. */
function buildShape(shape: Shape): { root: string; file: string } {
  const root = testdir({ README: 'r\n', 'sub/keep': 'k\n', 'sub/deep/keep': 'k\n', 'other/keep': 'k\n' });
  const file = join(root, shape.at, '.env');
  const rel = join(shape.at, '.env');
  git(root, 'init', '-q');
  if (shape.index !== 'none') {
    git(root, 'add', '-f', 'README', 'sub/keep', 'sub/deep/keep');
    if (shape.env === 'committed') {
      writeFileSync(file, 'A=1\n');
      git(root, 'add', '-f', rel);
    }
    git(root, 'commit', '-qm', 'base');
    if (shape.env === 'intent') {
      writeFileSync(file, 'A=1\n');
      git(root, 'add', '-f', '-N', rel);
    }
    if (shape.index === 'v3') git(root, 'update-index', '--skip-worktree', 'README');
    if (shape.index === 'v4') git(root, 'update-index', '--index-version', '4');
    if (shape.index === 'split') git(root, 'update-index', '--split-index');
    const version = readFileSync(join(root, '.git/index')).readUInt32BE(4);
    // An intent-to-add entry has an extended flag too, and so needs version 3 as skip-worktree does. (The
    // split index's own file holds only the changes on top of the shared one.)
    if (shape.index !== 'split') expect(version).toBe(shape.index === 'v4' ? 4 : shape.index === 'v3' || shape.env === 'intent' ? 3 : 2);
  }
  return { root, file };
}

/** Ignore-file text: lines from the vocabulary, LF or CRLF, with or without the last newline. */
function patternText(random: () => number): string {
  const lines = Array.from({ length: 1 + Math.floor(random() * random() * 4) }, () => PATTERNS[Math.floor(random() * PATTERNS.length)]!);
  const eol = random() < 0.25 ? '\r\n' : '\n';
  return lines.join(eol) + (random() < 0.8 ? eol : '');
}

/** Writes `text` at `path`, or removes the file when `text` is undefined. */
function put(path: string, text: string | undefined): void {
  if (text === undefined) rmSync(path, { force: true });
  else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** One case: the rule files' texts (path in the repository → text; undefined: none), the global excludes. */
interface Case {
  shape: Shape;
  /** The directory envkit runs in: the env file's, or the top of the work tree. */
  inRoot: boolean;
  texts: Record<string, string | undefined>;
  global: string | undefined;
  /** Where git finds the global excludes file. */
  how: 'xdg' | 'home-config' | 'excludesFile' | 'excludesFile ~/' | 'excludesFile in xdg';
  exists: boolean;
}

const RULE_FILES = ['.gitignore', 'sub/.gitignore', 'sub/deep/.gitignore', '.git/info/exclude'];
const WAYS: Array<Case['how']> = ['xdg', 'home-config', 'excludesFile', 'excludesFile ~/', 'excludesFile in xdg'];

/** Lays out one case in its shape's repository (and HOME), then asks the reader and git. */
function compare(shapes: Map<string, { root: string; file: string }>, c: Case): { mine: GitStatus | undefined; theirs: GitStatus } {
  const key = JSON.stringify(c.shape);
  if (!shapes.has(key)) shapes.set(key, buildShape(c.shape));
  const { root, file } = shapes.get(key)!;
  for (const path of RULE_FILES) put(join(root, path), c.texts[path]);
  for (const path of ['.config', 'xdg', '.gitconfig', 'excludes']) rmSync(join(home(), path), { recursive: true, force: true });
  delete process.env.XDG_CONFIG_HOME;
  if (c.how === 'xdg' || c.how === 'excludesFile in xdg') process.env.XDG_CONFIG_HOME = join(home(), 'xdg');
  const config = '[user]\n\tname = t # a comment\n[core]\n\texcludesFile = ';
  const excludes = c.how === 'excludesFile ~/' ? '~/excludes' : join(home(), 'excludes');
  put(join(home(), { xdg: 'xdg/git/ignore', 'home-config': '.config/git/ignore' }[c.how as string] ?? 'excludes'), c.global);
  if (c.how.startsWith('excludesFile')) put(join(home(), c.how === 'excludesFile in xdg' ? 'xdg/git/config' : '.gitconfig'), `${config}${excludes}\n`);
  if (c.shape.env === 'untracked') put(file, c.exists ? 'A=1\n' : undefined);
  const dir = c.inRoot ? root : dirname(file);
  return { mine: readGitStatus(dir, file), theirs: askGit(dir, file) };
}

const RANDOM_CASES = 400;

describe.runIf(hasGit)('the in-process reader agrees with git', () => {
  const shapes = new Map<string, { root: string; file: string }>();
  const disagreements: string[] = [];
  let answered = 0;
  let plain = 0;
  let plainAnswered = 0;
  // Each test starts afresh: its repositories are removed after it (testdir).
  const start = (): void => {
    shapes.clear();
    disagreements.length = 0;
    answered = plain = plainAnswered = 0;
  };
  const run = (c: Case): void => {
    const { mine, theirs } = compare(shapes, c);
    const isPlain = c.shape.env === 'untracked' && c.shape.index !== 'split';
    plain += isPlain ? 1 : 0;
    if (mine === undefined) return;
    answered++;
    plainAnswered += isPlain ? 1 : 0;
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) disagreements.push(JSON.stringify({ ...c, mine, git: theirs }));
  };

  it('on each pattern alone, in the top .gitignore and in sub/.gitignore, for .env at each depth', () => {
    start();
    for (const pattern of PATTERNS) {
      for (const at of ['', 'sub', 'sub/deep']) {
        for (const holder of at === '' ? ['.gitignore'] : ['.gitignore', 'sub/.gitignore']) {
          run({ shape: { index: 'v2', env: 'untracked', at }, inRoot: false, texts: { [holder]: `${pattern}\n` }, global: undefined, how: 'xdg', exists: true });
        }
      }
    }
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    expect(answered).toBeGreaterThan(PATTERNS.length * 5 * 0.8);
  }, 120_000);

  it('on each pair of directory patterns in two sources of different precedence, for sub/deep/.env', () => {
    start();
    const pairs = ['.env', 'sub/', 'sub', 'deep/', 'sub/*', 'sub/deep/', '*/', '**/.env', '*'].flatMap((p) => [p, `!${p}`]);
    for (const [higher, lower] of [['sub/.gitignore', '.gitignore'], ['.gitignore', '.git/info/exclude']] as const) {
      for (const first of pairs) {
        for (const second of pairs) {
          run({ shape: { index: 'none', env: 'untracked', at: 'sub/deep' }, inRoot: false, texts: { [higher]: `${first}\n`, [lower]: `${second}\n` }, global: undefined, how: 'xdg', exists: true });
        }
      }
    }
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    expect(answered).toBeGreaterThan(pairs.length * pairs.length * 2 * 0.8);
  }, 120_000);

  it(`on ${RANDOM_CASES} random repositories`, () => {
    start();
    const random = generator(20261206);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    for (let n = 0; n < RANDOM_CASES; n++) {
      const index = pick<IndexKind>(['none', 'v2', 'v3', 'v4', 'split']);
      const env = index === 'none' || random() < 0.7 ? 'untracked' : pick<EnvKind>(['committed', 'intent']);
      const texts: Record<string, string | undefined> = {};
      for (const path of RULE_FILES) texts[path] = random() < (path.endsWith('exclude') ? 0.4 : 0.6) ? patternText(random) : undefined;
      run({
        shape: { index, env, at: pick(['', 'sub', 'sub/deep']) },
        inRoot: random() < 0.2,
        texts,
        global: random() < 0.5 ? patternText(random) : undefined,
        how: pick(WAYS),
        exists: random() < 0.7,
      });
    }
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    // The reader must answer the plain cases (not in the index, no split index), or this would prove nothing.
    expect(plainAnswered / plain).toBeGreaterThan(0.8);
  }, 120_000);
});
