// Shared by the reliability suite (test/reliability): spawning the built CLI in ways the ordinary helper does
// not (killed, under another umask or user), canary fixtures, and the checks every scenario repeats — is
// this .env complete and valid, which files did envkit leave behind, are these bytes untouched.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseDocument, parsePostgresUrl, safeLoadEnv, type EnvDocument } from 'envkit';
import { memuSchema } from 'envkit/memu';
import { isUnconfirmedComment } from '../../packages/envkit/src/project/confirm-default.js';
import { CLI_NODE, ENVKIT_BIN, type CliResult } from '../helpers/cli.js';

export { CLI_NODE, ENVKIT_BIN };

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) {
    try {
      chmodSync(dir, 0o700);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A fresh temp directory removed after the whole file (not after each test, unlike testdir(): tests of
 * this suite run concurrently). `mode` opens it up for a test that runs envkit as another user.
 */
export function scratchDir(mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-rel-'));
  scratch.push(dir);
  chmodSync(dir, mode);
  return dir;
}

/** The ten memu variables, in schema order. */
export const MEMU_KEYS = Object.keys(memuSchema.vars);

/** True when the tests run as root (permissions are then ignored unless a child drops to another uid). */
export const IS_ROOT = process.getuid?.() === 0;

/** The unprivileged account root's tests drop to (Debian's `nobody`). */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** Budget multiplier from the environment: `ENVKIT_<NAME>` when set, else `ci` under CI=true, else `local`. */
export function budget(name: string, ci: number, local: number): number {
  const given = Number(process.env[`ENVKIT_${name}`]);
  if (Number.isFinite(given) && given > 0) return Math.floor(given);
  return isCI() ? ci : local;
}

/** CI=true (or 1): tests that need a tool fail instead of skipping, budgets are the CI ones. */
export function isCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * Canary secrets: distinctive, valid for the memu schema, and long enough that finding any 12-character
 * piece of one in an output is never a coincidence.
 */
export const CANARY = {
  OPENAI_API_KEY: 'sk-RelCanaryOpenAi5Kq8Wz2Xv7Mn4',
  OPENROUTER_API_KEY: 'sk-or-v1-RelCanaryRouter3Lp6Hj9Tb1',
  POSTGRES_PASSWORD: 'RelCanaryPgPass2Vx9Qm4Zr7Hs1Dk8Wn',
} as const;

/** A complete, valid memu `.env` holding `password` (and the canary API keys). */
export function memuEnvText(password: string = CANARY.POSTGRES_PASSWORD, options: { user?: string; db?: string; eol?: string } = {}): string {
  const user = options.user ?? 'memu_production_user';
  const db = options.db ?? 'memu_db';
  const eol = options.eol ?? '\n';
  return [
    '# memu deployment (reliability fixture)',
    `OPENAI_API_KEY=${CANARY.OPENAI_API_KEY}`,
    `OPENROUTER_API_KEY=${CANARY.OPENROUTER_API_KEY}`,
    'OPENROUTER_BASE_URL=https://openrouter.ai/api/v1',
    'OLLAMA_API_BASE_URL=http://192.168.25.165:11434/api',
    `POSTGRES_DB=${db}`,
    `POSTGRES_USER=${user}`,
    `POSTGRES_PASSWORD=${password}`,
    `MEMU_DB_URL=postgresql+psycopg://${user}:${password}@db:5432/${db}`,
    'MEMU_MEMORY_LIMIT=2g',
    'DB_MEMORY_LIMIT=1g',
    '',
  ].join(eol);
}

/** Every 12-character piece of `secret` (step 4): a leak of a fragment counts too. */
export function fragments(secret: string, size = 12): string[] {
  if (secret.length <= size) return [secret];
  const pieces: string[] = [];
  for (let i = 0; i + size <= secret.length; i += 4) pieces.push(secret.slice(i, i + size));
  pieces.push(secret.slice(-size));
  return pieces;
}

/** The first piece of any of `secrets` found in `text`, or undefined. */
export function findLeak(text: string, secrets: Iterable<string>): string | undefined {
  for (const secret of secrets) {
    const piece = fragments(secret).find((f) => text.includes(f));
    if (piece !== undefined) return piece;
  }
  return undefined;
}

/** SHA-256 of a file's bytes (hex). */
export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** What a directory entry is, for before/after comparisons: kind, mode, and the hash of a regular file. */
export interface EntryState {
  kind: 'file' | 'dir' | 'symlink' | 'fifo' | 'other';
  mode: number;
  hash?: string;
  size: number;
}

/** Every entry of `dir` (not recursive) with its kind, mode and content hash. */
export function snapshot(dir: string): Record<string, EntryState> {
  const out: Record<string, EntryState> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'other';
    out[name] = { kind, mode: st.mode & 0o7777, size: st.size, ...(kind === 'file' ? { hash: sha256(path) } : {}) };
  }
  return out;
}

/** Names in `dir` that are envkit temp files (`*.envkit-tmp-*`). */
export function tempsIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.includes('.envkit-tmp-')).sort();
}

/** envkit's working files left in `dir`: temps, the lock, its `.break`, the pending file. */
export function leftovers(dir: string, env = '.env'): string[] {
  return readdirSync(dir)
    .filter((name) => name.includes('.envkit-tmp-') || name === `${env}.envkit-lock` || name === `${env}.envkit-lock.break` || name === `${env}.envkit-pending`)
    .sort();
}

/** Permission bits of a path (lstat). */
export function modeOf(path: string): number {
  return lstatSync(path).mode & 0o7777;
}

/**
 * What is wrong with a memu `.env` text, as a list (empty: complete and valid). Checks that it parses
 * with no problem at all, that every schema key is assigned, that the schema accepts the values, and
 * that MEMU_DB_URL carries exactly POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. Never lists a value.
 */
export function envProblems(text: string): string[] {
  const problems: string[] = [];
  const doc = parseDocument(text);
  for (const p of doc.problems) problems.push(`${p.kind} at line ${p.line}: ${p.message}`);
  for (const key of MEMU_KEYS) if (!doc.has(key)) problems.push(`${key} is missing`);
  const loaded = safeLoadEnv(memuSchema, { text });
  if (!loaded.success) problems.push(`invalid: ${loaded.error.message}`);
  const values = doc.toObject();
  try {
    const url = parsePostgresUrl(values.MEMU_DB_URL ?? '');
    if (url.user !== values.POSTGRES_USER || url.password !== values.POSTGRES_PASSWORD || url.database !== values.POSTGRES_DB) {
      problems.push('MEMU_DB_URL does not match its parts');
    }
  } catch {
    problems.push('MEMU_DB_URL cannot be parsed');
  }
  return problems;
}

/**
 * Whether `next` is `previous` with only `keys` changed (added, changed or removed), everything else
 * byte for byte: the changed keys are put back to their old values (or removed) with the document model,
 * which must give the old text exactly.
 */
export function differsOnlyIn(previous: string, next: string, keys: readonly string[]): boolean {
  const before = parseDocument(previous);
  const after = parseDocument(next);
  for (const key of keys) {
    const old = before.get(key);
    if (old === undefined) after.delete(key, { comment: isUnconfirmedComment });
    else if (after.has(key)) {
      after.set(key, old);
      restoreMark(before, after, key);
    } else return false;
  }
  return after.toString() === previous;
}

/**
 * Put back in `after` the unconfirmed-default mark (the comment init writes above a default it wrote without
 * asking) as `before` had it for `key`: the mark belongs to the key's change (init adds it, set takes it away).
 */
export function restoreMark(before: EnvDocument, after: EnvDocument, key: string): void {
  const mark = before.commentAbove(key);
  const had = mark !== undefined && isUnconfirmedComment(mark);
  const has = isUnconfirmedComment(after.commentAbove(key) ?? '');
  if (had && !has) after.insertCommentAbove(key, mark);
  if (!had && has) after.removeCommentAbove(key, isUnconfirmedComment);
}

/** How to start the CLI. */
export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Run under this umask (through `sh -c 'umask …; exec node …'`). */
  umask?: number;
  /** Run as this user (root only). */
  user?: { uid: number; gid: number };
  /** Kill after this many milliseconds (default 30 s): a hang is a failure, not a stuck suite. */
  timeoutMs?: number;
  /** Extra shell commands before `exec` (e.g. `ulimit -f 8`); implies the shell wrapper. */
  shell?: string;
}

/** A started CLI process. */
export interface Started {
  child: ChildProcess;
  /** `performance.now()` right after spawn. */
  startedAt: number;
  /** Resolves when it exits; `signal` is set when it was killed. `timedOut` when the time limit killed it. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null; timedOut: boolean; ms: number }>;
}

/**
 * Start the built CLI (`CLI_NODE dist/bin.js args…`) in `cwd` with a clean environment: the building block
 * for runs that get killed, or run under an umask or as another user.
 */
export function startCli(cwd: string, args: string[], options: SpawnOptions = {}): Started {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...options.env };
  const prelude = [options.umask === undefined ? '' : `umask ${options.umask.toString(8).padStart(3, '0')};`, options.shell ?? ''].join(' ').trim();
  const [command, argv] =
    prelude === ''
      ? [CLI_NODE, ['--', ENVKIT_BIN, ...args]]
      : ['/bin/sh', ['-c', `${prelude} exec "$0" -- "$@"`, CLI_NODE, ENVKIT_BIN, ...args]];
  const child = spawn(command, argv, {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  const startedAt = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => {
    // killed before it read its stdin
  });
  child.stdin!.end(options.input ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null; timedOut: boolean; ms: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, all: stdout + stderr, timedOut, ms: performance.now() - startedAt });
    });
  });
  return { child, startedAt, done };
}

/** Run the built CLI to the end (see {@link startCli}). */
export function runCli(cwd: string, args: string[], options: SpawnOptions = {}): Started['done'] {
  return startCli(cwd, args, options).done;
}

/** The path exists (without following a symlink). */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return existsSync(path);
  }
}

/**
 * Starts a watcher script (`node <script> ...args <stop file>`): it prints `ready`, watches, and when the
 * stop file appears prints its JSON report and exits. `stop()` makes the stop file and returns the report.
 */
export async function startWatcher<Report>(script: string, args: string[]): Promise<{ stop(): Promise<Report> }> {
  const stopFile = join(scratchDir(), 'stop');
  const child = spawn(process.execPath, [script, ...args, stopFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.startsWith('ready\n')) resolve();
    });
  });
  return {
    async stop() {
      writeFileSync(stopFile, '');
      await closed;
      return JSON.parse(out.slice('ready\n'.length)) as Report;
    },
  };
}

