import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { EnvkitError } from '../errors.js';
import { shellWord } from '../text/shell-word.js';

/** The most envkit reads of an env file, example, `.gitignore` or compose file: far above any real one. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;
/** The most envkit reads of one of its own small working files (the lock, its `.break`, a pending rotation). */
export const MAX_STATE_BYTES = 64 * 1024;

/** Options of {@link readRegularFile}. */
export interface SafeReadOptions {
  /** Read through a symlink (a loader reading mounted secrets may). Default `false`: a symlink is refused. */
  followSymlinks?: boolean;
  /** Refuse a file larger than this many bytes (default {@link MAX_TEXT_BYTES}). */
  maxBytes?: number;
  /**
   * The file steers what envkit does (a pending rotation, the lock): refuse it unless it belongs to the user
   * running envkit and no one else may write it (see {@link untrustedReason}).
   */
  trusted?: boolean;
}

/**
 * Read a file without ever hanging or reading without bound: opened with `O_NOFOLLOW|O_NONBLOCK` (a symlink
 * or FIFO swapped in after a check cannot redirect or block the read), checked with `fstat` to be a regular
 * file, its size checked against `maxBytes` before and while reading (a file that grows is cut off, not
 * followed). Returns `undefined` when there is no file. Throws `FILE` naming the path, what is there and the
 * fix; never the content.
 *
 * @example
 * const lock = readRegularFile(files.lock, { maxBytes: MAX_STATE_BYTES, trusted: true });
 */
export function readRegularFile(path: string, options: SafeReadOptions = {}): { bytes: Buffer; stat: Stats } | undefined {
  const follow = options.followSymlinks ?? false;
  const max = options.maxBytes ?? MAX_TEXT_BYTES;
  let fd: number | undefined;
  try {
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (follow ? 0 : constants.O_NOFOLLOW));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') {
        // A dangling symlink opened with follow: say so rather than "missing".
        if (follow && lstatIfAny(path)?.isSymbolicLink()) {
          throw new EnvkitError('FILE', `${path} is a symlink to a file that does not exist`, { hint: `fix or remove the link (readlink ${path})`, path });
        }
        return undefined;
      }
      // O_NOFOLLOW on a symlink: ELOOP (Linux), EMLINK (FreeBSD), EFTYPE (NetBSD).
      if (code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE') throw notRegularFile(path, lstatSync(path), 'read');
      // A directory opened read-only works on Linux and fails elsewhere; a socket fails to open at all.
      const there = lstatIfAny(path);
      if (there !== undefined && !there.isFile() && !(follow && there.isSymbolicLink())) throw notRegularFile(path, there, 'read');
      throw readError(error, path);
    }
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegularFile(path, stat, 'read');
    if (options.trusted) {
      const reason = untrustedReason(stat);
      if (reason) throw untrusted(path, reason);
    }
    if (stat.size > max) throw tooLarge(path, max);
    // Sized by fstat, grown (up to max + 1, which proves "too large") if the file grows while it is read.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, max) + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > max) throw tooLarge(path, max);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, max + 1));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > max) throw tooLarge(path, max);
    return { bytes: buffer.subarray(0, total), stat };
  } catch (error) {
    if (error instanceof EnvkitError) throw error;
    throw readError(error, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Why a file envkit acts on may have been planted or changed by someone else, or `undefined`: it belongs to
 * another user than the one running envkit, or its group or others may write it. (A file of root's is not
 * trusted by an ordinary user either: envkit's own files belong to whoever ran it.)
 */
export function untrustedReason(stat: Stats): string | undefined {
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return `it belongs to uid ${stat.uid}, not to you (uid ${uid})`;
  if ((stat.mode & 0o022) !== 0) return `its mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')} lets ${stat.mode & 0o002 ? 'every user' : 'the group'} change it`;
  return undefined;
}

/**
 * Why the project directory lets other users replace or plant the files envkit keeps there, or `undefined`:
 * it is writable by every user (a sticky bit still lets them create a pending file or lock that is not there yet).
 */
export function openDirectoryReason(stat: Stats): string | undefined {
  if ((stat.mode & 0o002) === 0) return undefined;
  return `its mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')} lets every user create, ${stat.mode & 0o1000 ? 'plant' : 'replace or plant'} files in it`;
}

/** `lstat` of `path`, or `undefined` when nothing (or nothing reachable) is there. */
export function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What a file that is not regular is, in words: "a symlink", "a named pipe (FIFO)", … */
export function fileKind(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symlink';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** The `FILE` error for a path that is not a regular file; shared with the writer, which refuses the same. */
export function notRegularFile(path: string, stat: Stats, use: 'read' | 'write' | 'write-secret'): EnvkitError {
  const kind = fileKind(stat);
  const what =
    use === 'write-secret' ? 'envkit writes secrets only to a regular file' : use === 'write' ? 'envkit writes only to a regular file' : 'envkit reads only a regular file here';
  const hint = stat.isSymbolicLink()
    ? `replace the link by the file it points to (cp --remove-destination "$(readlink -f ${shellWord(path)})" ${shellWord(path)}), or give envkit the real path`
    : stat.isDirectory()
      ? `move the directory away; envkit needs a regular file at ${path}`
      : `remove it (rm ${shellWord(path)}) so envkit can create a regular file, or give envkit another path`;
  return new EnvkitError('FILE', `${path} is ${kind}; ${what}`, { hint, path });
}

function untrusted(path: string, reason: string): EnvkitError {
  return new EnvkitError('FILE', `${path} cannot be trusted: ${reason}; envkit does not act on a file someone else could have written`, {
    hint: `check what it holds and who wrote it (ls -l ${shellWord(path)}); if it is yours, \`chown $(id -u) ${shellWord(path)} && chmod 600 ${shellWord(path)}\`, else remove it`,
    path,
  });
}

function tooLarge(path: string, max: number): EnvkitError {
  const size = max >= 1024 * 1024 ? `${max / 1024 / 1024} MiB` : `${max / 1024} KiB`;
  return new EnvkitError('FILE', `${path} is larger than ${size}, more than envkit reads here; nothing was changed`, {
    hint: `check that ${path} is the file you mean (ls -l ${path}); envkit does not read a file this large`,
    path,
  });
}

function readError(error: unknown, path: string): EnvkitError {
  const code = errorCode(error);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EIO' ? 'input/output error' : `(${code ?? 'unknown error'})`;
  return new EnvkitError('FILE', `cannot read ${path}${why.startsWith('(') ? ' ' : ': '}${why}`, {
    hint: code === 'EACCES' || code === 'EPERM' ? `check \`ls -l ${path}\` and run envkit as the file's owner` : 'check the file and its directory, then run the command again',
    path,
    cause: error,
  });
}
