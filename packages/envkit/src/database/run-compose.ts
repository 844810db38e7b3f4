import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EnvkitError } from '../errors.js';
import { redactSecrets } from './redact.js';

/** Options of {@link runCompose}. */
export interface ComposeRunOptions {
  /** The directory compose runs in (where its compose file and `.env` are). */
  cwd: string;
  /** The caller's environment; the child gets {@link composeEnv} of it. */
  env: NodeJS.ProcessEnv;
  /** Values that must not reach the child: a variable holding one is left out of its environment. */
  secrets: readonly string[];
  /** Written to the child's stdin, which is then closed. */
  stdin?: string;
  /** Time limit: the child gets SIGTERM, then SIGKILL, and the run ends as `timeout`. */
  timeoutMs: number;
}

/**
 * How a compose run ended. `stdout` and `stderr` are the raw tails of the streams: they may hold
 * anything the child printed, so redact them (redactSecrets) before they reach a message.
 */
export type ComposeRunResult =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: 'timeout'; stdout: string; stderr: string }
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException };

/** Tail kept of each stream: enough to explain a failure or hold a few rows. */
const MAX_OUTPUT_CHARS = 16_000;
/** Grace between SIGTERM and SIGKILL when compose overruns its time. */
const KILL_GRACE_MS = 2_000;
/**
 * How long to wait for the pipes to close once compose has exited. A container runtime may leave a
 * process behind that inherited them (a conmon, a log follower); its output is not compose's answer.
 */
const EXIT_DRAIN_MS = 300;

/**
 * Run compose (`argv[0]` looked up on PATH) and collect its output, for every compose call envkit makes
 * (the password change, the stored-password check, the restart). Never rejects: a missing command is a
 * `spawn-error`. Bounded: it returns at most about `timeoutMs` + {@link KILL_GRACE_MS} after the start
 * even when a grandchild keeps the pipes open, which would otherwise delay Node's `close` event for as
 * long as the grandchild lives; our ends of the pipes are then closed.
 *
 * @example
 * const result = await runCompose(['podman-compose', 'ps'], { cwd: '/srv/memu', env: process.env, secrets: [], timeoutMs: 60_000 });
 * if (result.kind === 'exit' && result.code === 0) console.log(result.stdout);
 */
export function runCompose(argv: readonly string[], options: ComposeRunOptions): Promise<ComposeRunResult> {
  const [command, ...args] = argv;
  if (command === undefined || command === '') throw new EnvkitError('USAGE', 'the compose command is empty');
  return new Promise((resolve) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      // stdio defaults to three pipes.
      child = spawn(command, args, { cwd: options.cwd, env: composeEnv(options.env, options.secrets) });
    } catch (error) {
      // Invalid arguments (a NUL byte) are thrown, not emitted.
      resolve({ kind: 'spawn-error', error: error as NodeJS.ErrnoException });
      return;
    }
    const { stdin, stdout: out, stderr: err } = child;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    let killer: NodeJS.Timeout | undefined;
    let drain: NodeJS.Timeout | undefined;
    const finish = (result: ComposeRunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      clearTimeout(drain);
      // A grandchild may still hold the other ends; ours must not keep this process alive.
      out.destroy();
      err.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);

    out.setEncoding('utf8');
    err.setEncoding('utf8');
    out.on('data', (chunk: string) => (stdout = keepTail(stdout + chunk)));
    err.on('data', (chunk: string) => (stderr = keepTail(stderr + chunk)));
    child.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'spawn-error', error }));
    child.on('exit', (code, signal) => {
      if (timedOut) {
        finish({ kind: 'timeout', stdout, stderr });
        return;
      }
      drain = setTimeout(() => finish({ kind: 'exit', code, signal, stdout, stderr }), EXIT_DRAIN_MS);
    });
    child.on('close', (code, signal) => finish(timedOut ? { kind: 'timeout', stdout, stderr } : { kind: 'exit', code, signal, stdout, stderr }));
    // A child that exits without reading (container down) closes the pipe: EPIPE is expected, not fatal.
    stdin.on('error', () => {});
    stdin.end(options.stdin ?? '');
  });
}

/**
 * The environment compose runs with: `env` without PGPASSWORD and without any variable whose value
 * contains one of `secrets` (an exported `POSTGRES_PASSWORD` or URL would hand the password to compose
 * and everything it starts).
 */
export function composeEnv(env: NodeJS.ProcessEnv, secrets: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === 'PGPASSWORD') continue;
    if (secrets.some((secret) => secret.length > 0 && value.includes(secret))) continue;
    out[key] = value;
  }
  return out;
}

/** `exit 3` or `signal SIGKILL`: how an exited run ended, for a message. */
export function exitStatus(result: { code: number | null; signal: NodeJS.Signals | null }): string {
  return result.code === null ? `signal ${result.signal ?? '?'}` : `exit ${result.code}`;
}

/**
 * What a failed run printed, fit for a message: stderr, or stdout when stderr is empty, with every
 * secret and SCRAM verifier redacted first and then cut to its last `maxChars` (so a cut never leaves
 * part of a secret), trimmed; `no output` when there was none.
 */
export function shownOutput(result: { stdout: string; stderr: string }, secrets: readonly string[], maxChars = 4_000): string {
  const text = redactSecrets(result.stderr.trim() === '' ? result.stdout : result.stderr, secrets).trim();
  if (text === '') return 'no output';
  return text.length <= maxChars ? text : `...${text.slice(-maxChars)}`;
}

/**
 * The error for a compose command that could not be started: not found (with how to install or name
 * one), or another reason (redacted).
 */
export function composeSpawnError(command: string, shown: string, error: NodeJS.ErrnoException, secrets: readonly string[], hint: string): EnvkitError {
  const missing = error.code === 'ENOENT';
  return new EnvkitError(
    'TOOL',
    missing ? `the compose command \`${command}\` was not found` : `could not run \`${shown}\`: ${redactSecrets(error.message, secrets)}`,
    {
      hint: missing ? "install podman-compose (apt-get install podman-compose) or name the compose command, e.g. 'docker compose'" : hint,
      ...(missing ? { reason: 'compose-missing' } : {}),
      ...(missing ? {} : { cause: new Error(redactSecrets(error.message, secrets)) }),
    },
  );
}

/**
 * The tail of a growing stream, cut at a line start (else after a blank) so that no secret is cut in
 * half before it is redacted; a single huge word is dropped rather than kept in part.
 */
function keepTail(text: string): string {
  if (text.length <= 2 * MAX_OUTPUT_CHARS) return text;
  const tail = text.slice(-MAX_OUTPUT_CHARS);
  const line = tail.indexOf('\n');
  if (line !== -1) return tail.slice(line + 1);
  const blank = tail.search(/\s/);
  return blank === -1 ? '' : tail.slice(blank + 1);
}
