import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

/** The built CLI entry, as `node_modules/.bin/envkit` runs it (`ENVKIT_TEST_BIN` points the tests at another build). */
export const ENVKIT_BIN = process.env.ENVKIT_TEST_BIN || fileURLToPath(new URL('../../packages/cli/bin/envkit.cjs', import.meta.url));

/**
 * The node that runs the CLI: `ENVKIT_TEST_NODE` (e.g. a Node 24 binary, see scripts/node24.sh), else the
 * node running the tests.
 */
export const CLI_NODE = process.env.ENVKIT_TEST_NODE || process.execPath;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for leak scans. */
  all: string;
}

/**
 * Run `command` with exactly `env`, feeding `input` (or nothing) on stdin, and collect its output.
 * Killed after `timeoutMs` (default 20 s).
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, all: stdout + stderr });
    });
    // A command that never reads its stdin may exit before this lands: EPIPE then is no error of the test's.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Run the real `envkit` binary in `cwd` with a clean environment (no TTY, no color), optionally
 * feeding `input` on stdin.
 */
export function envkit(cwd: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (!existsSync(ENVKIT_BIN)) throw new Error(`${ENVKIT_BIN} is missing: run \`pnpm build\` first`);
  return runCli(ENVKIT_BIN, cwd, args, options);
}

export interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Run the CLI entry `entry` with node as {@link envkit} runs the built one. */
export function runCli(entry: string, cwd: string, args: string[], options: CliOptions): Promise<CliResult> {
  return runProcess(CLI_NODE, ['--', entry, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env },
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
