// The packages as a newcomer gets them, end to end: a fresh copy of the repository installed with pnpm
// (node_modules/.bin/envkit linked, no "Failed to create bin"), and the `pnpm pack` tarballs of both packages
// installed with plain npm into empty directories, where `npx envkit` runs and `envkit` and its subpaths
// import; the library alone, without its optional peers, loads and says what to install when one is needed.
//
// Slow (two pnpm runs, two npm installs): npm fetches the packages' dependencies from the registry once into
// a cache kept in the temp directory (envkit-packaging-npm-cache), later runs reuse it.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from './helpers/require.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npmCache = join(tmpdir(), 'envkit-packaging-npm-cache');
const hasGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');
const hasNpm = requireTool('npm', spawnSync('npm', ['--version']).status === 0, 'install Node.js with npm');

/**
 * This environment as a newcomer's shell has it: without what a pnpm or npm parent passes down (npm_config_*,
 * NODE_PATH into the workspace's .pnpm, node_modules/.bin directories on PATH), vitest's or envkit's settings;
 * else the workspace's own packages would be found in place of the installed ones.
 */
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|ENVKIT_|VITEST|NODE_PATH$|NODE_OPTIONS$|NODE_ENV$)/i.test(k))),
  PATH: (process.env.PATH ?? '').split(':').filter((d) => !/[\\/]node_modules[\\/]/.test(d)).join(':'),
  npm_config_cache: npmCache,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  NO_COLOR: '1',
};

function run(cwd: string, command: string, args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return result;
}

function ok(cwd: string, command: string, args: string[]): SpawnSyncReturns<string> {
  const result = run(cwd, command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status} in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

const pnpm = (cwd: string, ...args: string[]) => run(cwd, 'npx', ['-y', 'pnpm@10', ...args]);

/** The library's entry points besides the root (package.json "exports"). */
const SUBPATHS = ['project', 'rotate', 'keyring', 'compose', 'memu', 'age'];

/** The files of a tarball, without the `package/` prefix. */
function tarList(tgz: string): string[] {
  return ok(dirname(tgz), 'tar', ['-tzf', tgz]).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
}

function packedManifest(tgz: string): Record<string, any> {
  return JSON.parse(ok(dirname(tgz), 'tar', ['-xzOf', tgz, 'package/package.json']).stdout);
}

/** An empty npm project (ES modules) with `tarballs` installed by npm. */
function npmProject(work: string, name: string, tarballs: string[]): { dir: string; install: SpawnSyncReturns<string> } {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' })}\n`);
  const install = ok(dir, 'npm', ['install', '--prefer-offline', '--no-package-lock', ...tarballs]);
  return { dir, install };
}

/** A script that imports the root and every subpath and prints each one's export names. */
const importAll = `const names = {};
for (const entry of ['envkit', ${SUBPATHS.map((s) => `'envkit/${s}'`).join(', ')}]) names[entry] = Object.keys(await import(entry));
process.stdout.write(JSON.stringify(names));`;

describe.runIf(hasGit && hasNpm)('packaging', () => {
  let work: string;
  let clone: string;
  let cloneInstall: SpawnSyncReturns<string>;
  const tgz = { library: '', cli: '' };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'envkit-packaging-'));
    // A fresh clone of this tree: what git would hold if it were committed now (tracked and new, unignored files).
    clone = join(work, 'clone');
    const files = ok(root, 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).stdout.split('\0').filter(Boolean);
    for (const file of files) if (existsSync(join(root, file))) cpSync(join(root, file), join(clone, file), { recursive: true });
    cloneInstall = pnpm(clone, 'install', '--frozen-lockfile');
    if (cloneInstall.status !== 0) throw new Error(`pnpm install --frozen-lockfile failed:\n${cloneInstall.stdout}\n${cloneInstall.stderr}`);
    const packs = join(work, 'packs');
    for (const [key, dir] of [['library', 'packages/envkit'], ['cli', 'packages/cli']] as const) {
      const before = new Set(existsSync(packs) ? readdirSync(packs) : []);
      const packed = pnpm(join(clone, dir), 'pack', '--pack-destination', packs);
      if (packed.status !== 0) throw new Error(`pnpm pack in ${dir} failed:\n${packed.stderr}`);
      const made = readdirSync(packs).filter((f) => !before.has(f));
      expect(made).toHaveLength(1);
      tgz[key] = join(packs, made[0]!);
    }
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a fresh clone: pnpm install --frozen-lockfile links node_modules/.bin/envkit, which runs', () => {
    const output = cloneInstall.stdout + cloneInstall.stderr;
    expect(output).not.toMatch(/Failed to create bin/);
    const bin = join(clone, 'node_modules/.bin/envkit');
    expect(existsSync(bin)).toBe(true);
    const help = run(clone, bin, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: envkit /);
  });

  it('the packed manifests: no workspace: ranges, no bundled package as a runtime dependency, one zod range, README and LICENSE', () => {
    const library = packedManifest(tgz.library);
    const cli = packedManifest(tgz.cli);
    expect(JSON.stringify(library)).not.toMatch(/workspace:/);
    expect(JSON.stringify(cli)).not.toMatch(/workspace:/);
    // The CLI bundles the library, commander, zod and node-postgres into dist/; at run time it loads only
    // the native keyring module and jiti (for a --schema module in TypeScript).
    expect(Object.keys(cli.dependencies).sort()).toEqual(['@napi-rs/keyring', 'jiti']);
    expect(cli.peerDependencies).toBeUndefined();
    expect(cli.devDependencies.zod).toBe(library.peerDependencies.zod);
    expect(Object.keys(library.dependencies)).toEqual(['@scure/base', 'ignore', 'shell-quote']);
    expect(library.peerDependenciesMeta).toEqual({
      '@napi-rs/keyring': { optional: true },
      'age-encryption': { optional: true },
      'js-yaml': { optional: true },
      pg: { optional: true },
    });
    // The CLI bundles what the library loads lazily: its build has the same ranges.
    for (const peer of ['age-encryption', 'js-yaml', 'pg']) expect(cli.devDependencies[peer], peer).toBe(library.peerDependencies[peer]);
    // Every entry point's files are in the tarball.
    const files = tarList(tgz.library);
    expect(Object.keys(library.exports)).toEqual(['.', ...SUBPATHS.map((s) => `./${s}`), './package.json']);
    for (const [subpath, target] of Object.entries(library.exports)) {
      if (typeof target === 'string') continue;
      const { types, import: js } = target as { types: string; import: string };
      expect(files, subpath).toEqual(expect.arrayContaining([types.replace(/^\.\//, ''), js.replace(/^\.\//, '')]));
    }
    for (const file of [tgz.library, tgz.cli]) {
      const files = tarList(file);
      expect(files).toContain('README.md');
      expect(files).toContain('LICENSE');
      expect(files.filter((f) => /\.test\.|(^|\/)src\//.test(f))).toEqual([]);
    }
    expect(tarList(tgz.cli)).toContain(cli.bin.envkit.replace(/^\.\//, ''));
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the envkit authors\n/);
  });

  it('npm installs both tarballs into an empty directory: `npx envkit` runs its commands, ESM imports envkit', () => {
    const { dir } = npmProject(work, 'both', [tgz.library, tgz.cli]);
    const help = ok(dir, 'npx', ['envkit', '--help']);
    expect(help.stdout).toMatch(/^Usage: envkit /);
    expect(help.stderr).toBe('');
    // A real command, from the CLI's own bundle: init writes the memu .env, get reads it back.
    const project = join(dir, 'deploy');
    mkdirSync(project);
    const init = run(project, 'npx', ['envkit', 'init', '--no-input', '--no-keyring']);
    expect(init.status, init.stderr).toBe(0);
    expect(ok(project, 'npx', ['envkit', 'get', 'POSTGRES_USER']).stdout.trim()).toMatch(/^\w+$/);
    // The env file option: `-f, --file`, and `--env-file`, its other name. Node 20 checks every `--env-file FILE`
    // in its argv, even after the script (nodejs/node#54232), and stops with "node: FILE: not found" when FILE
    // does not exist yet. The bin's shebang ends Node's options with `--`; npx is a Node script of its own, so
    // under Node 20 `npx envkit --env-file NEW` stops in npx: `--file` works everywhere, and so does `npx --`.
    const bin = join(dir, 'node_modules/.bin/envkit');
    const ollama = ['--set', 'OLLAMA_API_BASE_URL=http://127.0.0.1:11434/api'];
    ok(project, 'npx', ['envkit', '--file', '.env.x', 'init', '--no-input', '--no-keyring', ...ollama]);
    ok(project, bin, ['--env-file', '.env.y', 'init', '--no-input', '--no-keyring', ...ollama]);
    ok(project, 'npx', ['--', 'envkit', '--env-file', '.env.z', 'init', '--no-input', '--no-keyring', ...ollama]);
    for (const [command, args, file] of [
      [bin, ['--env-file', '.env.x', 'check'], '.env.x'],
      ['npx', ['envkit', '-f', '.env.y', 'check'], '.env.y'],
      ['npx', ['--', 'envkit', '--env-file', '.env.z', 'check'], '.env.z'],
    ] as const) {
      const checked = ok(project, command, [...args]);
      expect(checked.stdout).toContain(`ok: 0 errors, 0 warnings, 0 notes (memu schema; ${file})`);
      expect(checked.stderr).toBe('');
    }
    const missing = run(project, bin, ['--env-file', '.env.missing', 'check']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).not.toMatch(/^node:/m);
    expect(missing.stdout).toMatch(/^error +\.env\.missing +\.env\.missing does not exist$/m);

    writeFileSync(
      join(dir, 'load.mjs'),
      "import { loadEnv } from 'envkit';\n" +
        "import { memuSchema } from 'envkit/memu';\n" +
        "const env = loadEnv(memuSchema, { path: 'deploy/.env' });\n" +
        'process.stdout.write(JSON.stringify({ user: env.POSTGRES_USER, password: typeof env.POSTGRES_PASSWORD }));\n',
    );
    const loaded = ok(dir, 'node', ['load.mjs']);
    expect(JSON.parse(loaded.stdout)).toEqual({ user: expect.stringMatching(/^\w+$/), password: 'string' });
    expect(ok(dir, 'node', ['-e', "import('envkit').then((m) => console.log(typeof m.loadEnv))"]).stdout.trim()).toBe('function');
    expect(ok(dir, 'node', ['-e', "import('envkit/memu').then((m) => console.log(m.memuSchema.name))"]).stdout.trim()).toBe('memu');
    // Each subpath imports, and names of one are not in the root.
    const names = JSON.parse(ok(dir, 'node', ['--input-type=module', '-e', importAll]).stdout) as Record<string, string[]>;
    expect(names['envkit/project']).toEqual(expect.arrayContaining(['initProject', 'checkDeployment', 'syncGitignore']));
    expect(names['envkit/rotate']).toEqual(expect.arrayContaining(['rotatePassword', 'abortRotation']));
    expect(names['envkit/keyring']).toEqual(expect.arrayContaining(['backupSecrets', 'openOsStore']));
    expect(names['envkit/compose']).toEqual(expect.arrayContaining(['readComposeText', 'checkHardening']));
    expect(names['envkit/age']).toEqual(expect.arrayContaining(['encryptText', 'openEnvironment']));
    expect(names.envkit).toEqual(expect.arrayContaining(['loadEnv', 'defineSchema', 'parseDocument', 'EnvkitError']));
    expect(names.envkit).not.toEqual(expect.arrayContaining(['initProject']));
    expect(names.envkit).not.toContain('memuSchema');
  });

  it('the library alone pulls in no optional peer (pg, js-yaml, age-encryption, the native keyring); every entry point loads without them', () => {
    const { dir } = npmProject(work, 'library', [tgz.library]);
    const installed = readdirSync(join(dir, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed).not.toContain('pg');
    expect(installed).not.toContain('@napi-rs');
    expect(installed).not.toContain('js-yaml');
    expect(installed).not.toContain('age-encryption');
    expect(installed).toEqual(expect.arrayContaining(['envkit', 'zod']));
    expect(Object.keys(JSON.parse(ok(dir, 'node', ['--input-type=module', '-e', importAll]).stdout))).toEqual(['envkit', ...SUBPATHS.map((s) => `envkit/${s}`)]);
    writeFileSync(join(dir, '.env'), 'POSTGRES_USER=memu_user\nPOSTGRES_PASSWORD=Ab3dEf6hIj9kLm2nOp5qRs8t\n');
    writeFileSync(
      join(dir, 'probe.mjs'),
      [
        "import { loadEnv, EnvkitError } from 'envkit';",
        "import { applyPasswordDirect } from 'envkit/rotate';",
        "import { keyringStatus } from 'envkit/keyring';",
        "import { readComposeText } from 'envkit/compose';",
        "import { encryptText } from 'envkit/age';",
        "import { memuSchema } from 'envkit/memu';",
        "import { z } from 'zod';",
        "import { defineSchema, variable } from 'envkit';",
        "const schema = defineSchema('probe', { POSTGRES_USER: variable(z.string(), { description: 'the database user' }) });",
        "const env = loadEnv(schema, { path: '.env' });",
        "let pg;",
        "try { await applyPasswordDirect({ host: '127.0.0.1', port: 1, user: 'u', database: 'd' }, 'old', 'new'); } catch (e) { pg = { code: e.code, message: e.message, hint: e.hint }; }",
        'const keyring = await keyringStatus({ allowKeyutils: true });',
        "let yaml;",
        "try { await readComposeText('services: {}\\n', 'compose.yaml'); } catch (e) { yaml = { code: e.code, message: e.message, hint: e.hint }; }",
        "let age;",
        "try { await encryptText('A=1\\n', ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p']); } catch (e) { age = { code: e.code, message: e.message, hint: e.hint }; }",
        "process.stdout.write(JSON.stringify({ user: env.POSTGRES_USER, memu: memuSchema.name, pg, yaml, age, keyring: { available: keyring.available, problem: keyring.problem, hint: keyring.hint } }));",
      ].join('\n'),
    );
    const result = JSON.parse(ok(dir, 'node', ['probe.mjs']).stdout);
    expect(result.user).toBe('memu_user');
    expect(result.memu).toBe('memu');
    // What needs a missing optional peer says which package to install.
    expect(result.pg).toEqual({ code: 'TOOL', message: expect.stringMatching(/pg package.*not installed/), hint: 'install it beside envkit: `npm install pg`' });
    expect(result.yaml).toEqual({ code: 'TOOL', message: 'js-yaml is not installed: envkit needs it to read compose files', hint: 'install it beside envkit: `npm install js-yaml`' });
    expect(result.age).toEqual({ code: 'TOOL', message: 'age-encryption is not installed: envkit needs it to encrypt and decrypt environments', hint: 'install it beside envkit: `npm install age-encryption`' });
    expect(result.keyring).toMatchObject({ available: false, problem: 'module', hint: expect.stringContaining('npm install @napi-rs/keyring') });
  });
});
