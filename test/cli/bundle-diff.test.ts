// The CLI users run is not its TypeScript source: packages/cli/build.mjs bundles it (a bundle per common
// command with stand-ins for the others, lazy builtins, code caches, static --help/--version text, each
// bundle read back as latin1 by src/bin.ts: docs/startup.md). The library's own tests cannot see what that
// changes. Each case here runs the same invocations through the built CLI as users run it and through the
// CLI from its source with none of that (test/helpers/cli-source.ts), both from the same copy of a
// project at the same path, and expects the same stdout, stderr, exit codes and files (contents, modes).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../helpers/require.js';
import { FAKE_COMPOSE } from '../helpers/rotation.js';
import { SECRET_SERVICE_INSTALL, hasSecretService, withSecretService } from '../helpers/secret-service.js';
import { sourceCli, type SourceCli } from '../helpers/cli-source.js';
import { edit, envkit, read, readEnv, OPENAI_KEY, OPENROUTER_KEY, type CliResult } from './support.js';

interface Step {
  args: string[];
  /** The exit code the built CLI must give (a check that the case tests what it says): default 0. */
  code?: number;
  /** The working directory, relative to the case's root (default: its project). */
  cwd?: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

interface Case {
  name: string;
  /** A step's arguments: a Step, or a function of the case's root run just before the step. */
  steps: (string[] | Step | ((root: string) => Step))[];
  /** Changes to the project before the first step, the same on both sides. */
  setup?: (project: string) => void;
  /** What the steps make at random on this side (a generated password…): masked, keeping its length. */
  random?: (side: Side, root: string) => string[];
  /** The steps encrypt (age output is random): .age files are compared by size; decrypt them to compare more. */
  encrypts?: boolean;
  /** Each side gets a keyring of its own: gnome-keyring on a private D-Bus session bus. */
  keyring?: boolean;
  /** What differs from run to run (a time measured), replaced by `<varies>`. */
  varies?: RegExp;
}

interface Side {
  results: { args: string; code: number | null; stdout: string; stderr: string }[];
  /** The exit code each step expects (the same on both sides). */
  codes: number[];
  /** Every file and directory under the case's root (but .git, except its hooks): mode and contents. */
  files: Record<string, string>;
}

type Cli = (cwd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv }) => Promise<CliResult>;

const HAS_KEYRING = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);
const NODE = process.execPath;
const COMPOSE = fileURLToPath(new URL('../../examples/memu/docker-compose.yml', import.meta.url));
const CUSTOM_SCHEMA = fileURLToPath(new URL('../../examples/custom-schema/schema.ts', import.meta.url));
/** An $EDITOR for `envkit edit` (run through sh) that sets MEMU_MEMORY_LIMIT=3g in the file it is given. */
const EDIT_MEMORY_LIMIT = `${NODE} -e "const fs = require('fs'), f = process.argv[1]; fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^MEMU_MEMORY_LIMIT=.*/m, 'MEMU_MEMORY_LIMIT=3g'))"`;
/** A command for `envkit run` that prints its whole environment. */
const PRINT_ENV = [NODE, '-e', 'const e = process.env; console.log(JSON.stringify(Object.keys(e).sort().map((k) => [k, e[k]])))'];

const fails = (code: number, ...args: string[]): Step => ({ args, code });
const inRoot = (...args: string[]): Step => ({ args, cwd: '.' });

function replaceIn(project: string, file: string, from: string, to: string): void {
  const text = read(project, file);
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(join(project, file), text.replace(from, to));
}

function git(project: string, ...args: string[]): void {
  const result = spawnSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', ...args], { cwd: project, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

/** The identity `envkit identity` made with XDG_CONFIG_HOME=<root>/bob. */
function bobKey(root: string): { recipient: string; secret: string } {
  const text = readFileSync(join(root, 'bob', 'envkit', 'identity.txt'), 'utf8');
  return { recipient: /^# public key: (age1\w+)$/m.exec(text)![1]!, secret: /^AGE-SECRET-KEY-1\w+$/m.exec(text)![0] };
}

/** The password init generated, as the side's .env holds it (MEMU_DB_URL holds it too). */
const generated = (_side: Side, root: string): string[] => [readEnv(join(root, 'project')).POSTGRES_PASSWORD!];

const CASES: Case[] = [
  // The dedicated bundles (cli-<command>.cjs).
  { name: 'check', steps: [['check'], ['--json', 'check'], ['check', '--no-git', '--no-compose'], { args: ['check'], env: { FORCE_COLOR: '1' } }] },
  {
    name: 'check: a `…` placeholder and durations in µs, h and m in the compose file',
    setup: (p) => {
      edit(p, 'OPENAI_API_KEY', '…');
      edit(p, 'OPENROUTER_API_KEY', 'sk-or-v1-…');
      replaceIn(p, 'docker-compose.yml', 'timeout: 5s', 'timeout: 5000000µs');
      replaceIn(p, 'docker-compose.yml', 'interval: 30s', 'interval: 1h30m');
      replaceIn(p, 'docker-compose.yml', 'start_period: 10s', 'start_period: 10 µs');
    },
    steps: [fails(1, 'check'), fails(1, 'check', '--json')],
  },
  {
    name: 'check: placeholders, bad URLs and limits',
    setup: (p) => {
      edit(p, 'OPENAI_API_KEY', 'changeme');
      edit(p, 'OPENROUTER_API_KEY', '<your key>');
      edit(p, 'OPENROUTER_BASE_URL', 'https://exämple.com/api/v1');
      edit(p, 'OLLAMA_API_BASE_URL', 'not a url');
      edit(p, 'MEMU_MEMORY_LIMIT', '2gigabytes');
      edit(p, 'DB_MEMORY_LIMIT', '1 Gö');
    },
    steps: [fails(1, 'check'), fails(1, '--json', 'check', '--no-git')],
  },
  {
    name: 'check: UTF-8 and emoji values, an unknown key, a bad line',
    setup: (p) => {
      edit(p, 'POSTGRES_DB', 'mému_dö');
      appendFileSync(join(p, '.env'), 'GREETING="héllo wörld 🎉 ✓"\nthis line has no equals sign\n');
    },
    steps: [fails(1, 'check'), fails(1, 'check', '--json')],
  },
  { name: 'check --compose-file=…, -C from the parent, combined short flags', steps: [['check', '--compose-file=docker-compose.yml'], inRoot('-C', 'project', 'check'), inRoot('--cwd=project', 'check', '--no-git'), inRoot('-qC', 'project', 'check')] },
  {
    name: 'get',
    setup: (p) => appendFileSync(join(p, '.env'), 'GREETING="héllo 🎉"\n'),
    steps: [
      ['get', 'POSTGRES_USER'],
      fails(1, 'get', 'OPENAI_API_KEY'),
      ['get', '--reveal', 'OPENAI_API_KEY'],
      ['--json', 'get', 'POSTGRES_DB'],
      fails(1, 'get', 'GREETING'),
      ['get', '--allow-unknown', '--reveal', 'GREETING'],
      ['get', '--', 'POSTGRES_USER'],
      ['--file=.env', 'get', 'POSTGRES_DB'],
      ['--env-file', '.env', 'get', 'POSTGRES_DB'],
      fails(2, 'get'),
    ],
  },
  {
    name: 'init on a complete project, then --dry-run and --json',
    steps: [['init', '--no-input', '--no-keyring'], ['init', '--no-input', '--dry-run', '--no-keyring'], ['--json', 'init', '--no-input', '--no-keyring']],
  },
  {
    name: 'init in an empty directory (a generated password)',
    setup: (p) => {
      for (const name of ['.env', '.env.example', '.gitignore']) rmSync(join(p, name));
    },
    steps: [fails(1, 'init', '--no-input', '--no-keyring', '--set', 'POSTGRES_USER=ünïcode_user'), ['init', '--no-input', '--no-keyring', '--set', 'OLLAMA_API_BASE_URL=http://öllama.example:11434/api', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]],
    random: generated,
  },
  {
    name: 'init --set a bad value, --from-env',
    setup: (p) => rmSync(join(p, '.env')),
    steps: [fails(1, 'init', '--no-input', '--no-keyring', '--set', 'MEMU_MEMORY_LIMIT=lots'), { args: ['init', '--no-input', '--no-keyring', '--from-env'], env: { POSTGRES_DB: 'from_env_db', GREETING: 'ignored 🎉' } }],
    random: generated,
  },
  {
    name: 'set',
    steps: [
      fails(1, 'set', 'POSTGRES_DB=renamed_db', '--no-keyring'),
      ['set', '--force', 'POSTGRES_DB=renamed_db', '--no-keyring'],
      ['set', 'OLLAMA_API_BASE_URL=http://öllama.example:11434/api', '--no-keyring'],
      ['set', '--allow-unknown', 'GREETING=héllo wörld 🎉', 'NAME=naïve café'],
      ['set', '--dry-run', 'MEMU_MEMORY_LIMIT=4g'],
      fails(1, 'set', 'MEMU_MEMORY_LIMIT=4 gigs'),
      fails(1, 'set', 'POSTGRES_PASSWORD=AnotherLongPassword1234567890abcd'),
      { args: ['set', '--stdin', 'OPENROUTER_API_KEY', '--no-keyring'], input: 'sk-or-v1-stdinRouterKeyH5jK8nM2qS6uW9xA3\n' },
      ['--json', 'set', 'DB_MEMORY_LIMIT=2g', '--no-keyring'],
    ],
  },
  {
    name: 'guard',
    setup: (p) => git(p, 'add', 'docker-compose.yml', '.gitignore'),
    steps: [['guard', '--no-keyring'], ['guard', 'install', '--dry-run'], ['guard', 'install'], ['--json', 'guard', 'install']],
  },
  {
    name: 'guard: .env and a secret staged',
    setup: (p) => {
      writeFileSync(join(p, 'notes.txt'), `the key is ${OPENAI_KEY}\n`);
      git(p, 'add', '-f', '.env', 'notes.txt');
    },
    steps: [fails(1, 'guard', '--no-keyring'), fails(1, '--json', 'guard', '--no-keyring')],
  },
  {
    name: 'run',
    steps: [
      ['run', '--', ...PRINT_ENV],
      fails(7, 'run', '--', NODE, '-e', 'process.exit(7)'),
      ['run', '--env', 'staging', '--', ...PRINT_ENV],
      { args: ['run', '--', ...PRINT_ENV], env: { ENVKIT_ENV: 'staging' } },
      ['-q', 'run', NODE, '--version'],
      fails(2, 'run', NODE, '-e', 'console.log("no --")'),
      fails(2, 'run'),
    ],
  },
  {
    name: 'the keyring: init stores, restore reads, status compares',
    setup: (p) => {
      for (const name of ['.env', '.env.example', '.gitignore']) rmSync(join(p, name));
    },
    steps: [
      ['init', '--no-input', '--keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`],
      ['unset', '--keyring', 'OPENAI_API_KEY'],
      ['restore', '--force'],
      ['--json', 'keyring', 'status'],
    ],
    random: generated,
    keyring: true,
    varies: /(?<=probe |"probeMs": )\d+/g,
  },
  // cli.cjs.
  {
    name: 'example and gitignore',
    steps: [['example', '--check'], ['gitignore', '--check']],
  },
  {
    name: 'example and gitignore out of date',
    setup: (p) => {
      writeFileSync(join(p, '.env.example'), 'OLD=1\n');
      writeFileSync(join(p, '.gitignore'), 'node_modules\n');
    },
    steps: [fails(1, 'example', '--check'), fails(1, 'gitignore', '--check'), ['example'], ['gitignore'], ['example', '--check'], ['gitignore', '--check']],
  },
  {
    name: 'schema in each format',
    steps: [['schema'], ['schema', '--format', 'json'], ['schema', '--format=json-schema'], ['schema', '--format', 'markdown'], ['--json', 'schema'], fails(2, 'schema', '--format', 'yaml')],
  },
  {
    name: 'a schema module of your own (--schema: bin.ts runs it without vm)',
    setup: (p) => writeFileSync(join(p, '.env'), 'PORT=3000\nPUBLIC_URL=https://billing.example\n'),
    steps: [['--schema', CUSTOM_SCHEMA, 'schema', '--format', 'json'], fails(1, '--schema', CUSTOM_SCHEMA, 'check', '--no-git', '--no-compose'), fails(2, '--schema', 'missing.ts', 'check')],
  },
  {
    name: 'unset',
    setup: (p) => appendFileSync(join(p, '.env'), 'GREETING="héllo 🎉"\n'),
    steps: [['unset', 'GREETING', '--no-keyring'], ['unset', 'OPENROUTER_API_KEY', '--no-keyring'], fails(1, 'unset', 'POSTGRES_PASSWORD', '--no-keyring'), fails(2, 'unset')],
  },
  {
    name: 'rotate without a database',
    steps: [
      ['rotate', 'POSTGRES_PASSWORD', '--dry-run', '--no-keyring'],
      ['--json', 'rotate', 'POSTGRES_PASSWORD', '--dry-run', '--no-keyring', '--apply', 'none'],
      fails(2, 'rotate', 'OPENAI_API_KEY', '--dry-run'),
      { args: ['rotate', 'OPENAI_API_KEY', '--stdin', '--no-keyring'], input: 'sk-rotatedOpenAiKeyQ7vX2mN9pL4wR8tY3zB6' },
      ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring'],
    ],
    random: generated,
  },
  {
    name: 'status, generate, keyring without a keyring',
    steps: [
      // The stand-in podman (test/fixtures/fake-compose) with a stopped db container and no memu container.
      { args: ['status', '--compose-cmd', FAKE_COMPOSE], code: 1, env: { ENVKIT_TEST_COMPOSE_DOWN: '1' } },
      { args: ['--json', 'status', '--compose-cmd', FAKE_COMPOSE], code: 1, env: { ENVKIT_TEST_COMPOSE_DOWN: '1' } },
      ['generate', 'password', '--length', '24'],
      fails(2, 'generate'),
      fails(3, 'keyring', 'status'),
      fails(3, 'backup'),
    ],
    random: (side) => [side.results.find((r) => r.args.startsWith('generate'))!.stdout.trim()],
  },
  {
    name: 'encrypted environments: diff, get, check, identity, recipients, decrypt',
    steps: [
      fails(1, 'diff', 'staging', '.env'),
      fails(1, '--json', 'diff', 'staging', '.env'),
      ['get', '--env', 'staging', 'POSTGRES_DB'],
      ['--env=staging', 'get', '--reveal', 'MEMU_DB_URL'],
      ['check', '--env', 'staging'],
      ['identity', '--no-keyring'],
      ['recipients', 'list', '--env', 'staging'],
      fails(1, 'decrypt', '--env', 'staging'),
      ['decrypt', '--env', 'staging', '--file', 'staging.env'],
      fails(3, 'get', '--env', 'staging', 'POSTGRES_DB', '--identity', 'nowhere.txt'),
    ],
    // The fingerprints of `diff` are keyed for each run.
    random: (side) => side.results.slice(0, 2).flatMap((r) => r.stdout.match(/\b[0-9a-f]{8}\b/g) ?? []),
  },
  {
    name: 'encrypt, edit and decrypt again',
    setup: (p) => edit(p, 'POSTGRES_DB', 'encrypted_db'),
    steps: [
      ['encrypt', '--env', 'staging', '--from', '.env'],
      ['set', '--env', 'staging', 'DB_MEMORY_LIMIT=2g'],
      { args: ['get', 'DB_MEMORY_LIMIT'], env: { ENVKIT_ENV: 'staging' } },
      { args: ['edit', '--env', 'staging'], env: { EDITOR: EDIT_MEMORY_LIMIT } },
      ['decrypt', '--env', 'staging', '--force'],
      fails(3, 'encrypt', '--env', 'prod', '--from', '.env'),
    ],
    encrypts: true,
  },
  {
    name: 'recipients: a new identity added, able to decrypt, removed, no longer able to',
    steps: [
      (root) => ({ args: ['identity', '--no-keyring'], env: { XDG_CONFIG_HOME: join(root, 'bob') } }),
      (root) => ({ args: ['recipients', 'add', '--env', 'staging', '--name', 'bob', bobKey(root).recipient] }),
      ['recipients', 'list', '--env', 'staging'],
      ['get', '--env', 'staging', 'POSTGRES_DB', '--identity', '../bob/envkit/identity.txt'],
      ['recipients', 'remove', '--env', 'staging', 'bob'],
      fails(3, 'get', '--env', 'staging', 'POSTGRES_DB', '--identity', '../bob/envkit/identity.txt'),
    ],
    random: (_side, root) => Object.values(bobKey(root)),
    varies: /(?<=# created: )\S+/g,
    encrypts: true,
  },
  {
    // More than a pipe holds (bin.ts writes to a pipe itself: src/lazy-io.ts) and several age chunks of 64 kB.
    name: 'a value of 150 kB: printed, encrypted, decrypted',
    setup: (p) => {
      const big = `BIG=${'0123456789abcdef'.repeat(150_000 / 16)}\n`;
      writeFileSync(join(p, 'big.env'), read(p) + big);
      appendFileSync(join(p, '.env'), big);
    },
    steps: [['get', '--allow-unknown', '--reveal', 'BIG'], ['encrypt', '--env', 'staging', '--from', 'big.env'], ['decrypt', '--env', 'staging', '--file', 'big-out.env']],
    encrypts: true,
  },
  // Argv shapes commandOf must route (bin.ts picks a bundle by it), and the static --help/--version text.
  {
    name: 'help and version',
    steps: [['--help'], ['-h'], ['--version'], ['-V'], ['help'], ['help', 'check'], ['check', '--help'], ['get', '-h'], ['run', '--help'], ['guard', 'install', '--help'], ['--quiet', '--help'], fails(2), { args: ['--help'], env: { FORCE_COLOR: '1' } }, { args: ['chekc'], code: 2, env: { FORCE_COLOR: '1' } }],
  },
  {
    name: 'unknown commands and options, global options in odd places',
    steps: [
      fails(2, 'chekc'),
      fails(2, '--bogus', 'check'),
      fails(2, 'check', '--bogus'),
      fails(2, '--cwd'),
      ['--', 'check'],
      ['--no-color', 'check', '--json'],
      ['--project', 'p1', '--identity', 'x.txt', 'get', 'POSTGRES_USER'],
      fails(2, 'set'),
    ],
  },
];

let template = '';
let source: SourceCli;

beforeAll(async () => {
  source = sourceCli();
  // The project every case starts from: the memu example, init-ed once (its password is random), a git
  // repository, with an age identity in its own XDG_CONFIG_HOME and an environment `staging`.
  template = mkdtempSync(join(tmpdir(), 'envkit-bundle-diff-'));
  const project = join(template, 'project');
  mkdirSync(project);
  mkdirSync(join(template, 'tmp'));
  cpSync(COMPOSE, join(project, 'docker-compose.yml'));
  git(project, 'init', '-q');
  const env = environment(template);
  const steps = [
    ['init', '--no-input', '--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', `OPENROUTER_API_KEY=${OPENROUTER_KEY}`],
    ['identity', '--no-keyring'],
    ['recipients', 'add', '--env', 'staging', '--name', 'alice'],
    ['encrypt', '--env', 'staging', '--from', '../staging.env'],
  ];
  for (const args of steps) {
    if (args[0] === 'encrypt') writeFileSync(join(template, 'staging.env'), read(project).replaceAll('memu_db', 'memu_staging'));
    const result = await envkit(project, args, { env });
    if (result.code !== 0) throw new Error(`envkit ${args.join(' ')}: ${result.all}`);
  }
  rmSync(join(template, 'staging.env'));
});

afterAll(() => {
  rmSync(template, { recursive: true, force: true });
  source.remove();
});

/** What every run gets on top of the CLI helpers' clean environment (no D-Bus, so no keyring either side). */
function environment(root: string): NodeJS.ProcessEnv {
  return { XDG_CONFIG_HOME: join(root, 'config'), TMPDIR: join(root, 'tmp') };
}

// The cases run side by side (each in a directory of its own, not testdir()'s, which its afterEach empties).
describe.concurrent('the built CLI behaves as its source', () => {
  it.each(CASES.filter((kase) => HAS_KEYRING || !kase.keyring))(
    '$name',
    async (kase) => {
      // One path for both sides, one after the other: paths (and the keyring project id made from one) match.
      const base = mkdtempSync(join(tmpdir(), 'envkit-bundle-diff-case-'));
      try {
        const root = join(base, 'root');
        const built = await runSide(root, kase, envkit);
        const fromSource = await runSide(root, kase, source.run);
        expect(fromSource).toEqual(built);
        expect(built.results.map((r) => `${r.args} → ${r.code}`)).toEqual(built.results.map((r, i) => `${r.args} → ${built.codes[i]}`));
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
    // Up to 12 runs of each CLI per case, several cases at once on a loaded machine.
    60_000,
  );
});

/** The steps of a case from a fresh copy of the template; `bus` adds the keyring's bus address to their env. */
async function runSteps(root: string, kase: Case, cli: Cli, bus: NodeJS.ProcessEnv): Promise<Side> {
  rmSync(root, { recursive: true, force: true });
  cpSync(template, root, { recursive: true });
  kase.setup?.(join(root, 'project'));
  const side: Side = { results: [], codes: [], files: {} };
  for (const step of kase.steps) {
    const { args, code = 0, cwd = 'project', input, env } = Array.isArray(step) ? { args: step } : typeof step === 'function' ? step(root) : step;
    const result = await cli(join(root, cwd), args, { env: { ...environment(root), ...bus, ...env }, ...(input === undefined ? {} : { input }) });
    side.results.push({ args: args.join(' '), code: result.code, stdout: result.stdout, stderr: result.stderr });
    side.codes.push(code);
  }
  return side;
}

async function runSide(root: string, kase: Case, cli: Cli): Promise<Side> {
  // A case that needs the keyring runs against one of its own, and once more when gnome-keyring died of its
  // own race (withSecretService); a daemon that died any other way fails the case, saying how, instead of
  // leaving a difference in keyring errors to be read as the bundle's.
  const side = kase.keyring
    ? await withSecretService((keyring) => runSteps(root, kase, cli, { DBUS_SESSION_BUS_ADDRESS: keyring.address }))
    : await runSteps(root, kase, cli, {});
  side.files = snapshot(root, kase.encrypts === true);
  const random = [...new Set(kase.random?.(side, root))].filter((value) => value !== '');
  // Each random value as `<random N: L characters>`, N counting the distinct values: equal ones stay equal.
  const masked = (text: string): string =>
    random.reduce(
      (out, value, n) => out.replaceAll(value, `<random ${n + 1}: ${value.length} characters${/^[\w-]+$/.test(value) ? '' : ', not URL-safe'}>`),
      kase.varies ? text.replace(kase.varies, '<varies>') : text,
    );
  return {
    codes: side.codes,
    results: side.results.map((r) => ({ ...r, args: masked(r.args), stdout: masked(r.stdout), stderr: masked(r.stderr) })),
    files: Object.fromEntries(Object.entries(side.files).map(([path, text]) => [path, masked(text)])),
  };
}

function snapshot(root: string, encrypts: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (path.endsWith('/.git') && !relative.includes('.git')) {
        walk(`${path}/hooks`);
        continue;
      }
      const stat = lstatSync(join(root, path));
      const mode = (stat.mode & 0o777).toString(8);
      if (stat.isDirectory()) {
        files[`${path}/`] = mode;
        walk(path);
      } else if (encrypts && path.endsWith('.age')) {
        files[path] = `${mode} ${stat.size} bytes of age`;
      } else {
        files[path] = `${mode} ${readFileSync(join(root, path), 'utf8')}`;
      }
    }
  };
  walk('');
  return files;
}
