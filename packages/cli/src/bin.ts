// The installed `envkit` command. In a script or a hook, starting up is most of what envkit costs, so this
// entry does as little as it can before the CLI runs (`pnpm bench` measures each step):
//
// - It is built as CommonJS (build.mjs gives dist/ a package.json with "type": "commonjs"): Node starts a
//   CommonJS entry faster than an ES module one.
// - `--help` and `--version` print text captured from the real CLI at build time, when stdout is not a
//   terminal (commander wraps help to a terminal's width, so a terminal gets it live).
// - Everything else runs dist/cli.cjs, one bundle whose commands and libraries are initialised only when
//   used, compiled with a V8 code cache written at build time for the command being run; or, when the argv
//   certainly runs one of the most used commands (commandOf), dist/cli-<command>.cjs: the same without the
//   other commands. Node 20 has no
//   compile cache of its own (module.enableCompileCache() arrived in Node 22.1). A cache that does not fit
//   this node (another version, other V8 flags) is rejected by V8 and the code is compiled as usual:
//   slower, never different. The file holds the bundle as its CommonJS wrapper function, ready to call.
// - With `--schema` the CLI imports the user's module, and a dynamic import() from a vm script prints an
//   ExperimentalWarning on Node 20, so that run evaluates the same function with an indirect eval, where
//   import() is Node's own.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script, constants } from 'node:vm';
import { lazyProcessIo } from './lazy-io.js';
import { commandOf, type CommandLine } from './command-of.js';
import { Exit } from './exit-codes.js';

/** `--help`/`--version` outputs by argv (joined with NUL), injected by build.mjs. */
declare const ENVKIT_STATIC_OUTPUT: Record<string, string>;
/** The commands that have a code cache in dist/cache/, injected by build.mjs. */
declare const ENVKIT_CACHED_COMMANDS: string[];
/** The command table's command names and global options (COMMAND_LINE), injected by build.mjs. */
declare const ENVKIT_COMMAND_LINE: CommandLine;
/** The commands that have a bundle of their own (dist/cli-<command>.cjs), injected by build.mjs. */
declare const ENVKIT_DEDICATED_BUNDLES: string[];

type Cli = { run(argv: string[], io: ReturnType<typeof lazyProcessIo>): Promise<number> };

const argv = process.argv.slice(2);
const io = lazyProcessIo();

// A promise nobody awaited failed: a bug of envkit's. It ends the run as Node's default would, with the
// internal-error line the CLI prints for any other bug instead of a line of the minified bundle and a stack.
process.on('unhandledRejection', (reason) => {
  io.stderr.write(`envkit: internal error: ${reason instanceof Error ? reason.message : String(reason)}\n`);
  if (process.env.ENVKIT_DEBUG && reason instanceof Error && reason.stack) io.stderr.write(`${reason.stack}\n`);
  process.exit(Exit.Environment);
});
const key = argv.join('\0');

if (Object.hasOwn(ENVKIT_STATIC_OUTPUT, key) && io.stdout.isTTY !== true) {
  io.stdout.write(ENVKIT_STATIC_OUTPUT[key] as string);
  if (io.outputClosed()) process.exitCode = Exit.OutputClosed;
} else {
  const command = commandOf(argv, ENVKIT_COMMAND_LINE);
  // A named encrypted environment (--env, ENVKIT_ENV) makes get/set/check… load commands/in-environment.ts,
  // which only cli.cjs holds (`run` reads environments itself: its own bundle has what it needs).
  const named = Boolean(process.env.ENVKIT_ENV) || argv.some((arg) => arg === '--env' || arg.startsWith('--env='));
  const environment = command !== 'run' && named;
  const dedicated = command !== undefined && ENVKIT_DEDICATED_BUNDLES.includes(command) && !environment;
  const path = join(__dirname, dedicated ? `cli-${command}.cjs` : 'cli.cjs');
  // The bundle is ASCII (esbuild escapes the rest, build.mjs's asciiOnly its regular expressions): latin1
  // reads it exactly, and faster than utf8.
  const source = readFileSync(path, 'latin1');
  const userModules = argv.some((arg) => arg === '--schema' || arg.startsWith('--schema='));
  // A command's cache fits the bundle it was written with: its own for a dedicated command, else cli.cjs's.
  // `run` has two, for the same bundle: opening an encrypted environment runs code a plain `run` never does.
  const cached = command === 'run' && named ? 'run-env' : command;
  const cache = cached !== undefined && ENVKIT_CACHED_COMMANDS.includes(cached) ? cached : 'help';
  const script = userModules ? undefined : compileWithCodeCache(path, source, cache);
  const wrapper = (script ? script.runInThisContext() : (0, eval)(source)) as (...args: unknown[]) => void;
  const module = { exports: {} as Cli };
  // dist/age.cjs (age-encryption, required by the bundle when something is encrypted; decrypting uses
  // node:crypto) is compiled with a code cache of its own too: compiling it is most of what loading it costs.
  const agePath = join(__dirname, 'age.cjs');
  let ageScript: Script | undefined;
  const requireBeside = Object.assign((id: string): unknown => {
    if (id !== agePath || userModules) return require(id);
    ageScript = compileWithCodeCache(agePath, `(function (exports, require, module, __filename, __dirname) {${readFileSync(agePath, 'latin1')}\n})`, 'age');
    const ageModule = { exports: {} };
    (ageScript.runInThisContext() as (...args: unknown[]) => void)(ageModule.exports, require, ageModule, agePath, __dirname);
    return ageModule.exports;
  }, require);
  wrapper(module.exports, requireBeside, module, path, __dirname);
  void module.exports.run(argv, io).then((code) => {
    // A reader that left early (`| head -1`) makes a run that otherwise succeeded end as `cat` would there.
    process.exitCode = code === 0 && io.outputClosed() ? Exit.OutputClosed : code;
    const writeCache = process.env.ENVKIT_BUILD_CODE_CACHE;
    // build.mjs runs each command once this way and keeps what V8 compiled for it.
    if (writeCache && script) writeFileSync(writeCache, script.createCachedData());
    const writeAgeCache = process.env.ENVKIT_BUILD_AGE_CACHE;
    if (writeAgeCache && ageScript) writeFileSync(writeAgeCache, ageScript.createCachedData());
  });
}

function compileWithCodeCache(path: string, source: string, cache: string): Script {
  // V8 checks that a cache belongs to this source: a wrong one would only cost time.
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(join(__dirname, 'cache', `${cache}.bin`));
  } catch {
    cachedData = undefined;
  }
  return new Script(source, {
    filename: path,
    cachedData,
    // Only a stray import() would use it (build.mjs checks there is none outside the --schema path).
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}
