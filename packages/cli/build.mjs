// Builds the CLI into dist/ for a fast start (`pnpm bench` measures each step; see src/bin.ts):
//
//   dist/cli.cjs      the whole CLI as one CommonJS bundle, written as its module wrapper function; commands
//                     (and what only they use) are initialised when they run: `envkit get` never evaluates
//                     the YAML parser
//   dist/cli-<command>.cjs  the same with only that command, for the commands run most (DEDICATED): a third
//                     less to read and a smaller code cache; bin.ts runs it when the argv names that command
//   dist/cache/*.bin  a V8 code cache per command, written by running that command once here
//   dist/bin.js       the entry (CommonJS): static `--help`/`--version` text, else cli.cjs compiled with its cache
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
// Built beside dist/ and swapped in at the end: a failed build leaves the previous one in place.
const dist = join(here, `dist.tmp-${process.pid}`);
const binFile = join(dist, 'bin.js');
rmSync(dist, { recursive: true, force: true });

// The commands that get a bundle of their own (dist/cli-<command>.cjs): the ones scripts and hooks run.
const DEDICATED = ['check', 'get', 'init', 'set', 'guard', 'run'];
// What every CommonJS bundle in dist/ is built with.
const CJS_BUNDLE = {
  outdir: dist,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

// Read once from the command table, for both builds of the entry below.
const commandLine = await tableCommandLine();

try {
  await buildAge();
  await buildCli('cli');
  for (const command of DEDICATED) await buildCli(`cli-${command}`, command);
  // First an entry without static outputs or caches, to capture them from the real CLI.
  await buildBin({}, []);
  const staticOutput = captureStaticOutput();
  const cached = writeCodeCaches(dist);
  await buildBin(staticOutput, cached);
} catch (error) {
  rmSync(dist, { recursive: true, force: true });
  throw error;
}
const old = join(here, `dist.old-${process.pid}`);
if (existsSync(join(here, 'dist'))) renameSync(join(here, 'dist'), old);
renameSync(dist, join(here, 'dist'));
rmSync(old, { recursive: true, force: true });
// Again from dist/ itself, each compiled without the cache written above: a V8 code cache keeps the file
// name it was compiled under, and stack traces (ENVKIT_DEBUG) would otherwise name dist.tmp-<pid>/.
writeCodeCaches(join(here, 'dist'));

/**
 * Bundles the CLI (src/run.ts and everything it imports) into dist/<name>.cjs; with `only`, the other
 * commands' modules are left out (bin.ts picks this bundle only when the argv runs that command).
 */
async function buildCli(name, only) {
  const { metafile } = await build({
    ...CJS_BUNDLE,
    metafile: true,
    entryPoints: { [name]: join(here, 'src/run.ts') },
    // import.meta does not exist in CommonJS: the bundle computes its own URL when asked (to resolve the
    // keyring module, as jiti's base), not at every start (pathToFileURL costs half a millisecond).
    define: { 'import.meta.url': '__envkitImportMeta.url' },
    // The file is the CommonJS wrapper function itself, as Node's loader would build it, so that bin.ts
    // compiles the file's text as is (no second copy of 0.6 MB). "use strict" stays its first statement.
    banner: {
      js: '(function (exports, require, module, __filename, __dirname) {"use strict";\nvar __envkitImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };',
    },
    footer: { js: '})' },
    // The native keyring module and jiti stay external, and node-postgres's optional native and Cloudflare
    // backends. node-postgres itself is bundled: the library loads it with import(), so it is initialised
    // only when a connection is made (a separate dist/pg.cjs saved no measurable time: docs/startup.md).
    external: ['@napi-rs/keyring', 'jiti', 'pg-native', 'pg-cloudflare'],
    plugins: [...(only ? [onlyCommand(only)] : []), besideBundles(), lazyBuiltins(['child_process', 'crypto', 'module', 'os', 'perf_hooks', 'readline', 'tty'])],
  });
  checkDynamicImports(metafile);
  asciiOnly(join(dist, `${name}.cjs`));
}

/**
 * age-encryption (ESM, with the noble curves and ciphers: about 200 kB) serves only the commands that encrypt
 * or create an identity (decrypting uses node:crypto): it goes to dist/age.cjs, required when one of them runs.
 */
async function buildAge() {
  const entry = createRequire(join(here, '../envkit/package.json')).resolve('age-encryption');
  await build({
    ...CJS_BUNDLE,
    entryPoints: { age: entry },
    // Response without undici: see src/age-response.ts.
    inject: [join(here, 'src/age-response.ts')],
    define: { Response: 'StreamBody' },
  });
  asciiOnly(join(dist, 'age.cjs'));
}

/**
 * bin.ts reads each bundle as latin1 (faster than utf8), which is exact only for ASCII. esbuild escapes
 * every other character in strings, templates and names, but leaves regular expression literals as written
 * (evanw/esbuild#4205): the library's `/…/` (a placeholder) and `/µs/` (a duration) came out as UTF-8 bytes,
 * read back as three and two other characters, so `envkit check` missed a `…` placeholder the library finds.
 * Each one becomes its `\uXXXX` escape (a pair of them above U+FFFF), which a regular expression reads as
 * the same character with or without the `u` flag; only its `.source` text differs.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  // `\…` (an identity escape, as good as `…`) loses its backslash, or `\\u2026` would be a backslash and "u2026".
  const escaped = text.replace(/(\\*)([^\0-\x7f])/g, (_, slashes, char) =>
    `${slashes.slice(slashes.length % 2)}\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (escaped !== text) writeFileSync(file, escaped);
}

/**
 * The library's `import('age-encryption')` gets dist/age.cjs through require() (no import() left: see
 * checkDynamicImports).
 */
function besideBundles() {
  const files = { 'age-encryption': 'age.cjs' };
  return {
    name: 'beside-bundles',
    setup(b) {
      b.onResolve({ filter: /^age-encryption$/ }, (args) => ({ path: args.path, namespace: 'beside-bundle' }));
      b.onLoad({ filter: /.*/, namespace: 'beside-bundle' }, (args) => ({
        contents: `module.exports = require(require("node:path").join(__dirname, ${JSON.stringify(files[args.path])}));`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The command table (src/command-table.ts) imports each command's module when that command runs; in a
 * bundle for `command` alone every other one becomes a stand-in, reached only if bin.ts picked the wrong
 * bundle, which says so.
 */
function onlyCommand(command) {
  const table = join(here, 'src/command-table.ts');
  return {
    name: 'only-command',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[\w-]+\.js$/ }, (args) =>
        // A command's subcommands (`guard install`: ./commands/guard-install.js) stay in its bundle.
        args.importer === table && args.path !== `./commands/${command}.js` && !args.path.startsWith(`./commands/${command}-`)
          ? { path: args.path, namespace: 'other-command' }
          : undefined,
      );
      // The --env variants of get/set/check bring age: bin.ts runs cli.cjs when an environment is named.
      b.onResolve({ filter: /^\.\/in-environment\.js$/ }, (args) => ({ path: args.path, namespace: 'other-command' }));
      b.onLoad({ filter: /.*/, namespace: 'other-command' }, (args) => ({
        contents: `export async function run() { throw new Error(${JSON.stringify(`${args.path} is not in the bundle of envkit ${command}`)}); }`,
        loader: 'js',
      }));
    },
  };
}

/** Bundles src/bin.ts with the captured `--help`/`--version` texts and the list of cached commands. */
async function buildBin(outputs, commands) {
  await build({
    entryPoints: { bin: join(here, 'src/bin.ts') },
    outdir: dist,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    define: {
      ENVKIT_STATIC_OUTPUT: JSON.stringify(outputs),
      ENVKIT_CACHED_COMMANDS: JSON.stringify(commands),
      ENVKIT_DEDICATED_BUNDLES: JSON.stringify(DEDICATED),
      ENVKIT_COMMAND_LINE: JSON.stringify(commandLine),
    },
    // `--` stops Node 20 from taking envkit's own --env-file as its option (nodejs/node#54232).
    banner: { js: '#!/usr/bin/env -S node --' },
    logLevel: 'warning',
  });
  chmodSync(binFile, 0o755);
  // The package is "type": "module"; this makes dist/bin.js CommonJS, which Node starts faster.
  writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
}

/**
 * The command table's COMMAND_LINE (its command names and global options), for bin.ts's commandOf: the
 * table itself, with every description, would double what Node compiles before each run (about 1 ms).
 */
async function tableCommandLine() {
  const result = await build({ entryPoints: [join(here, 'src/command-table.ts')], bundle: true, format: 'esm', platform: 'node', write: false, external: ['./commands/*'], logLevel: 'warning' });
  const module = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
  return module.COMMAND_LINE;
}

/**
 * `--help` and `--version` exactly as the CLI prints them when stdout is not a terminal (commander then
 * wraps help at 80 columns). Keys are argv joined with NUL, as bin.ts looks them up.
 */
function captureStaticOutput() {
  const outputs = {};
  for (const argv of [['--help'], ['-h'], ['--version'], ['-V']]) {
    const result = spawnSync(process.execPath, ['--', binFile, ...argv], { encoding: 'utf8', env: cleanEnv() });
    if (result.status !== 0 || result.stderr !== '' || result.stdout === '') {
      throw new Error(`envkit ${argv.join(' ')} failed while building: ${result.stderr}`);
    }
    outputs[argv.join('\0')] = result.stdout;
  }
  return outputs;
}

/**
 * Runs each command once in a scratch project with ENVKIT_BUILD_CODE_CACHE set, so bin.ts saves what V8
 * compiled for it. They double as a smoke test of the bundle: one that fails stops the build.
 */
function writeCodeCaches(distDir) {
  const cacheDir = join(distDir, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const project = mkdtempSync(join(tmpdir(), 'envkit-build-'));
  const compose = join(here, '../../examples/memu/docker-compose.yml');
  if (existsSync(compose)) cpSync(compose, join(project, 'docker-compose.yml'));
  const git = spawnSync('git', ['init', '-q'], { cwd: project, env: cleanEnv() }).status === 0;
  const runs = [
    ['help', ['help']],
    ['init', ['init', '--no-input', '--no-keyring']],
    // In the repository, as `check` runs in one: its answer to "is .env ignored", read from the repository's
    // files, is compiled into the cache too (docs/startup.md).
    ['check', git ? ['check'] : ['check', '--no-git']],
    ['get', ['get', 'POSTGRES_USER']],
    ['set', ['set', '--force', 'POSTGRES_DB=envkit_build']],
    ['unset', ['unset', 'OPENAI_API_KEY']],
    ['example', ['example', '--check']],
    ['gitignore', ['gitignore', '--check']],
    ['schema', ['schema', '--format', 'json-schema']],
    ['generate', ['generate', 'password']],
    // The pre-commit hook's run: it needs a repository (made below when git is there).
    ['guard', ['guard', '--no-keyring']],
    ['run', ['run', '--', process.execPath, '-e', '0']],
    // `run --env` (bin.ts picks this cache for it), on the environment writeAgeCodeCache sets up: with plain
    // `run`'s cache the decrypter and the identity store were compiled on every run (2.6 ms of CPU), and with
    // this one for both, plain `run` paid 0.7 ms for what it does not use.
    ['run-env', ['run', '--env', 'build', '--', process.execPath, '-e', '0']],
  ];
  const ageEnv = { XDG_CONFIG_HOME: join(project, 'config') };
  // Where `run --env` would write age.cjs's cache if it loaded age.cjs: it must not (see writeAgeCodeCache).
  const ageLoaded = join(cacheDir, 'age.bin.run');
  const done = [];
  try {
    for (const [name, argv] of runs) {
      if (name === 'guard' && !git) continue;
      if (name === 'run-env') writeAgeCodeCache(project, distDir, cacheDir, ageEnv);
      const file = join(cacheDir, `${name}.bin`);
      // Compiled afresh: a run that finds a cache keeps what it holds (the file name included) and would
      // write it out again. For that moment envkit runs without a cache: slower, never different.
      rmSync(file, { force: true });
      const temp = `${file}.tmp`;
      const result = spawnSync(process.execPath, ['--', join(distDir, 'bin.js'), ...argv], {
        cwd: project,
        encoding: 'utf8',
        // `run --env` also checks that decrypting does not load dist/age.cjs (see writeAgeCodeCache).
        env: { ...cleanEnv(), ENVKIT_BUILD_CODE_CACHE: temp, ...(name === 'run-env' ? { ...ageEnv, ENVKIT_BUILD_AGE_CACHE: ageLoaded } : {}) },
      });
      if (result.status !== 0 || !existsSync(temp)) {
        throw new Error(`envkit ${argv.join(' ')} failed while building (exit ${result.status}):\n${result.stderr}`);
      }
      renameSync(temp, file);
      done.push(name);
      if (name === 'run-env' && existsSync(ageLoaded)) {
        rmSync(ageLoaded);
        throw new Error('envkit run --env loaded dist/age.cjs: decrypting must not (packages/envkit/src/age/native/)');
      }
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  return done;
}

/**
 * The code cache of dist/age.cjs (see bin.ts), written by `envkit encrypt` in the scratch project with an
 * identity of its own (ENVKIT_BUILD_AGE_CACHE set); it leaves the environment `build` for `run --env`.
 * Decrypting no longer loads age.cjs (the library decrypts with node:crypto): that run checks it does not.
 */
function writeAgeCodeCache(project, distDir, cacheDir, ageEnv) {
  const file = join(cacheDir, 'age.bin');
  // A run that finds a cache keeps the file name it was compiled under (dist.tmp-<pid>/): start without one.
  rmSync(file, { force: true });
  const env = { ...cleanEnv(), ...ageEnv };
  const steps = [
    [['identity', '--no-keyring'], {}],
    [['recipients', 'add', '--env', 'build'], {}],
    [['encrypt', '--env', 'build', '--from', '.env'], { ENVKIT_BUILD_AGE_CACHE: file }],
  ];
  for (const [argv, extra] of steps) {
    const result = spawnSync(process.execPath, ['--', join(distDir, 'bin.js'), ...argv], { cwd: project, encoding: 'utf8', env: { ...env, ...extra } });
    if (result.status !== 0) throw new Error(`envkit ${argv.join(' ')} failed while building (exit ${result.status}):\n${result.stderr}`);
  }
  if (!existsSync(file)) throw new Error('envkit encrypt wrote no code cache for dist/age.cjs');
}

/** No D-Bus (so no keyring is ever asked), no colors, no inherited envkit settings. */
function cleanEnv() {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NO_COLOR: '1' };
}

/**
 * An import() that the bundle leaves to Node would make Node 20 print an ExperimentalWarning when it runs
 * inside bin.ts's vm script. Only src/schema-module.ts may leave one (jiti, and the user's --schema module,
 * whose path esbuild cannot see): bin.ts runs a --schema argv without vm. Every other import() is bundled
 * (esbuild turns it into a require()).
 */
function checkDynamicImports(metafile) {
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const used of input.imports) {
      if (used.kind === 'dynamic-import' && used.external && resolve(file) !== join(here, 'src/schema-module.ts')) {
        throw new Error(`${file}: import('${used.path}') is left to Node in the CLI bundle; bundle it, or load it with require() (see checkDynamicImports)`);
      }
    }
  }
}

/**
 * Some of Node's own modules are slow to load: node:crypto about 5 ms, node:child_process and node:tty about
 * 2 ms each (they bring the socket and stream machinery). Commander and many library modules import them
 * at load time but use them only in some runs (a write needs random bytes, git a child process). Each listed
 * builtin becomes an object whose properties load the real module on first access: the same functions,
 * only later.
 */
function lazyBuiltins(names) {
  return {
    name: 'lazy-builtins',
    setup(b) {
      const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
      b.onResolve({ filter }, (args) =>
        // The stand-in's own require() gets the real module.
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
        const keys = Object.keys(await import(`node:${args.path}`)).filter((k) => k !== 'default');
        // The getters sit on the prototype: esbuild's __toESM() gives every importing module its own copy
        // of a CommonJS module's own properties (a getter per key: about 100 for node:crypto, in each of
        // five modules), and a prototype's are found without being copied.
        const lines = keys.map((k) => `Object.defineProperty(proto, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`);
        return {
          contents: `let real; const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));\nconst proto = {};\n${lines.join('\n')}\nmodule.exports = Object.create(proto);\n`,
          loader: 'js',
        };
      });
    },
  };
}
