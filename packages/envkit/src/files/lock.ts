import { linkSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EnvkitError } from '../errors.js';
import { projectFiles, TEMP_MARKER } from './names.js';
import { cleanStaleTemps, errnoReason, errorCode as codeOf, writeNewFile } from './write-file.js';
import { MAX_STATE_BYTES, readRegularFile } from './safe-read.js';
import { shellWord } from '../text/shell-word.js';

/** A held project lock. */
export interface ProjectLock {
  readonly path: string;
  /** Remove the lock if it is still ours. Safe to call twice. */
  release(): void;
}

/** What a lock file says about its holder. Holds no secret. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO 8601 time the lock was taken. */
  startedAt: string;
  /** The command holding it (`rotate`, `set`, …). */
  purpose: string;
  /** Random id of this acquisition, so a release never removes someone else's lock. */
  token: string;
}

/** A takeover of a stale lock lasts microseconds; a `.break` file older than this was left by a crash. */
const BREAK_STALE_MS = 10_000;
/** How long to let another process finish taking over a stale lock (microseconds of work) before answering BUSY. */
const BREAK_SPIN_MS = 100;

/**
 * Take the project lock, or fail at once with `BUSY` naming the holder: envkit never waits for another
 * envkit. The lock file (mode 0600) appears atomically with its content (written to a temp file, then
 * hard-linked into place, which fails if the lock exists), holding pid, hostname, start time and purpose.
 * A lock whose process is gone (same host) is stale and taken over; takeovers are serialised through
 * `${lockPath}.break` so two processes never both break the same stale lock and both win.
 * A lock from another host (a shared volume) is never taken over: its pid cannot be checked from here.
 *
 * @example
 * const lock = acquireLock(files.lock, { purpose: 'rotate' });
 * try { ... } finally { lock.release(); }
 */
export function acquireLock(lockPath: string, options: { purpose?: string } = {}): ProjectLock {
  const mine: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    purpose: options.purpose ?? 'envkit',
    token: randomBytes(12).toString('hex'),
  };
  const text = `${JSON.stringify(mine)}\n`;
  const deadline = Date.now() + BREAK_SPIN_MS;
  for (let attempt = 1; ; attempt++) {
    if (tryCreate(lockPath, text)) return heldLock(lockPath, mine.token);
    const raw = readRaw(lockPath);
    if (raw === undefined) {
      // Released between our attempt and the read: try again, but not forever against a busy crowd.
      if (attempt < 100) continue;
      throw new EnvkitError('BUSY', 'other envkit processes keep taking the lock of this project', {
        hint: 'run the command again when they are done',
        path: lockPath,
      });
    }
    const holder = parseHolder(raw);
    if (holder === undefined) {
      throw new EnvkitError('BUSY', `${lockPath} exists but is not an envkit lock file envkit can read`, {
        hint: `if no envkit is running on this project, remove it: rm ${shellWord(lockPath)}`,
        path: lockPath,
      });
    }
    if (holder.hostname === mine.hostname && holder.pid === process.pid) {
      throw new EnvkitError('BUSY', `this process already holds the lock of this project (${holder.purpose}, since ${holder.startedAt})`, {
        hint: 'release the lock before taking it again (envkit locks are not re-entrant)',
        path: lockPath,
      });
    }
    if (holder.hostname !== mine.hostname || processAlive(holder.pid)) throw busy(lockPath, holder, mine.hostname);
    const outcome = breakStale(lockPath, raw);
    if (outcome === 'retry') continue;
    // Another process is taking the stale lock over right now; give it a moment, then report its result.
    if (Date.now() > deadline) {
      throw new EnvkitError('BUSY', `another envkit is taking over the stale lock of this project`, {
        hint: `run the command again; if this persists, remove ${lockPath}.break and ${lockPath}`,
        path: lockPath,
      });
    }
    sleep(5);
  }
}

/**
 * Run `fn` holding the project lock; the lock is released however `fn` ends.
 *
 * @example
 * const result = withLock(files.lock, 'set', () => applyEdit(...));
 */
export function withLock<T>(lockPath: string, purpose: string, fn: () => T): T {
  const lock = acquireLock(lockPath, { purpose });
  try {
    sweepStaleFiles(lockPath);
    return fn();
  } finally {
    lock.release();
  }
}

/** {@link withLock} for an async `fn` (a rotation that talks to the database): released when it settles. */
export async function withLockAsync<T>(lockPath: string, purpose: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireLock(lockPath, { purpose });
  try {
    sweepStaleFiles(lockPath);
    return await fn();
  } finally {
    lock.release();
  }
}

/** The suffix of a project lock beside its env file (`.env.envkit-lock`). */
const LOCK_SUFFIX = '.envkit-lock';

/**
 * Remove what killed envkit runs left behind, while holding the lock: the temp files of every file envkit
 * writes beside the env file (`.env`, the pending file, the backup, `.env.example`, `.gitignore` — a killed
 * write leaves `<file>.envkit-tmp-*`, some holding secrets), and temp files of the lock itself whose process
 * is gone. Holding the lock means no other envkit is writing those files, so their temps are stale; a lock
 * temp is written before its process holds anything, so it is removed only when its process is dead.
 * Returns the paths removed. {@link withLock} and {@link withLockAsync} call it.
 */
export function sweepStaleFiles(lockPath: string): string[] {
  const removed: string[] = [];
  if (lockPath.endsWith(LOCK_SUFFIX)) {
    const files = projectFiles(lockPath.slice(0, -LOCK_SUFFIX.length));
    for (const target of [files.env, files.pending, files.backup, files.example, join(dirname(files.env), '.gitignore')]) {
      for (const path of cleanStaleTemps(target)) removed.push(path);
    }
  }
  // A .break left by a process killed while taking over a stale lock.
  const breaker = `${lockPath}.break`;
  try {
    const raw = readRaw(breaker);
    if (raw !== undefined && breakerGone(raw) && readRaw(breaker) === raw) {
      unlinkSync(breaker);
      removed.push(breaker);
    }
  } catch {
    // none (the usual case), or gone meanwhile
  }
  // Temps of the lock and of its .break carry their pid in the name (and the host in the content).
  const prefixes = [basename(lockPath) + TEMP_MARKER, `${basename(lockPath)}.break${TEMP_MARKER}`];
  let names: string[];
  try {
    names = readdirSync(dirname(lockPath)).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  } catch {
    return removed;
  }
  const host = hostname();
  for (const name of names) {
    const path = join(dirname(lockPath), name);
    const prefix = prefixes.find((p) => name.startsWith(p))!;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    try {
      let owner: unknown = host;
      try {
        owner = (JSON.parse(readRaw(path) ?? '') as { hostname?: unknown }).hostname ?? host;
      } catch {
        // empty (killed before writing) or not JSON: the pid in the name decides
      }
      if (owner === host && !processAlive(pid)) {
        unlinkSync(path);
        removed.push(path);
      }
    } catch {
      // gone meanwhile (its process linked and removed it): not ours to judge
    }
  }
  return removed;
}

/**
 * Who holds the lock, if anyone: for a caller that wants to say who is working on the project without
 * taking the lock (acquireLock's BUSY error already names the holder). `undefined` when there is no lock
 * file; throws `BUSY` for a lock file that cannot be parsed.
 */
export function readLock(lockPath: string): LockHolder | undefined {
  const raw = readRaw(lockPath);
  if (raw === undefined) return undefined;
  const holder = parseHolder(raw);
  if (holder === undefined) {
    throw new EnvkitError('BUSY', `${lockPath} exists but is not an envkit lock file envkit can read`, {
      hint: `if no envkit is running on this project, remove it: rm ${shellWord(lockPath)}`,
      path: lockPath,
    });
  }
  return holder;
}

function heldLock(path: string, token: string): ProjectLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const raw = readRaw(path);
      // Only our own lock is removed: after a (wrong) takeover the file belongs to someone else.
      if (raw !== undefined && parseHolder(raw)?.token === token) {
        try {
          unlinkSync(path);
        } catch (error) {
          if (codeOf(error) !== 'ENOENT') throw lockError(error, path, 'remove');
        }
      }
    },
  };
}

/** Create the lock with its full content in one step; false if it exists. */
function tryCreate(lockPath: string, text: string): boolean {
  // The pid in the name lets sweepStaleFiles tell a dead process's temp even when it died before writing.
  const temp = `${lockPath}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    writeNew(temp, text);
  } catch (error) {
    throw lockError(error, lockPath, 'create');
  }
  try {
    linkSync(temp, lockPath);
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // A file system without hard links: O_EXCL directly (a crash mid-write leaves an unreadable lock,
      // reported with the command that removes it).
      try {
        writeNew(lockPath, text);
        return true;
      } catch (fallback) {
        if (codeOf(fallback) === 'EEXIST') return false;
        throw lockError(fallback, lockPath, 'create');
      }
    }
    throw lockError(error, lockPath, 'create');
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

/** The lock (or a temp of it) with its content, created exclusively, mode 0600: the writer's own first step. */
function writeNew(path: string, text: string): void {
  writeNewFile(path, text, 0o600);
}

/**
 * Remove a stale lock whose content is still `staleRaw`, inside the `.break` mutex.
 * 'retry': the lock is gone (or changed); try to take it. 'wait': someone else is breaking it.
 */
function breakStale(lockPath: string, staleRaw: string): 'retry' | 'wait' {
  const breaker = `${lockPath}.break`;
  // Created like the lock (content first, then a hard link), so a breaker killed mid-takeover is recognised
  // as dead at once by its pid instead of blocking the project until it is BREAK_STALE_MS old.
  if (!tryCreate(breaker, `${JSON.stringify({ pid: process.pid, hostname: hostname() })}\n`)) {
    let raw: string | undefined;
    let stale: boolean;
    try {
      raw = readRaw(breaker);
      if (raw === undefined) return 'retry';
      stale = breakerGone(raw) || Date.now() - statSync(breaker).mtimeMs > BREAK_STALE_MS;
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return 'retry';
      throw error instanceof EnvkitError ? error : lockError(error, breaker, 'read');
    }
    if (!stale) return 'wait';
    try {
      // Only the breaker judged dead: one that replaced it meanwhile stays.
      if (readRaw(breaker) === raw) unlinkSync(breaker);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw lockError(error, breaker, 'remove');
    }
    return 'retry';
  }
  try {
    if (readRaw(lockPath) === staleRaw) unlinkSync(lockPath);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw lockError(error, lockPath, 'remove');
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      // removed as stale by someone else: nothing left to do
    }
  }
  return 'retry';
}

/** A `.break` file whose process is gone (this host only; an older envkit wrote just the pid). */
function breakerGone(raw: string): boolean {
  let pid: unknown;
  let host: unknown = hostname();
  try {
    const data = JSON.parse(raw) as unknown;
    if (typeof data === 'number') pid = data;
    else if (typeof data === 'object' && data !== null) ({ pid, hostname: host } = data as { pid?: unknown; hostname?: unknown });
  } catch {
    return false;
  }
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 && host === hostname() && !processAlive(pid);
}

/**
 * The text of the lock (or its `.break`, or a temp of either), `undefined` when there is none. Read safely
 * (readRegularFile): a FIFO, device or symlink planted there is refused at once instead of hanging or reading
 * without end, and so is a lock that is not the user's own or that others may write — its holder would
 * decide whether this envkit waits or breaks it.
 */
function readRaw(path: string): string | undefined {
  try {
    return readRegularFile(path, { maxBytes: MAX_STATE_BYTES, trusted: true })?.bytes.toString('utf8');
  } catch (error) {
    if (!(error instanceof EnvkitError)) throw lockError(error, path, 'read');
    // "<path> is a named pipe (FIFO); ..." → what is wrong, with the fix for a lock: remove it.
    const what = error.message.startsWith(`${path} `) ? error.message.slice(path.length + 1) : error.message;
    throw new EnvkitError('FILE', `${path} exists but is not an envkit lock file envkit can use: it ${what}`, {
      hint: `if no envkit is running on this project, remove it: rm ${shellWord(path)}`,
      path,
      cause: error,
    });
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { pid, hostname: host, startedAt, purpose, token } = data as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || typeof startedAt !== 'string' || typeof purpose !== 'string' || typeof token !== 'string') return undefined;
  return { pid, hostname: host, startedAt, purpose, token };
}

/** Signal 0 checks existence only. EPERM: the process exists but belongs to another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

function busy(lockPath: string, holder: LockHolder, host: string): EnvkitError {
  const here = holder.hostname === host;
  const who = here ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.hostname}`;
  return new EnvkitError('BUSY', `another envkit (${who}, ${holder.purpose}, since ${holder.startedAt}) is working on this project`, {
    hint: here
      ? `wait for it to finish and run the command again; if pid ${holder.pid} is not envkit (a reused pid), remove ${lockPath}`
      : `wait for it to finish; envkit cannot check a process on ${holder.hostname} from ${host}: if it is gone, remove ${lockPath}`,
    path: lockPath,
  });
}

function lockError(error: unknown, path: string, action: 'create' | 'read' | 'remove'): EnvkitError {
  const code = codeOf(error) ?? 'unknown error';
  const dir = dirname(path);
  // Said in words, with the writer's own errno table: a bare errno is not a clear error.
  const known = errnoReason(code, dir, `envkit keeps its lock beside the env file, so it needs write permission on ${dir}`);
  const [reason, hint] = known ? [known.reason, known.hint] : [`(${code})`, 'check the project directory and run the command again'];
  const message = reason.startsWith('(') ? `cannot ${action} the lock file ${path} ${reason}` : `cannot ${action} the lock file ${path}: ${reason}`;
  // Creating or reading happens before the lock is held, so nothing has been touched yet.
  return new EnvkitError('FILE', action === 'remove' ? message : `${message}; nothing was changed`, { hint, path, cause: error });
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
