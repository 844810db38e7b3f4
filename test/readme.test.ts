// The README's command table names every command `envkit --help` lists; every `envkit <command> --flag` that
// README.md, docs/*.md and the examples' READMEs show is one that command accepts; docs/exit-codes.md lists exactly the CLI's codes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envkit } from './helpers/cli.js';
import { testdir } from './helpers/testdir.js';

const ROOT = new URL('../', import.meta.url);
const DOCS = [
  'README.md',
  ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(new URL('examples/', ROOT)).map((d) => `examples/${d}/README.md`).filter((f) => existsSync(new URL(f, ROOT))),
];
const read = (file: string): string => readFileSync(new URL(file, ROOT), 'utf8');

/** The commands (or subcommands) a `--help` text lists under `Commands:`, without `help`. */
function commandsOf(help: string): string[] {
  const at = help.indexOf('Commands:');
  if (at < 0) return [];
  return [...help.slice(at).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

/** The long and short flags a `--help` text lists under `Options:`. */
function flagsOf(help: string): Set<string> {
  const options = help.slice(help.indexOf('Options:'), help.includes('Commands:') ? help.indexOf('Commands:') : undefined);
  return new Set([...options.matchAll(/^ {2}(-\w)?(?:, )?(--[a-z][\w-]*)?/gm)].flatMap((m) => [m[1], m[2]].filter((f): f is string => f !== undefined)));
}

/** Global options that take a value (skipped before the command name). */
const GLOBAL_WITH_VALUE = new Set(['-C', '--cwd', '-f', '--file', '--env-file', '--schema', '--project', '--env', '--identity']);

interface Mention {
  where: string;
  text: string;
  /** `keyring forget`, `recipients add`… or one command. */
  path: string[];
  flags: string[];
  /** `path` is not a command of `envkit --help`. */
  unknown?: true;
}

/**
 * Every `envkit …` the docs show as code: inline code spans in prose, every line of a fenced block. The mention
 * ends at a pipe, `;`, `&&`, `--`, a backtick or a `#` comment.
 */
function mentions(file: string, commands: Map<string, string[]>): Mention[] {
  const found: Mention[] = [];
  let fenced = false;
  read(file)
    .split('\n')
    .forEach((line, index) => {
      if (line.startsWith('```')) {
        fenced = !fenced;
        return;
      }
      const pieces = fenced ? [line.replace(/\s#\s.*$/, '')] : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      for (const piece of pieces) {
        for (const m of piece.matchAll(/(?<![\w@/.:'-])envkit +([^`]*)/g)) {
          const tokens = m[1]!.split(/\s+/).filter(Boolean);
          let i = 0;
          while (i < tokens.length && tokens[i]!.startsWith('-')) i += GLOBAL_WITH_VALUE.has(tokens[i]!) ? 2 : 1;
          const names = (tokens[i] ?? '').split(/\\?\|/);
          if (!names.every((n) => commands.has(n))) {
            // Code, not output: `envkit <word>` there names a command (output says "envkit writes it 0600").
            const code = !fenced || /^(\$ )?(npx )?envkit /.test(piece.trim());
            if (code && /^[a-z]/.test(names[0]!)) found.push({ where: `${file}:${index + 1}`, text: m[0].trim(), path: names, flags: [], unknown: true });
            continue;
          }
          const rest: string[] = [];
          for (const token of tokens.slice(i + 1)) {
            if (['|', ';', '&&', '--', '||'].includes(token) || token.startsWith('#')) break;
            rest.push(token);
          }
          for (const name of names) {
            const subs = commands.get(name)!;
            const sub = rest[0]?.split(/\\?\|/).filter((s) => subs.includes(s)) ?? [];
            const flags = rest
              .map((t) => /^[[(]?(--?[a-zA-Z][\w-]*)/.exec(t)?.[1])
              .filter((f): f is string => f !== undefined)
              .map((f) => f.replace(/=.*$/, ''));
            for (const s of sub.length ? sub : [undefined]) {
              found.push({ where: `${file}:${index + 1}`, text: m[0].trim(), path: s === undefined ? [name] : [name, s], flags });
            }
          }
        }
      }
    });
  return found;
}

describe('README', () => {
  it('lists every command of `envkit --help` in its command table', async () => {
    const help = await envkit(testdir(), ['--help']);
    const commands = commandsOf(help.stdout);
    expect(commands).toEqual(expect.arrayContaining(['init', 'backup', 'restore', 'keyring', 'rotate', 'check']));
    const readme = read('README.md');
    const table = readme.split('\n').filter((line) => line.startsWith('| `envkit '));
    const missing = commands.filter((c) => !table.some((row) => new RegExp(`\`(envkit )?${c}\\b`).test(row) || row.includes(` ${c} `) || row.includes(`/ \`${c}`)));
    expect(missing).toEqual([]);
  });
});

describe('README.md, docs/*.md and examples/*/README.md', () => {
  it('show only flags that the command they give them to accepts (its --help, or a global option)', async () => {
    const dir = testdir();
    const top = (await envkit(dir, ['--help'])).stdout;
    const names = commandsOf(top);
    const subcommands = new Map(await Promise.all(names.map(async (name) => [name, commandsOf((await envkit(dir, [name, '--help'])).stdout)] as const)));
    const found = DOCS.flatMap((file) => mentions(file, subcommands));
    expect(found.filter((m) => m.unknown).map((m) => `${m.where}: \`${m.text}\` names no command of envkit --help`)).toEqual([]);
    const all = found.filter((m) => !m.unknown);
    // The extraction finds what it should: these are shown in the docs.
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((m) => m.path.join(' ') === 'rotate' && m.flags.includes('--stdin'))).toBe(true);
    expect(all.some((m) => m.path.join(' ') === 'recipients remove')).toBe(true);
    const global = flagsOf(top);
    const helps = new Map<string, Set<string>>();
    for (const path of new Set(all.flatMap((m) => m.path.map((_, i) => m.path.slice(0, i + 1).join(' '))))) {
      const help = await envkit(dir, [...path.split(' '), '--help']);
      expect(help.code, `envkit ${path} --help`).toBe(0);
      helps.set(path, flagsOf(help.stdout));
    }
    // A subcommand also takes its command's options (`guard install --keyring`), as commander parses them.
    const accepts = (path: string[], flag: string): boolean => global.has(flag) || path.some((_, i) => helps.get(path.slice(0, i + 1).join(' '))?.has(flag) === true);
    const unknown = all.flatMap((m) =>
      m.flags.filter((f) => !accepts(m.path, f)).map((f) => `${m.where}: ${f} in \`${m.text}\` (envkit ${m.path.join(' ')} --help does not list it)`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('docs/exit-codes.md', () => {
  it('lists exactly the exit codes the CLI has (packages/cli/src/exit-codes.ts)', () => {
    const documented = [...read('docs/exit-codes.md').matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    const source = read('packages/cli/src/exit-codes.ts');
    const declared = /export const Exit = \{([^}]*)\}/.exec(source)?.[1] ?? '';
    const codes = [...declared.matchAll(/\b\w+: (\d+)/g)].map((m) => Number(m[1]));
    expect(codes.length).toBeGreaterThan(3);
    expect(documented.sort((a, b) => a - b)).toEqual(codes.sort((a, b) => a - b));
  });
});

describe('the design notes the code cites', () => {
  // A name in quotes is data (a test's file), not a citation.
  it('exist: every docs/*.md named in packages/, test/, scripts/ or the docs is in docs/', () => {
    const sources = (dir: string): string[] =>
      readdirSync(new URL(dir, ROOT), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.(ts|mjs|md)$/.test(entry.name) && !`${entry.parentPath}/`.match(/\/(node_modules|dist)\//))
        .map((entry) => `${entry.parentPath}/${entry.name}`);
    const files = [...sources('packages/'), ...sources('test/'), ...sources('scripts/'), ...DOCS.map((file) => new URL(file, ROOT).pathname)];
    const cited = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/(?<![\w'"/])docs\/([a-z][a-z0-9-]*\.md)\b/g)].map((m) => m[1]!)));
    expect(cited.size).toBeGreaterThan(5);
    expect([...cited].filter((name) => !existsSync(new URL(`docs/${name}`, ROOT)))).toEqual([]);
  });
});
