import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** An index larger than this is left to git: reading it here would cost what starting git costs. */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;
/** The trailing checksum: SHA-1 (a SHA-256 repository declares extensions.objectFormat, which goes to git). */
const HASH_BYTES = 20;

/**
 * The paths in the repository's index (`.git/index`), as their bytes in latin1 (one character per byte);
 * none when there is no index (a new repository: nothing tracked). `undefined` when git must read it: not a
 * regular file, larger than a few MB, a signature other than `DIRC`, a version other than 2, 3 or 4, an entry
 * or extension that does not fit, or a required extension (a signature not starting with A–Z: `link` of a
 * split index, `sdir` of a sparse index). Layout: gitformat-index(5). The checksum is not verified: git does
 * not verify it either when it reads the index for a command like ls-files.
 */
export function readIndexPaths(gitDir: string): string[] | undefined {
  const path = join(gitDir, 'index');
  let data: Buffer;
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return [];
    if (!stats.isFile() || stats.size > MAX_INDEX_BYTES) return undefined;
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  if (data.length < 12 + HASH_BYTES || data.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const end = data.length - HASH_BYTES;
  const paths: string[] = [];
  let at = 12;
  for (let count = data.readUInt32BE(8); count > 0; count--) {
    const entry = readEntry(data, at, end, version, paths[paths.length - 1] ?? '');
    if (entry === undefined) return undefined;
    paths.push(entry.path);
    at = entry.next;
  }
  // Extensions: a 4-byte signature, a 4-byte size, the data; git ignores an optional one it does not know.
  while (at + 8 <= end) {
    const first = data[at]!;
    if (first < 0x41 || first > 0x5a) return undefined;
    at += 8 + data.readUInt32BE(at + 4);
  }
  return at === end ? paths : undefined;
}

/**
 * One entry from `at`: 40 bytes of stat data, the object name, 16 bits of flags (the low 12 the name's length,
 * 0xFFF for a longer one), 16 bits of extended flags in version 3 and later when the extended bit is set, then
 * the path: NUL-padded to a multiple of 8 bytes in versions 2 and 3; in version 4 a varint of how many bytes to
 * drop from the end of the previous path, then the rest, NUL-terminated.
 */
function readEntry(data: Buffer, at: number, end: number, version: number, previous: string): { path: string; next: number } | undefined {
  const flagsAt = at + 40 + HASH_BYTES;
  if (flagsAt + 2 > end) return undefined;
  const flags = data.readUInt16BE(flagsAt);
  const extended = (flags & 0x4000) !== 0;
  if (extended && version < 3) return undefined;
  const nameAt = flagsAt + 2 + (extended ? 2 : 0);
  const length = flags & 0xfff;
  let path: string;
  let next: number;
  if (version === 4) {
    let p = nameAt;
    let byte = data[p++] ?? 0;
    let drop = byte & 0x7f;
    while (byte & 0x80) {
      if (p >= end || drop > 0xffff) return undefined;
      byte = data[p++]!;
      drop = ((drop + 1) << 7) | (byte & 0x7f);
    }
    const nul = data.indexOf(0, p);
    if (nul < 0 || nul >= end || drop > previous.length) return undefined;
    path = previous.slice(0, previous.length - drop) + data.toString('latin1', p, nul);
    next = nul + 1;
  } else {
    const nul = data.indexOf(0, nameAt);
    if (nul < 0 || nul >= end) return undefined;
    path = data.toString('latin1', nameAt, nul);
    next = at + ((nameAt - at + path.length + 8) & ~7);
  }
  if ((length < 0xfff && path.length !== length) || next > end) return undefined;
  return { path, next };
}
