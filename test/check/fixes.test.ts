// Every `fix:` that `envkit check` prints as a command ("run `…`") must, run as written in the project
// directory, remove the finding it is attached to. Each finding kind check can produce is either provoked
// here and its fix run, or listed in EDIT_FIXES with why its fix is an edit a command cannot make for the
// user. A new kind that is in neither list fails the last test: it has to be sorted before it ships.
import { describe, it, expect, afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testdir } from '../helpers/testdir.js';
import { requireTool } from '../helpers/require.js';
import { envkit, initProject, runProcess, schemaProject, sh, OPENAI_KEY, ENVKIT_BIN } from '../cli/support.js';
import { HAS_AGE, ageProject, memuEnvText } from '../age/support.js';
import { SECRET_SERVICE_INSTALL, hasSecretService, withSecretService } from '../helpers/secret-service.js';

const hasKeyring = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);
const hasGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');

interface Finding {
  rule: string;
  key?: string;
  severity: string;
  message: string;
  fix?: string;
}

interface Scenario {
  /** What the scenario provokes. */
  rule: string;
  key?: string;
  /** Break the project (an initialised memu project) so that check reports the finding. */
  setup(dir: string): Promise<void> | void;
  /** For a fix that needs the user's value (`KEY=...`): the value a user would give. */
  value?: string;
  /** Extra `check` arguments. */
  args?: string[];
  needsGit?: boolean;
  needsRoot?: boolean;
  /** The project keeps its secrets in a real (private) gnome-keyring, as `envkit init` does by default. */
  keyring?: boolean;
}

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };

/**
 * A printed command as a user runs it with their value: in place of `KEY=...`, or, for a secret's
 * `envkit set KEY --stdin` (which asks on a terminal), piped to it.
 */
function withValue(command: string, value: string | undefined): string {
  if (value !== undefined && command.endsWith(' --stdin') && !command.includes('...')) return `printf %s '${value}' | ${command}`;
  return command.replaceAll('...', value ?? '');
}

async function git(dir: string, script: string): Promise<void> {
  const result = await sh(dir, script, GIT_ENV);
  if (result.code !== 0) throw new Error(`${script}: ${result.all}`);
}

const SCENARIOS: Scenario[] = [
  { rule: 'env.missing', setup: (dir) => rmSync(join(dir, '.env')) },
  { rule: 'env.mode', setup: (dir) => chmodSync(join(dir, '.env'), 0o644) },
  { rule: 'env.owner', needsRoot: true, setup: (dir) => chownSync(join(dir, '.env'), 4321, 4321) },
  { rule: 'env.duplicate', key: 'POSTGRES_DB', setup: (dir) => appendFileSync(join(dir, '.env'), 'POSTGRES_DB=memu_db\n') },
  { rule: 'env.duplicate', key: 'POSTGRES_PASSWORD', setup: (dir) => appendFileSync(join(dir, '.env'), `POSTGRES_PASSWORD=${passwordOf(dir)}\n`) },
  {
    rule: 'env.portable',
    key: 'OPENROUTER_API_KEY',
    value: 'sk-or-v1-fixRouterKeyH5jK8nM2qS6uW9xA3',
    setup: (dir) => replaceLine(dir, 'OPENROUTER_API_KEY', 'OPENROUTER_API_KEY=`sk-or-v1-fixRouterKeyH5jK8nM2qS6uW9xA3`'),
  },
  { rule: 'schema.invalid', key: 'POSTGRES_USER', value: 'memu', setup: (dir) => replaceLine(dir, 'POSTGRES_USER', 'POSTGRES_USER=pg_admin') },
  {
    // The URL's password no longer matches POSTGRES_PASSWORD (the database password: `set` refuses it alone).
    rule: 'schema.invalid',
    key: 'MEMU_DB_URL',
    setup: (dir) => replaceLine(dir, 'MEMU_DB_URL', readLine(dir, 'MEMU_DB_URL').replace(`:${passwordOf(dir)}@`, ':x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0x0@')),
  },
  {
    // A generated secret lost while the URL made from it remains: init will not make a new one, so the fix
    // brings the old one back from the keyring.
    rule: 'schema.invalid',
    key: 'POSTGRES_PASSWORD',
    keyring: true,
    setup: (dir) => replaceLine(dir, 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD='),
  },
  // A derived value that is missing: init computes it from its parts.
  { rule: 'schema.invalid', key: 'MEMU_DB_URL', setup: (dir) => replaceLine(dir, 'MEMU_DB_URL', '') },
  // A generated secret that is missing with the URL made from it, no keyring: init generates both.
  {
    rule: 'schema.invalid',
    key: 'POSTGRES_PASSWORD',
    setup: (dir) => {
      replaceLine(dir, 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD=');
      replaceLine(dir, 'MEMU_DB_URL', 'MEMU_DB_URL=');
    },
  },
  { rule: 'env.default-missing', key: 'MEMU_MEMORY_LIMIT', setup: (dir) => replaceLine(dir, 'MEMU_MEMORY_LIMIT', 'MEMU_MEMORY_LIMIT=') },
  // init wrote memu's Ollama default without asking (no terminal here): confirming it as printed ends the note.
  { rule: 'env.unconfirmed-default', key: 'OLLAMA_API_BASE_URL', setup: () => {} },
  { rule: 'gitignore.rules', setup: (dir) => rmSync(join(dir, '.gitignore')) },
  {
    rule: 'git.tracked',
    needsGit: true,
    setup: (dir) => git(dir, 'git init -q . && git add -f .env .gitignore && git commit -qm init'),
  },
  {
    rule: 'git.not-ignored',
    needsGit: true,
    setup: async (dir) => {
      rmSync(join(dir, '.gitignore'));
      await git(dir, 'git init -q .');
    },
  },
  { rule: 'example.missing', setup: (dir) => rmSync(join(dir, '.env.example')) },
  { rule: 'example.drift', setup: (dir) => writeFileSync(join(dir, '.env.example'), 'OLD_SETTING=\n') },
  {
    rule: 'compose.undefined-var',
    key: 'EXTRA_SETTING',
    value: 'on',
    args: ['--compose', 'compose.yaml'],
    setup: (dir) =>
      writeFileSync(join(dir, 'compose.yaml'), 'services:\n  memu:\n    image: memu\n    environment:\n      EXTRA: ${EXTRA_SETTING}\n      DB: ${MEMU_DB_URL}\n'),
  },
];

/**
 * Kinds whose fix is an edit of a file or of the surroundings, not a command: their fix must not pretend to
 * be one ("run `…`"), which the scenarios above would have to prove.
 */
const EDIT_FIXES: Record<string, string> = {
  'env.syntax': 'a line that does not parse: only the user knows what it meant',
  'env.unknown': 'a note without a fix',
  'rotation.pending': "the rotation protocol's own finding (finish it with the same `envkit rotate`); tested with rotation",
  'online.database': 'a database that is down or refuses the password: the fix depends on which',
  'online.ollama': 'an Ollama that is down',
  'compose.yaml': 'an edit of the compose file',
  'compose.structure': 'an edit of the compose file',
  'compose.invalid-reference': 'an edit of the compose file',
  'compose.unused-var': 'an edit of the compose file or the schema',
  'compose.app-port': 'an edit of the compose file',
  'compose.db-port': 'an edit of the compose file',
  'compose.db-volume': 'an edit of the compose file',
  'compose.env-file': 'a note: the memu example loads .env this way on purpose',
  'compose.secret-on-argv': 'an edit of the compose file (env_file: .env)',
  'env.podman-env-file': 'a value that needs no quotes: only the user can choose it',
  'rotation.pending-untrusted': 'a pending file another user may have planted: only a person can judge it',
  'env.url-credentials': 'its fix (set KEY=<the URL without credentials>) is run as printed in test/cli/check.test.ts',
  'online.compose-host': 'a note: the host resolves only inside the compose network (envkit status reaches it)',
  'compose.env-mount': 'an edit of the compose file',
  'compose.healthcheck': 'an edit of the compose file',
  'compose.literal-secret': 'an edit of the compose file, then a rotation',
  'compose.logging': 'an edit of the compose file',
  'compose.memory': 'an edit of the compose file',
  'compose.restart': 'an edit of the compose file',
  'compose.source-mount': 'an edit of the compose file',
  'compose.podman.healthcheck-cmd': 'an edit of the compose file',
  'compose.podman.healthcheck-systemd': 'the host: systemd',
  'compose.podman.interpolation': 'an edit of the compose file, or an upgrade',
  'compose.podman.log-max-file': 'an edit of the compose file',
  'compose.podman.reboot': 'the host: podman-restart.service',
  'compose.podman.restart': 'an edit of the compose file and the host',
  'compose.podman.service-healthy': 'an upgrade of podman or podman-compose',
  'guard.age-key': 'an identity in the repository: remove the key from the file (or `git rm --cached` an identity file), then a new identity',
};

function readLine(dir: string, key: string): string {
  const line = readFileSync(join(dir, '.env'), 'utf8').split('\n').find((l) => l.startsWith(`${key}=`));
  if (line === undefined) throw new Error(`no ${key} in .env`);
  return line;
}

function passwordOf(dir: string): string {
  return readLine(dir, 'POSTGRES_PASSWORD').slice('POSTGRES_PASSWORD='.length);
}

function replaceLine(dir: string, key: string, line: string): void {
  const path = join(dir, '.env');
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${key}=`));
  lines[at] = line;
  writeFileSync(path, lines.join('\n'));
}

/** A memu project whose env file is `name` (given with -f) and no .env: a fix must name that file to work. */
async function projectWithEnvFile(name: string): Promise<string> {
  const dir = testdir();
  await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
  writeFileSync(join(dir, name), readFileSync(join(dir, '.env'), 'utf8'), { mode: 0o600 });
  rmSync(join(dir, '.env'));
  return dir;
}

/** An `envkit` on the PATH, as a user has it, running the built CLI (kept for the whole file: testdir() is per test). */
function binDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-fixes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  const path = join(dir, 'bin', 'envkit');
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" -- "${ENVKIT_BIN}" "$@"\n`);
  chmodSync(path, 0o755);
  return join(dir, 'bin');
}

async function findings(dir: string, args: string[], globals: string[] = []): Promise<Finding[]> {
  const result = await envkit(dir, [...globals, '--json', 'check', ...args], { env: GIT_ENV });
  const report = JSON.parse(result.stdout) as { findings?: Finding[] };
  if (!report.findings) throw new Error(`check failed: ${result.all}`);
  return report.findings;
}

const matches = (s: { rule: string; key?: string }) => (f: Finding) => f.rule === s.rule && (s.key === undefined || f.key === s.key);

/** The commands a fix prints in backquotes, in order. */
function quotedCommands(fix: string): string[] {
  return [...fix.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((c) => /^(envkit|git|chmod|chown|rm) /.test(c));
}

interface GuardScenario {
  rule: string;
  key?: string;
  /** Stage the leak (in a repository of an initialised memu project whose first commit has .gitignore). */
  setup(dir: string): Promise<void> | void;
  /** The user's edit the fix asks for before its commands, if any. */
  edit?(dir: string): void;
  /** The commands the fix prints for the next commit, in order, each run as printed. */
  run: string[];
}

/** A secret of the schema with a made-up value in the example: not the current one, so the example rule reports it. */
const EXAMPLE_KEY = 'sk-proj-exampleLeakQ2wE4rT6yU8iO0pA1sD3';

const GUARD_SCENARIOS: GuardScenario[] = [
  { rule: 'guard.env-file', setup: (dir) => git(dir, 'git add -f .env'), run: ['git rm --cached -- .env', 'envkit gitignore'] },
  {
    rule: 'guard.secret-value',
    key: 'POSTGRES_PASSWORD',
    setup: (dir) => {
      writeFileSync(join(dir, 'deploy notes.md'), `db password: ${passwordOf(dir)}\n`);
      return git(dir, "git add -- 'deploy notes.md'");
    },
    edit: (dir) => writeFileSync(join(dir, 'deploy notes.md'), 'db password: ${POSTGRES_PASSWORD}\n'),
    run: ["git add -- 'deploy notes.md'"],
  },
  {
    rule: 'guard.example-value',
    key: 'OPENAI_API_KEY',
    setup: (dir) => {
      const path = join(dir, '.env.example');
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^OPENAI_API_KEY=.*$/m, `OPENAI_API_KEY=${EXAMPLE_KEY}`));
      return git(dir, 'git add -- .env.example');
    },
    run: ['envkit example', 'git add -- .env.example'],
  },
];

async function guardFindings(dir: string): Promise<Finding[]> {
  const result = await envkit(dir, ['--json', 'guard', '--no-keyring'], { env: GIT_ENV });
  const report = JSON.parse(result.stdout) as { findings?: Finding[] };
  if (!report.findings) throw new Error(`guard failed: ${result.all}`);
  return report.findings;
}

describe('every fix the guard prints for a staged leak, run as printed, lets the commit through', () => {
  const bin = binDir();
  for (const scenario of GUARD_SCENARIOS) {
    it.runIf(hasGit)(`${scenario.rule}${scenario.key ? ` (${scenario.key})` : ''}`, async () => {
      const dir = testdir();
      await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
      await git(dir, 'git init -q . && git add .gitignore && git commit -qm init');
      await scenario.setup(dir);
      const before = (await guardFindings(dir)).filter(matches(scenario));
      expect(before.length, `guard did not report ${scenario.rule}`).toBe(1);
      const fix = before[0]!.fix ?? '';
      for (const command of scenario.run) expect(fix, `the fix does not say \`${command}\``).toContain(command);
      scenario.edit?.(dir);
      for (const command of scenario.run) {
        await runs(dir, command, { ...GIT_ENV, PATH: `${bin}:${process.env.PATH}` });
      }
      expect(await guardFindings(dir), 'still reported after the fix').toEqual([]);
    });
  }
});

/**
 * Each `envkit rotate` a leak's fix names, run as printed with --dry-run added (it would change the database
 * password): accepted (exit 0). A secret with no generator takes its new value on standard input, as the fix says.
 */
async function expectRotateCommandsWork(dir: string, fix: string, bin: string): Promise<number> {
  const commands = quotedCommands(fix).filter((c) => c.startsWith('envkit rotate '));
  for (const command of commands) {
    const line = command.endsWith(' --stdin') ? `printf %s ${ROTATED_KEY} | ${command} --dry-run` : `${command} --dry-run`;
    const ran = await sh(dir, line, { PATH: `${bin}:${process.env.PATH}` });
    expect(ran.code, `\`${line}\` (from the fix: ${fix}) failed:\n${ran.all}`).toBe(0);
  }
  return commands.length;
}

/** An OpenRouter key a user gives when a fix asks for it. */
const ROUTER_KEY = 'sk-or-v1-fixesRouterKeyT4yU6iO8pA0sD2fG';

/** A new API key from its issuer, for a rotation a fix asks for. */
const ROTATED_KEY = 'sk-proj-rotatedKeyZ9xC7vB5nM3qW1eR2';

describe('the rotation a leak fix names works as printed', () => {
  const bin = binDir();
  it('compose.literal-secret: a given API key is rotated with --stdin, the URL through the password it is made from', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    const url = readLine(dir, 'MEMU_DB_URL').slice('MEMU_DB_URL='.length);
    writeFileSync(join(dir, 'compose.yaml'), `services:\n  db:\n    image: postgres:16\n  memu:\n    image: memu\n    environment:\n      OPENAI_API_KEY: ${OPENAI_KEY}\n      DATABASE_URL: ${url}\n`);
    const found = (await findings(dir, ['--compose', 'compose.yaml'])).filter((f) => f.rule === 'compose.literal-secret' && f.message.startsWith('the value of '));
    expect(found.map((f) => f.key).sort()).toEqual(['MEMU_DB_URL', 'OPENAI_API_KEY', 'POSTGRES_PASSWORD']);
    for (const finding of found) expect(await expectRotateCommandsWork(dir, finding.fix ?? '', bin), finding.fix).toBe(1);
  });

  it.runIf(hasGit)('git.tracked: each secret the committed .env holds, as the schema rotates it', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    // The deployment's compose file: where the database password is applied (without one rotate asks how).
    writeFileSync(join(dir, 'docker-compose.yml'), readFileSync(fileURLToPath(new URL('../../examples/memu/docker-compose.yml', import.meta.url)), 'utf8'));
    await git(dir, 'git init -q . && git add -f .env && git commit -qm init');
    const [found] = (await findings(dir, ['--no-compose'])).filter((f) => f.rule === 'git.tracked');
    // It named `envkit rotate POSTGRES_PASSWORD` whatever the file held, and not the API key it did hold.
    expect(await expectRotateCommandsWork(dir, found?.fix ?? '', bin), found?.fix).toBe(2);
  });

  it.runIf(hasGit)('guard.example-value: a given API key is rotated with --stdin', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    await git(dir, 'git init -q . && git add .gitignore && git commit -qm init');
    await GUARD_SCENARIOS.find((s) => s.rule === 'guard.example-value')!.setup(dir);
    const [finding] = (await guardFindings(dir)).filter((f) => f.rule === 'guard.example-value');
    expect(await expectRotateCommandsWork(dir, finding?.fix ?? '', bin), finding?.fix).toBe(1);
  });
});

interface SurroundingScenario {
  rule: string;
  /** Break the project's surroundings (the project is in a directory whose name has a space). */
  setup(dir: string): void;
  /** The command in the fix (the rest of it is advice: check who wrote it…). */
  command: RegExp;
}

/** A file every user may write to (the umask would take the bits away from writeFileSync's mode). */
function plantOpen(path: string): void {
  writeFileSync(path, '{}\n');
  chmodSync(path, 0o622);
}

const SURROUNDING_SCENARIOS: SurroundingScenario[] = [
  { rule: 'project.dir-writable', setup: (dir) => chmodSync(dir, 0o777), command: /^(chmod o-w .+)$/ },
  {
    rule: 'rotation.pending-untrusted',
    setup: (dir) => plantOpen(join(dir, '.env.envkit-pending')),
    command: /\((rm .+)\) and rotate again$/,
  },
  {
    rule: 'lock.untrusted',
    setup: (dir) => plantOpen(join(dir, '.env.envkit-lock')),
    command: /remove it: (rm .+)$/,
  },
];

describe('the fixes for what surrounds the project work as printed, in a directory whose name has a space', () => {
  for (const scenario of SURROUNDING_SCENARIOS) {
    it(scenario.rule, async () => {
      const dir = join(testdir(), 'my project');
      mkdirSync(dir);
      await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
      scenario.setup(dir);
      const before = (await findings(dir, ['--no-compose', '--no-git'])).filter(matches(scenario));
      expect(before.length, `check did not report ${scenario.rule}`).toBe(1);
      const match = scenario.command.exec(before[0]!.fix ?? '');
      expect(match, `no command in the fix: ${before[0]!.fix}`).not.toBeNull();
      const command = match![1]!;
      await runs(dir, command);
      expect((await findings(dir, ['--no-compose', '--no-git'])).filter(matches(scenario)), 'still reported after the fix').toEqual([]);
    });
  }
});

interface EnvironmentScenario {
  rule: string;
  key?: string;
  /** The environment's text, from a valid one. */
  text(valid: string): string;
  /** Break what surrounds the environment (its recipients, a plaintext copy). */
  setup?(dir: string): void;
  /** The command in a fix that is not worded "run `…`". */
  command?: RegExp;
  /** For a fix that needs the user's value (`KEY=...`): the value a user would give. */
  value?: string;
  /** For a fix that opens the environment in the editor: the line the user adds there. */
  adds?: string;
}

const ENVIRONMENT_SCENARIOS: EnvironmentScenario[] = [
  // The fix is the command itself: add yourself (your identity decrypts it).
  { rule: 'age.recipients', text: (t) => t, setup: (dir) => writeFileSync(join(dir, '.env.production.recipients'), ''), command: /^(envkit recipients add --env production)$/ },
  { rule: 'age.plaintext', text: (t) => t, setup: (dir) => writeFileSync(join(dir, '.env.production'), memuEnvText(), { mode: 0o600 }), command: /\((rm [^)]+)\)/ },
  { rule: 'schema.invalid', key: 'OPENAI_API_KEY', value: OPENAI_KEY, text: (t) => t.replace(/^OPENAI_API_KEY=.*$/m, 'OPENAI_API_KEY=not-a-key') },
  { rule: 'env.duplicate', key: 'MEMU_MEMORY_LIMIT', text: (t) => `${t}MEMU_MEMORY_LIMIT=3g\n` },
  {
    rule: 'env.default-missing',
    key: 'OPENROUTER_BASE_URL',
    adds: 'OPENROUTER_BASE_URL=https://openrouter.ai/api/v1',
    text: (t) => t.replace(/^OPENROUTER_BASE_URL=.*\n/m, ''),
  },
  {
    // A generated secret that is missing (and the URL made from it): init would generate it, in .env only.
    rule: 'schema.invalid',
    key: 'POSTGRES_PASSWORD',
    adds: 'POSTGRES_PASSWORD=Vq3_kT9-xLm2Pn8_Rs5-Wd7_Yf4-Hj6Z',
    text: (t) => t.replace(/^(POSTGRES_PASSWORD|MEMU_DB_URL)=.*\n/gm, ''),
  },
];

describe('check --env: every fix it prints as a command works on the environment, not on .env', () => {
  const bin = binDir();
  for (const scenario of ENVIRONMENT_SCENARIOS) {
    it.runIf(HAS_AGE)(`${scenario.rule}${scenario.key ? ` (${scenario.key})` : ''}`, async () => {
      const p = await ageProject(scenario.text(memuEnvText()));
      scenario.setup?.(p.dir);
      const check = async () => {
        const result = await p.run(['--json', 'check', '--env', 'production']);
        const report = JSON.parse(result.stdout) as { findings?: Finding[] };
        if (!report.findings) throw new Error(`check failed: ${result.all}`);
        return report.findings.filter(matches(scenario));
      };
      const before = await check();
      expect(before.length, `check --env did not report ${scenario.rule}`).toBeGreaterThan(0);
      // The user's edit, made by the editor the fix opens.
      const editor = join(testdir(), 'add-line');
      writeFileSync(editor, `#!/bin/sh\nprintf '%s\\n' "$ENVKIT_TEST_ADD" >> "$1"\n`, { mode: 0o755 });
      for (const finding of before) {
        const command = (scenario.command ?? /run `([^`]+)`/).exec(finding.fix ?? '')?.[1];
        expect(command, `the fix of ${finding.rule} is not a command: ${finding.fix}`).toBeDefined();
        const line = withValue(command as string, scenario.value);
        expect(line.includes('...') || (command !== line && scenario.value === undefined)).toBe(false);
        await runs(p.dir, line, { ...p.env, PATH: `${bin}:${process.env.PATH}`, EDITOR: editor, ENVKIT_TEST_ADD: scenario.adds ?? '' });
      }
      expect(await check(), 'still reported after the fix').toEqual([]);
      expect(existsSync(join(p.dir, '.env')), 'the fix wrote .env instead of the environment').toBe(false);
    });
  }

  it.runIf(HAS_AGE)('set --env refusing an invalid value: the fix it prints sets it in the environment', async () => {
    const p = await ageProject(memuEnvText());
    const refused = await p.run(['set', '--env', 'production', 'OPENAI_API_KEY=not-a-key']);
    expect(refused.code, refused.all).toBe(1);
    const command = printed(refused.stderr, /run `([^`]+)`/);
    await runs(p.dir, withValue(command, OPENAI_KEY), { ...p.env, PATH: `${bin}:${process.env.PATH}` });
    const got = await p.run(['get', '--env', 'production', 'OPENAI_API_KEY', '--reveal']);
    expect(got.stdout.trim()).toBe(OPENAI_KEY);
    expect(existsSync(join(p.dir, '.env')), 'the fix wrote .env instead of the environment').toBe(false);
  });
});

describe('the keyring fix for a shell without a session bus works as printed', () => {
  const bin = binDir();
  it.runIf(hasKeyring && spawnSync('dbus-run-session', ['--version']).status === 0)('dbus-run-session, then gnome-keyring-daemon with the password typed: the keyring is reachable', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    // A login without a desktop: no bus, a home and runtime directory of its own (gnome-keyring keeps its files there).
    const home = testdir();
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: home, XDG_RUNTIME_DIR: home, SHELL: '/bin/sh', LANG: 'C.UTF-8' };
    const before = await runProcess('/bin/sh', ['-c', 'envkit keyring status'], { cwd: dir, env });
    expect(before.code, before.all).toBe(3);
    const [session, daemon] = [...before.stdout.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    expect(session).toBe('dbus-run-session -- $SHELL');
    expect(daemon).toMatch(/^gnome-keyring-daemon /);
    // The new shell reads what the user types: the daemon line with the keyring password (typed, then Ctrl-D), then envkit.
    const typed = `printf %s 'a keyring password' | ${daemon} >/dev/null\nenvkit keyring status\n`;
    const after = await runProcess('/bin/sh', ['-c', session!], { cwd: dir, env, input: typed, timeoutMs: 30_000 });
    expect(after.code, after.all).toBe(0);
    expect(after.stdout).toMatch(/reachable +yes/);
  });
});

describe('the fix of a refused command works as printed', () => {
  const bin = binDir();
  it.runIf(HAS_AGE)('decrypt over an env file of another name (-f) that differs: diff compares that file, decrypt --force replaces it', async () => {
    const p = await ageProject(memuEnvText());
    writeFileSync(join(p.dir, 'prod.env'), 'MEMU_MEMORY_LIMIT=3g\n', { mode: 0o600 });
    const refused = await p.run(['-f', 'prod.env', 'decrypt', '--env', 'production']);
    expect(refused.code, refused.all).toBe(1);
    const [diff, decrypt] = [...(/fix: (.+)$/m.exec(refused.stderr)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const env = { ...p.env, PATH: `${bin}:${process.env.PATH}` };
    const compared = await sh(p.dir, diff!, env);
    // 1: they differ, as they do; not 2 or 3 (another file, or none).
    expect(compared.code, `\`${diff}\`:\n${compared.all}`).toBe(1);
    expect(compared.stdout).toMatch(/MEMU_MEMORY_LIMIT/);
    const replaced = await sh(p.dir, decrypt!, env);
    expect(replaced.code, `\`${decrypt}\` failed:\n${replaced.all}`).toBe(0);
    expect(readFileSync(join(p.dir, 'prod.env'), 'utf8')).toBe(memuEnvText());
    expect(existsSync(join(p.dir, '.env')), 'the fix wrote .env, not prod.env').toBe(false);
  });

  it('rotate -f FILE of a value that is no secret: the set it prints changes that file', async () => {
    const dir = await projectWithEnvFile('prod.env');
    const refused = await envkit(dir, ['-f', 'prod.env', 'rotate', 'MEMU_MEMORY_LIMIT']);
    expect(refused.code, refused.all).toBe(2);
    const command = printed(refused.stderr, /fix: .*?`([^`]+)`/m);
    await runs(dir, command.replaceAll('...', '3g'), { PATH: `${bin}:${process.env.PATH}` });
    expect(readFileSync(join(dir, 'prod.env'), 'utf8')).toMatch(/^MEMU_MEMORY_LIMIT=3g$/m);
    expect(existsSync(join(dir, '.env')), 'the fix wrote .env, not prod.env').toBe(false);
  });

  it.runIf(HAS_AGE)('rotate --env of a key without a generator: the command it prints, given the value on a pipe, rotates it in the environment', async () => {
    const p = await ageProject(memuEnvText());
    const refused = await p.run(['rotate', 'OPENAI_API_KEY', '--env', 'production']);
    expect(refused.code, refused.all).toBe(2);
    const command = printed(refused.stderr, /fix: `([^`]+)` asks for it \(the input hidden\), or reads it from a pipe$/m);
    await runs(p.dir, `printf %s "$NEW" | ${command}`, { ...p.env, PATH: `${bin}:${process.env.PATH}`, NEW: ROTATED_KEY });
    expect((await p.run(['get', '--env', 'production', 'OPENAI_API_KEY', '--reveal'])).stdout.trim()).toBe(ROTATED_KEY);
    expect(existsSync(join(p.dir, '.env')), 'the fix wrote .env instead of the environment').toBe(false);
  });

  it('an env file in Latin-1, in a directory whose name has a space: the conversion it prints leaves a UTF-8 file, still 0600', async () => {
    const dir = join(testdir(), 'my project');
    mkdirSync(dir);
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    appendFileSync(join(dir, '.env'), Buffer.from('# caf\xe9\n', 'latin1'));
    const refused = await envkit(dir, ['check', '--no-compose', '--no-git']);
    expect(refused.code, refused.all).toBe(3);
    const command = printed(refused.stderr, /fix: .*?e\.g\. (.+)$/m);
    await runs(dir, command);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^# café$/m);
    expect(statSync(join(dir, '.env')).mode & 0o777, 'the converted file lets others read its secrets').toBe(0o600);
    const checked = await envkit(dir, ['check', '--no-compose', '--no-git']);
    expect(checked.code, checked.all).toBe(0);
  });

  it('a pending rotation others may write, in a directory whose name has a space: the chown/chmod it prints makes it trusted', async () => {
    const dir = join(testdir(), 'my project');
    mkdirSync(dir);
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    plantOpen(join(dir, '.env.envkit-pending'));
    const refused = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(refused.code, refused.all).toBe(3);
    const command = printed(refused.stderr, /if it is yours, `([^`]+)`/);
    await runs(dir, command);
    expect(statSync(join(dir, '.env.envkit-pending')).mode & 0o777).toBe(0o600);
    expect((await findings(dir, ['--no-compose', '--no-git'])).map((f) => f.rule)).not.toContain('rotation.pending-untrusted');
  });

  it('get -f FILE of a key without a value: the set it prints sets it in that file', async () => {
    const dir = await projectWithEnvFile('prod.env');
    const missing = await envkit(dir, ['-f', 'prod.env', 'get', 'OPENROUTER_API_KEY']);
    expect(missing.code, missing.all).toBe(1);
    const command = printed(missing.stderr, /fix: .*?`([^`]+)`/m);
    await runs(dir, withValue(command, ROUTER_KEY), { PATH: `${bin}:${process.env.PATH}` });
    expect((await envkit(dir, ['-f', 'prod.env', 'get', 'OPENROUTER_API_KEY', '--reveal'])).stdout.trim()).toBe(ROUTER_KEY);
    expect(existsSync(join(dir, '.env')), 'the fix wrote .env, not prod.env').toBe(false);
  });

  it("a secret's value fix (check's placeholder, get's missing value) gives it on stdin, never as KEY=VALUE on the command line", async () => {
    // README: a placeholder appended to .env. A secret typed as KEY=VALUE stays in the shell's history and shows in ps.
    const dir = testdir();
    await initProject(dir, ['--no-keyring']);
    appendFileSync(join(dir, '.env'), 'OPENAI_API_KEY=sk-your-actual-key-here\n');
    const placeholder = (await findings(dir, ['--no-compose', '--no-git'])).find((f) => f.rule === 'schema.invalid' && f.key === 'OPENAI_API_KEY');
    expect(placeholder?.message, JSON.stringify(placeholder)).toMatch(/known placeholder/);
    expect(placeholder?.fix).toBe('run `envkit set OPENAI_API_KEY --stdin` (it asks, the input hidden)');
    const missing = await envkit(dir, ['get', 'OPENROUTER_API_KEY']);
    expect(missing.stderr).toContain('fix: set it with `envkit set OPENROUTER_API_KEY --stdin` (it asks, the input hidden)');
    for (const [fix, value] of [[placeholder!.fix!, OPENAI_KEY], [missing.stderr, ROUTER_KEY]] as const) {
      const command = /`([^`]+)`/.exec(fix)![1]!;
      await runs(dir, withValue(command, value), { PATH: `${bin}:${process.env.PATH}` });
    }
    expect((await envkit(dir, ['get', 'OPENROUTER_API_KEY', '--reveal'])).stdout.trim()).toBe(ROUTER_KEY);
    expect((await findings(dir, ['--no-compose', '--no-git'])).filter((f) => f.key === 'OPENAI_API_KEY')).toEqual([]);
  });

  it('set --stdin given KEY=VALUE: the pipe it prints sets that key', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    const refused = await envkit(dir, ['set', '--stdin', 'MEMU_MEMORY_LIMIT=3g']);
    expect(refused.code, refused.all).toBe(2);
    const command = printed(refused.stderr, /fix: (.+)$/m);
    await runs(dir, command, { PATH: `${bin}:${process.env.PATH}`, VALUE: '3g' });
    expect(readLine(dir, 'MEMU_MEMORY_LIMIT')).toBe('MEMU_MEMORY_LIMIT=3g');
  });
});

describe('check -f FILE: every fix it prints as a command works on that file, not on .env', () => {
  const bin = binDir();
  const scenarios: { rule: string; key: string; value?: string; text(t: string): string }[] = [
    { rule: 'schema.invalid', key: 'OPENAI_API_KEY', value: OPENAI_KEY, text: (t) => t.replace(/^OPENAI_API_KEY=.*$/m, 'OPENAI_API_KEY=not-a-key') },
    { rule: 'env.duplicate', key: 'MEMU_MEMORY_LIMIT', text: (t) => `${t}MEMU_MEMORY_LIMIT=3g\n` },
    { rule: 'env.default-missing', key: 'OPENROUTER_BASE_URL', text: (t) => t.replace(/^OPENROUTER_BASE_URL=.*\n/m, '') },
  ];
  for (const scenario of scenarios) {
    it(`${scenario.rule} (${scenario.key})`, async () => {
      const dir = testdir();
      await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
      writeFileSync(join(dir, 'prod.env'), scenario.text(readFileSync(join(dir, '.env'), 'utf8')), { mode: 0o600 });
      rmSync(join(dir, '.env'));
      const check = async () => (await findings(dir, ['--no-compose', '--no-git'], ['-f', 'prod.env'])).filter(matches(scenario));
      const before = await check();
      expect(before.length, `check did not report ${scenario.rule}`).toBeGreaterThan(0);
      for (const finding of before) {
        const command = /run `([^`]+)`/.exec(finding.fix ?? '')?.[1];
        expect(command, `the fix of ${finding.rule} is not a command: ${finding.fix}`).toBeDefined();
        const line = withValue(command as string, scenario.value);
        await runs(dir, line, { PATH: `${bin}:${process.env.PATH}` });
      }
      expect(await check(), 'still reported after the fix').toEqual([]);
      expect(existsSync(join(dir, '.env')), 'the fix wrote .env instead of prod.env').toBe(false);
    });
  }
});

describe('check --schema MODULE: the fixes it prints use that schema', () => {
  const bin = binDir();
  it('an invalid value of a variable only that schema has: the printed set fixes it', async () => {
    const dir = schemaProject();
    writeFileSync(
      join(dir, 'env-schema.mjs'),
      "import { z } from 'zod';\nimport { defineSchema, variable } from 'envkit';\n" +
        "export const schema = defineSchema('fixes', { WORKERS: variable(z.coerce.number().int().min(1), { description: 'worker processes', default: '2' }) });\n",
    );
    const init = await envkit(dir, ['--schema', 'env-schema.mjs', 'init', '--no-input', '--no-keyring']);
    expect(init.code, init.all).toBe(0);
    replaceLine(dir, 'WORKERS', 'WORKERS=many');
    const check = async () => (await findings(dir, ['--no-compose', '--no-git'], ['--schema', 'env-schema.mjs'])).filter((f) => f.key === 'WORKERS');
    const [finding] = await check();
    const command = /run `([^`]+)`/.exec(finding?.fix ?? '')?.[1];
    expect(command, finding?.fix).toBeDefined();
    await runs(dir, command!.replaceAll('...', '4'), { PATH: `${bin}:${process.env.PATH}` });
    expect(await check(), 'still reported after the fix').toEqual([]);
  });

  it.runIf(HAS_AGE)('an environment missing a variable only that schema has: the printed schema and edit commands use that schema', async () => {
    const dir = schemaProject();
    writeFileSync(
      join(dir, 'env-schema.mjs'),
      "import { z } from 'zod';\nimport { defineSchema, variable } from 'envkit';\n" +
        "export const schema = defineSchema('fixes', { APP_NAME: variable(z.string().min(1), { description: 'name' }), WORKERS: variable(z.coerce.number().int().min(1), { description: 'worker processes', default: '2' }) });\n",
    );
    const env = { XDG_CONFIG_HOME: testdir() };
    const source = join(testdir(), 'source.env');
    writeFileSync(source, 'APP_NAME=app\n');
    for (const args of [['identity', '--no-keyring'], ['recipients', 'add', '--env', 'prod'], ['--schema', 'env-schema.mjs', 'encrypt', '--env', 'prod', '--from', source]]) {
      const made = await envkit(dir, args, { env });
      expect(made.code, made.all).toBe(0);
    }
    const check = async () => {
      const result = await envkit(dir, ['--schema', 'env-schema.mjs', '--json', 'check', '--env', 'prod', '--no-compose', '--no-git'], { env });
      return ((JSON.parse(result.stdout) as { findings: Finding[] }).findings ?? []).filter((f) => f.key === 'WORKERS');
    };
    const [finding] = await check();
    const edit = /run `(envkit edit[^`]*)`/.exec(finding?.fix ?? '')?.[1];
    const schema = /`(envkit schema[^`]*)` shows it/.exec(finding?.fix ?? '')?.[1];
    expect([edit, schema], finding?.fix).toEqual([expect.any(String), expect.any(String)]);
    // Under the memu schema, `envkit schema` does not list WORKERS and the edit is refused (POSTGRES_PASSWORD… not set).
    const listed = await sh(dir, schema!, { ...env, PATH: `${bin}:${process.env.PATH}` });
    expect(listed.stdout, listed.all).toMatch(/^ *WORKERS /m);
    const editor = join(testdir(), 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\necho WORKERS=2 >> "$1"\n', { mode: 0o755 });
    await runs(dir, edit!, { ...env, EDITOR: editor, PATH: `${bin}:${process.env.PATH}` });
    expect(await check(), 'still reported after the fix').toEqual([]);
  });
});

/** The command `pattern` finds in `text` (its first group); the test fails, showing the text, when there is none. */
function printed(text: string, pattern: RegExp): string {
  const command = pattern.exec(text)?.[1];
  expect(command, text).toBeDefined();
  return command as string;
}

/** Runs `line` through the shell in `dir`; the test fails, with what it printed, unless it exits 0. */
async function runs(dir: string, line: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const ran = await sh(dir, line, env);
  expect(ran.code, `\`${line}\` failed:\n${ran.all}`).toBe(0);
}

describe('every fix check prints as a command removes its finding', () => {
  const bin = binDir();
  for (const scenario of SCENARIOS) {
    const possible = (!scenario.needsGit || hasGit) && (!scenario.needsRoot || process.getuid?.() === 0) && (!scenario.keyring || hasKeyring);
    // A scenario that needs the keyring gets one of its own (withSecretService: once more if gnome-keyring died
    // of its own race).
    const body = async (env: NodeJS.ProcessEnv): Promise<void> => {
      const dir = testdir();
      await initProject(dir, [...(scenario.keyring ? [] : ['--no-keyring']), '--set', `OPENAI_API_KEY=${OPENAI_KEY}`], env);
      const args = scenario.args ?? ['--no-compose'];
      await scenario.setup(dir);
      const before = (await findings(dir, args)).filter(matches(scenario));
      expect(before.length, `check did not report ${scenario.rule}`).toBeGreaterThan(0);
      for (const finding of before) {
        const command = /run `([^`]+)`/.exec(finding.fix ?? '')?.[1];
        expect(command, `the fix of ${finding.rule} is not a command: ${finding.fix}`).toBeDefined();
        // A placeholder for the user's own value is the one thing not run as written.
        const line = withValue(command as string, scenario.value);
        expect(line.includes('...') || (command !== line && scenario.value === undefined)).toBe(false);
        await runs(dir, line, { ...env, PATH: `${bin}:${process.env.PATH}` });
      }
      const after = (await findings(dir, args)).filter(matches(scenario));
      expect(after, `still reported after the fix`).toEqual([]);
    };
    it.runIf(possible)(`${scenario.rule}${scenario.key ? ` (${scenario.key})` : ''}`, () =>
      scenario.keyring ? withSecretService((keyring) => body({ ...GIT_ENV, DBUS_SESSION_BUS_ADDRESS: keyring.address })) : body(GIT_ENV),
    );
  }

  it.runIf(hasGit)('a tracked env file whose name has a space (-f): the printed git rm --cached untracks it', async () => {
    const dir = await projectWithEnvFile('prod env');
    await git(dir, "git init -q . && git add -f 'prod env' .gitignore && git commit -qm init");
    const tracked = async () => (await findings(dir, ['--no-compose'], ['-f', 'prod env'])).filter((f) => f.rule === 'git.tracked');
    const [finding] = await tracked();
    const command = /^run `([^`]+)`/.exec(finding?.fix ?? '')?.[1];
    expect(command, finding?.fix).toBeDefined();
    await runs(dir, command!, GIT_ENV);
    expect(await tracked(), 'still reported after the fix').toEqual([]);
  });

  it.runIf(hasGit)('a tracked .env that .gitignore already covers gets only `git rm --cached`, not `envkit gitignore`', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring']);
    await git(dir, 'git init -q . && git add -f .env .gitignore && git commit -qm init');
    const found = await findings(dir, ['--no-compose']);
    expect(found.map((f) => f.rule)).toContain('git.tracked');
    expect(found.map((f) => f.rule)).not.toContain('git.not-ignored');
    expect(found.find((f) => f.rule === 'git.tracked')?.fix).toMatch(/^run `git rm --cached \.env`/);
  });

  it('-C a directory that does not exist says so (exit 3), not "git is not installed"', async () => {
    const dir = testdir();
    const result = await envkit(dir, ['-C', join(dir, 'nonexistent'), 'check']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the project directory ${join(dir, 'nonexistent')} does not exist`);
    expect(result.all).not.toContain('git is not installed');
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const notDir = await envkit(dir, ['-C', file, 'set', 'POSTGRES_DB=x']);
    expect(notDir.code).toBe(3);
    expect(notDir.stderr).toContain('is not a directory');
  });

  it('env_file: .env passes the variables of .env to the container: no "never references" note for them', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  memu:\n    image: memu\n    env_file: .env\n');
    const found = await findings(dir, ['--compose', 'compose.yaml']);
    expect(found.filter((f) => f.rule === 'compose.unused-var')).toEqual([]);
    // Loading the whole file is still a warning of its own.
    expect(found.map((f) => f.rule)).toContain('compose.env-file');
  });

  it('every finding kind in the source is provoked above or listed as an edit', () => {
    const src = fileURLToPath(new URL('../../packages/envkit/src/', import.meta.url));
    const rules = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/'((?:env|git|gitignore|example|schema|rotation|compose|online|project|lock|age|guard)\.[a-z][a-z.-]*)'/g)) {
            // File names look alike (compose.yaml, env.schema.json): those count only where they are a rule.
            if (!/\.(yml|yaml|json)$/.test(m[1]!) || m.input.includes(`rule: '${m[1]}'`)) rules.add(m[1]!);
          }
        }
      }
    };
    walk(src);
    const sorted = new Set([...[SCENARIOS, SURROUNDING_SCENARIOS, GUARD_SCENARIOS, ENVIRONMENT_SCENARIOS].flatMap((list) => list.map((s) => s.rule)), ...Object.keys(EDIT_FIXES)]);
    expect([...rules].filter((rule) => !sorted.has(rule))).toEqual([]);
    expect(rules.size).toBeGreaterThan(30);
  });
});

describe('with -C the fixes say which directory they are for, and work there', () => {
  it('check, an error and init from the parent directory', async () => {
    const parent = testdir();
    const dir = join(parent, 'deploy');
    mkdirSync(dir);
    const init = await envkit(parent, ['init', '-C', 'deploy', '--no-input', '--no-keyring']);
    expect(init.code, init.all).toBe(0);
    expect(init.stdout).toContain('— add each with `envkit set KEY --stdin` (it asks, the input hidden) in deploy/ when you have them.');
    expect(init.stdout).toContain('Next in deploy/: envkit check');
    chmodSync(join(dir, '.env'), 0o644);
    const check = await envkit(parent, ['-C', 'deploy', 'check', '--no-compose', '--no-git']);
    // Run in the parent, `chmod 600 .env` changes another file, or none.
    const fix = /fix \(in deploy\/\): run `(chmod 600 \.env)`/.exec(check.stdout);
    expect(fix, check.stdout).not.toBeNull();
    const ran = await sh(dir, fix![1]!);
    expect(ran.code, ran.all).toBe(0);
    expect((await findings(parent, ['--no-compose', '--no-git'], ['-C', 'deploy'])).filter((f) => f.rule === 'env.mode')).toEqual([]);
    const refused = await envkit(parent, ['-C', 'deploy', 'get', 'POSTGRES_PASSWORD']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('  fix (in deploy/): `envkit get POSTGRES_PASSWORD --reveal` prints it in clear');
    // Where -C names no directory, there is none to be in.
    const missing = await envkit(parent, ['-C', 'nowhere', 'check']);
    expect(missing.stderr).toMatch(/^ {2}fix: /m);
  });
});
