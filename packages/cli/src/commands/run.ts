import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { assertParsed, EnvkitError, parseDocument, readTextFile, type EnvDocument } from 'envkit';
import { projectPaths, runValues } from 'envkit/project';
import type { Context } from '../context.js';

/** The signals envkit passes on to the command while it runs. */
// Not SIGTSTP/SIGCONT: a terminal stops the whole foreground group itself, and a handler would keep envkit
// running while its command is stopped, so the shell would never get the terminal back.
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
/** Signals envkit can die of itself with Node's default handling, to pass a signal death on as it was. */
const RERAISE = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGKILL', 'SIGALRM', 'SIGUSR2', 'SIGABRT', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF']);

/**
 * `envkit run [--env NAME] -- command args…`: the environment (or the env file) validated against the
 * schema, derived values computed, and the command started with those variables on top of envkit's own
 * environment. Nothing is written; values travel only in the child's environment, never in its argv.
 * Signals are forwarded; the command's exit code is envkit's; a command killed by a signal makes envkit
 * die of the same signal where Node allows (else exit 128 + the signal's number, as a shell reports it).
 */
export async function run(ctx: Context, argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new EnvkitError('USAGE', 'envkit run needs a command', { hint: 'envkit run --env production -- ./start.sh' });
  const schema = await ctx.loadSchema();
  const { doc, file, check } = await readSource(ctx);
  const values = runValues(schema, doc, file, check);
  return runChild(ctx, command, args, { ...ctx.io.env, ...values });
}

async function readSource(ctx: Context): Promise<{ doc: EnvDocument; file: string; check: string }> {
  const name = ctx.environment;
  // Loaded only for an environment: `envkit run -- cmd` on .env does not read the age code.
  if (name !== undefined) return (await import('./run-environment.js')).openForRun(ctx, name);
  const paths = projectPaths({ cwd: ctx.cwd, envFile: ctx.envFile });
  const text = readTextFile(paths.env);
  if (text === undefined) {
    throw new EnvkitError('FILE', `${paths.envName} does not exist`, { hint: 'run `envkit init`, or name an encrypted environment with --env NAME', path: paths.env });
  }
  const doc = parseDocument(text);
  assertParsed(doc, paths.envName);
  return { doc, file: paths.envName, check: 'envkit check' };
}

function runChild(ctx: Context, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // The handlers are in place before the command starts. Installed after spawn(), a signal that came between
    // the two (the command already running, as a loaded machine showed: 11 in 90 runs) took envkit down by its
    // default action and left the command running, orphaned. Node runs a handler only once this synchronous code
    // is done, so by then `started` is set.
    let started: ChildProcess | undefined;
    const forward = (signal: NodeJS.Signals) => {
      // The child may be gone already; a failed kill is not an error.
      started?.kill(signal);
    };
    const stop = () => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: 'inherit', env });
    } catch (error) {
      stop();
      throw error;
    }
    started = child;
    child.on('error', (error: NodeJS.ErrnoException) => {
      stop();
      const notFound = error.code === 'ENOENT';
      ctx.err(`envkit: cannot run ${command}: ${notFound ? 'command not found' : error.code === 'EACCES' ? 'permission denied' : (error.code ?? 'error')}`);
      resolve(notFound ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      stop();
      if (signal === null) return resolve(code ?? 0);
      const number = constants.signals[signal] ?? 0;
      if (RERAISE.has(signal)) process.kill(process.pid, signal);
      // Reached when the signal did not end envkit (Node ignores or handles it): report it as a shell does.
      setImmediate(() => resolve(128 + number));
    });
  });
}
