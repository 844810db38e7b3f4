import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * podman-compose as a reader of `.env` + compose files, without running a container.
 *
 * How values are captured. `podman-compose --dry-run up` prints each podman command as
 * `" ".join(argv)` (podman-compose 1.0.3, Debian 12): no quoting at all, so a value containing a
 * space or a newline cannot be told apart from the next argument (`A=a -e B=b` prints exactly like
 * two variables) — and 1.0.3's dry run still creates the project network with the real podman.
 * So {@link resolveWithPodmanCompose} runs a real `podman-compose up -d` with `--podman-path` set to
 * a stand-in that records its argv NUL-separated and starts nothing: the values are exactly the
 * `-e NAME=value` arguments podman would receive, for every byte sequence a `.env` can hold.
 * Cost: podman-compose 1.0.3 sleeps 1 s after each container command.
 *
 * podman-compose runs with a minimal environment (PATH, LC_ALL=C.UTF-8, plus `env`), because it
 * and its python-dotenv interpolate `${VAR}` from the process environment too.
 */

/** True when `podman-compose` is on PATH. */
export function hasPodmanCompose(): boolean {
  return spawnSync('sh', ['-c', 'command -v podman-compose'], { stdio: 'ignore' }).status === 0;
}

/** The podman-compose version (`1.0.3`), or undefined when it is missing. Starts no podman. */
export function podmanComposeVersion(): string | undefined {
  if (!hasPodmanCompose()) return undefined;
  const fake = makeFakePodman();
  try {
    const out = spawnSync('podman-compose', ['--podman-path', fake.path, 'version'], {
      encoding: 'utf8',
      env: minimalEnv(),
      cwd: fake.dir,
    });
    const m = /podman-compose[r]?\s+version:?\s+v?(\d+\.\d+(?:\.\d+)?)/i.exec(`${out.stdout}\n${out.stderr}`);
    return m?.[1];
  } finally {
    fake.remove();
  }
}

/** Options for running podman-compose in a directory. */
export interface PodmanComposeOptions {
  /** Compose file (relative to `dir`); default: podman-compose's own search. */
  file?: string;
  /** Extra environment for podman-compose (it interpolates from it too; `.env` wins in 1.0.3). */
  env?: Record<string, string>;
  /** Kill after this long (default 60 s). */
  timeoutMs?: number;
}

/** What a captured run produced. */
export interface PodmanComposeCapture {
  /** Each podman invocation's arguments (without the podman binary), exactly as passed. */
  invocations: string[][];
  stdout: string;
  stderr: string;
  /** podman-compose's exit code. */
  code: number | null;
}

/**
 * Runs `podman-compose up -d` in `dir` (which holds the compose file and `.env`) with a stand-in
 * podman, and returns every podman invocation's exact argv. Nothing is started or created.
 */
export async function capturePodmanCompose(
  dir: string,
  options: PodmanComposeOptions & { args?: string[] } = {},
): Promise<PodmanComposeCapture> {
  const fake = makeFakePodman();
  try {
    const args = ['--podman-path', fake.path];
    if (options.file !== undefined) args.push('-f', options.file);
    args.push(...(options.args ?? ['up', '-d']));
    const result = await run('podman-compose', args, dir, options);
    const invocations = existsSync(fake.log) ? parseArgvLog(readFileSync(fake.log)) : [];
    return { invocations, ...result };
  } finally {
    fake.remove();
  }
}

/**
 * service → environment as podman-compose resolved it from the compose file and `.env`: the
 * `-e NAME=value` arguments of each service's `podman run`. Exact for any value (spaces, quotes,
 * newlines, unicode). A pass-through entry without `=` (`- NAME`) is left out; values from
 * `env_file:` are resolved by podman, not podman-compose, and are not included.
 * Throws when podman-compose fails (e.g. a `${VAR:?err}` whose variable is missing).
 */
export async function resolveWithPodmanCompose(
  dir: string,
  options: PodmanComposeOptions = {},
): Promise<Record<string, Record<string, string>>> {
  const capture = await capturePodmanCompose(dir, options);
  if (capture.code !== 0) {
    throw new Error(`podman-compose up failed (exit ${capture.code}) in ${dir}:\n${capture.stderr.slice(-2000)}`);
  }
  return environmentsOf(capture.invocations);
}

/** service → env from captured `run`/`create` invocations. */
export function environmentsOf(invocations: readonly string[][]): Record<string, Record<string, string>> {
  const services: Record<string, Record<string, string>> = {};
  for (const argv of invocations) {
    if (argv[0] !== 'run' && argv[0] !== 'create') continue;
    let service: string | undefined;
    const env: Record<string, string> = {};
    for (let i = 1; i < argv.length; i++) {
      const arg = argv[i] as string;
      const next = argv[i + 1];
      if (arg === '--label' && next?.startsWith('com.docker.compose.service=')) {
        service = next.slice('com.docker.compose.service='.length);
        i++;
      } else if ((arg === '-e' || arg === '--env') && next !== undefined) {
        const eq = next.indexOf('=');
        if (eq > 0) env[next.slice(0, eq)] = next.slice(eq + 1);
        i++;
      }
    }
    if (service === undefined) {
      const name = argv.find((a) => a.startsWith('--name='));
      service = name?.slice('--name='.length) ?? `container-${Object.keys(services).length}`;
    }
    services[service] = { ...services[service], ...env };
  }
  return services;
}

/**
 * Runs `podman-compose --dry-run up` (with the stand-in podman, so 1.0.3 creates no network) and
 * returns its output: one `podman create …` line per container, arguments joined by single spaces.
 */
export async function dryRunPodmanCompose(
  dir: string,
  options: PodmanComposeOptions = {},
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const fake = makeFakePodman();
  try {
    const args = ['--podman-path', fake.path, '--dry-run'];
    if (options.file !== undefined) args.push('-f', options.file);
    args.push('up');
    return await run('podman-compose', args, dir, options);
  } finally {
    fake.remove();
  }
}

/**
 * service → env parsed from dry-run output. Exact only when no value contains a space or a
 * newline (podman-compose 1.0.3 prints arguments unquoted); use {@link resolveWithPodmanCompose}
 * for anything else.
 */
export function parseDryRunEnv(stdout: string): Record<string, Record<string, string>> {
  const invocations: string[][] = [];
  for (const line of stdout.split('\n')) {
    const words = line.split(' ');
    const cmd = words.findIndex((w) => w === 'create' || w === 'run');
    if (cmd < 0 || !words.slice(0, cmd).every((w) => w !== '' && !w.startsWith('['))) continue;
    invocations.push(words.slice(cmd));
  }
  return environmentsOf(invocations);
}

function minimalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8', ...extra };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  options: PodmanComposeOptions,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: minimalEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code });
    });
  });
}

/** A throw-away podman stand-in: answers `--version`, records every other argv, succeeds. */
function makeFakePodman(): { dir: string; path: string; log: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-fake-podman-'));
  const path = join(dir, 'podman');
  const log = join(dir, 'argv.log');
  const quoted = `'${log.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo "podman version 4.3.1"; exit 0; fi',
      // One record per call: the argument count, then each argument, all NUL-terminated.
      `{ printf '%s\\0' "$#"; if [ "$#" -gt 0 ]; then printf '%s\\0' "$@"; fi; } >> ${quoted}`,
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { dir, path, log, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Parses the stand-in's NUL-separated records. */
function parseArgvLog(bytes: Buffer): string[][] {
  const fields = bytes.toString('utf8').split('\0');
  const records: string[][] = [];
  let i = 0;
  while (i < fields.length - 1) {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count < 0) throw new Error('unreadable podman stand-in log');
    records.push(fields.slice(i + 1, i + 1 + count));
    i += 1 + count;
  }
  return records;
}
