import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { EnvkitError } from '../errors.js';
import { TEMP_MARKER } from './names.js';
import { shellWord } from '../text/shell-word.js';
import { notRegularFile, readRegularFile, type SafeReadOptions } from './safe-read.js';

/** What {@link writeFileAtomic} did. */
export interface WriteResult {
  /** The path as given. */
  path: string;
  /** The file did not exist before. */
  created: boolean;
  /** Something on disk changed (content or mode). `false` means nothing was written at all. */
  changed: boolean;
  /** A secret file existed with another mode (e.g. 0644) and now has the requested one. */
  modeFixed: { from: number; to: number } | undefined;
}

/** Options of {@link writeFileAtomic}. */
export interface WriteOptions {
  /**
   * Permission bits of the file (e.g. `0o600`), set explicitly so the umask does not matter.
   * For a file that is not `secret` this is the mode of a new file only; an existing one keeps its own.
   */
  mode: number;
  /** The file holds secrets: it always ends up with exactly `mode`, whatever it had before. */
  secret?: boolean;
}

/**
 * The one audited file writer. Writes `data` to `path` so that a reader (or a crash) sees either the old
 * file or the new one, never a mix, and a secret never exists on disk with a looser mode:
 * a temp file `${path}.envkit-tmp-<random>` is created in the same directory with `O_EXCL` and the mode,
 * the mode is set again with `fchmod` (umask-proof), the data written and fsynced, the temp renamed over
 * `path` and the directory fsynced. On any failure the temp is removed and `path` is untouched.
 *
 * Refuses (`FILE`) a symlink, directory, FIFO or any other non-regular file at `path` before writing
 * anything: symlinks are never followed. Writes nothing when the content and mode are already right.
 * When the existing file belongs to another user (envkit run as root on a user's project), ownership is
 * carried over where the OS allows it; otherwise the new file belongs to the user running envkit.
 *
 * @example
 * const r = writeFileAtomic('/srv/memu/.env.example', text, { mode: 0o644 });
 * if (r.changed) console.log('updated', r.path);
 */
export function writeFileAtomic(path: string, data: string, options: WriteOptions): WriteResult {
  const { mode } = options;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new EnvkitError('USAGE', `invalid file mode ${String(mode)} for ${path}`, { hint: 'give permission bits such as 0o600', path });
  }
  const secret = options.secret ?? false;
  const before = inspectTarget(path, secret);
  const bytes = Buffer.from(data, 'utf8');

  if (before === undefined) {
    replaceFile(path, bytes, mode, undefined);
    return { path, created: true, changed: true, modeFixed: undefined };
  }
  const oldMode = before.stat.mode & 0o7777;
  const newMode = secret ? mode : oldMode;
  if (before.content !== undefined && before.content.equals(bytes) && oldMode === newMode) {
    return { path, created: false, changed: false, modeFixed: undefined };
  }
  replaceFile(path, bytes, newMode, before.stat);
  return { path, created: false, changed: true, modeFixed: oldMode === newMode ? undefined : { from: oldMode, to: newMode } };
}

/**
 * Write a file that holds secrets: always mode 0600, from creation on.
 * Same as `writeFileAtomic(path, data, { mode: 0o600, secret: true })`.
 */
export function writeSecretFile(path: string, data: string): WriteResult {
  return writeFileAtomic(path, data, { mode: 0o600, secret: true });
}

/** Options of {@link readTextFile}: see {@link SafeReadOptions} (symlinks refused, 64 MiB, ownership not checked by default). */
export type ReadOptions = SafeReadOptions;

/**
 * Read a UTF-8 text file. Returns `undefined` if it does not exist. Throws `FILE` for a symlink (unless
 * `followSymlinks`), a directory, FIFO or device, a file larger than `maxBytes` (64 MiB), one that is not the
 * user's own when `trusted`, an unreadable file or bytes that are not UTF-8 — naming the path and the fix,
 * never the content; never hangs (see readRegularFile). A byte order mark is kept, so the text round-trips.
 */
export function readTextFile(path: string, options: ReadOptions = {}): string | undefined {
  const read = readRegularFile(path, options);
  if (read === undefined) return undefined;
  const buffer = read.bytes;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buffer);
  } catch {
    const at = firstInvalidUtf8(buffer);
    // The copy is made under umask 077 (it holds the file's secrets; mv keeps its mode), and replaces the file only
    // when iconv succeeded.
    const [from, to] = [shellWord(path), shellWord(`${path}.utf8`)];
    throw new EnvkitError('FILE', `${path}:${at.line}:${at.column}: the bytes here are not valid UTF-8 text`, {
      hint: `envkit reads env files as UTF-8; convert it, e.g. (umask 077 && iconv -f latin1 -t utf-8 ${from} > ${to}) && mv ${to} ${from}`,
      path,
    });
  }
  if (tooManyLines(text)) {
    throw new EnvkitError('FILE', `${path} has more than ${MAX_TEXT_LINES.toLocaleString('en-US')} lines, more than envkit reads here; nothing was changed`, {
      hint: `check that ${path} is the file you mean (wc -l ${path}); envkit does not read a file this long`,
      path,
    });
  }
  return text;
}

/**
 * The most lines envkit reads of a text file: every check and edit is linear in them, and this bounds the time
 * and memory of one (a memu .env has about 50).
 */
export const MAX_TEXT_LINES = 1_000_000;

function tooManyLines(text: string): boolean {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > MAX_TEXT_LINES) return true;
  // A file of CR line endings alone (old Mac) has no LF to count.
  if (lines === 0) for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (++lines > MAX_TEXT_LINES) return true;
  return false;
}

/**
 * Line and column (counted as the .env parser counts them: LF, CR, CRLF, U+2028/9 end a line; a BOM takes
 * no column) of the first byte sequence that is not UTF-8, following the rules of `TextDecoder` (no
 * overlong forms, no surrogates, nothing above U+10FFFF). Only called once decoding has failed.
 */
function firstInvalidUtf8(bytes: Uint8Array): { line: number; column: number } {
  let i = 0;
  scan: while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) break;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= need; k++) {
      const d = bytes[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) break scan;
    }
    i += need + 1;
  }
  const before = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes.subarray(0, i));
  let line = 1;
  let start = 0;
  for (let j = 0; j < before.length; j++) {
    const ch = before.charCodeAt(j);
    if (ch === 0x0d && before.charCodeAt(j + 1) === 0x0a) continue;
    if (ch === 0x0a || ch === 0x0d || ch === 0x2028 || ch === 0x2029) {
      line++;
      start = j + 1;
    }
  }
  return { line, column: before.length - start + 1 };
}

/**
 * Remove `${target}.envkit-tmp-*` files left behind by a killed envkit. Call it only while holding the
 * project lock, so no live writer's temp is removed. Returns the paths removed.
 */
export function cleanStaleTemps(target: string): string[] {
  const dir = dirname(target);
  const prefix = basename(target) + TEMP_MARKER;
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.startsWith(prefix) && name.length > prefix.length);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw fileError(error, dir, 'read');
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (lstatSync(path).isDirectory()) continue;
      unlinkSync(path);
      removed.push(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw fileError(error, path, 'remove');
    }
  }
  return removed;
}

/** The existing target, if any: its lstat and its bytes (`undefined` when unreadable). */
function inspectTarget(path: string, secret: boolean): { stat: Stats; content: Buffer | undefined } | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw fileError(error, path, 'write');
  }
  if (!stat.isFile()) throw notRegularFile(path, stat, secret ? 'write-secret' : 'write');
  let content: Buffer | undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    content = readFileSync(fd);
  } catch {
    // Unreadable (or gone): treat as different and let the write itself succeed or fail with a clear error.
    content = undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { stat, content };
}

/** Temp file, explicit mode, write, fsync, rename, fsync the directory; the temp never outlives a failure. */
function replaceFile(path: string, bytes: Buffer, mode: number, previous: Stats | undefined): void {
  const dir = dirname(path);
  const temp = `${path}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
  let renamed = false;
  let stage: Stage = 'create';
  try {
    writeNewFile(temp, bytes, mode, {
      sync: true,
      onOpen(fd) {
        stage = 'write';
        if (previous !== undefined) keepOwner(fd, previous);
      },
    });
    stage = 'rename';
    renameSync(temp, path);
    renamed = true;
  } catch (error) {
    throw fileError(error, path, stage);
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // ENOENT when open() itself failed
      }
    }
  }
  syncDirectory(dir, path);
}

/**
 * Create `path`, which must not exist (`O_EXCL`), with exactly `mode` (fchmod after open: the umask does not
 * filter it) and `data`, fsynced when `sync`. A file that could not be written completely is removed: a
 * half-written file is never left behind. Throws the OS error as it is (`EEXIST` when the file exists), for
 * the caller to map ({@link fileError}); the shared step of the atomic writer's temp file and the project lock.
 */
export function writeNewFile(path: string, data: string | Buffer, mode: number, options: { sync?: boolean; onOpen?: (fd: number) => void } = {}): void {
  const fd = openSync(path, 'wx', mode);
  let written = false;
  try {
    options.onOpen?.(fd);
    fchmodSync(fd, mode);
    writeFileSync(fd, data);
    if (options.sync) fsyncSync(fd);
    written = true;
  } finally {
    closeSync(fd);
    if (!written) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }
}

/** Keep the previous owner when envkit runs as another user (root); silently impossible otherwise. */
function keepOwner(fd: number, previous: Stats): void {
  const mine = fstatSync(fd);
  if (mine.uid === previous.uid && mine.gid === previous.gid) return;
  try {
    fchownSync(fd, previous.uid, previous.gid);
  } catch {
    // EPERM for an ordinary user: the file then belongs to the user who ran envkit.
  }
}

/** Make the rename itself durable. File systems that cannot fsync a directory are skipped. */
function syncDirectory(dir: string, path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP') {
      throw new EnvkitError('FILE', `${path} was written but its directory could not be flushed to disk (${code ?? 'error'})`, {
        hint: 'check the disk (dmesg) and run the command again',
        path,
        cause: error,
      });
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

type Stage = 'create' | 'write' | 'rename' | 'read' | 'remove';

/**
 * What an OS error code means for a file in `dir`, in words, with the fix: the one errno table of envkit's
 * file writes (the writer, the lock). `needs` says why envkit needs write permission on `dir` (its
 * temp files, its lock). `undefined` for a code without words of its own.
 */
export function errnoReason(code: string | undefined, dir: string, needs: string): { reason: string; hint: string; unchanged: boolean } | undefined {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission denied', hint: `${needs}; check \`ls -ld ${dir}\` and run envkit as the owner of the project`, unchanged: true };
    case 'EROFS':
      return { reason: 'the file system is read-only', hint: 'remount it read-write, or run envkit where the project is writable', unchanged: true };
    case 'ENOSPC':
    case 'EDQUOT':
      return { reason: 'no space left on the device (disk or quota full)', hint: `free some space on the file system holding ${dir} (df -h ${dir}) and run the command again`, unchanged: true };
    case 'ENOENT':
      return { reason: `the directory ${dir} does not exist`, hint: `create it (mkdir -p ${dir}) or give envkit the right path`, unchanged: false };
    case 'ENOTDIR':
      return { reason: 'a part of the path is not a directory', hint: 'check the path', unchanged: false };
    case 'EIO':
      return { reason: 'input/output error', hint: 'the disk reported an error; check it (dmesg) before trying again', unchanged: true };
    default:
      return undefined;
  }
}

/** The OS error code of `error`, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Map an OS error to a message that names the path and a fix. OS messages never hold file content. */
function fileError(error: unknown, path: string, stage: Stage): EnvkitError {
  const code = errorCode(error);
  const dir = dirname(path);
  const writing = stage === 'create' || stage === 'write' || stage === 'rename';
  const unchanged = writing ? `; ${path} was not changed` : '';
  const verb = writing ? 'write' : stage;
  if (!writing && (code === 'EACCES' || code === 'EPERM')) {
    return new EnvkitError('FILE', `cannot ${stage} ${path}: permission denied`, { hint: `check \`ls -l ${path}\` and run envkit as the file's owner`, path, cause: error });
  }
  const known = errnoReason(code, dir, `envkit writes through a temporary file in the same directory, so it needs write permission on ${dir} itself`);
  if (known === undefined) {
    return new EnvkitError('FILE', `cannot ${verb} ${path} (${code ?? 'unknown error'})${unchanged}`, { hint: 'check the file and its directory, then run the command again', path, cause: error });
  }
  return new EnvkitError('FILE', `cannot ${verb} ${path}: ${known.reason}${known.unchanged ? unchanged : ''}`, { hint: known.hint, path, cause: error });
}
