import { isUtf8 } from 'node:buffer';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import ignore, { type Ignore } from 'ignore';

/**
 * The ignore rules git applies to one path (gitignore(5)), in its order of precedence: the `.gitignore` of
 * each directory from the path's own up to the top of the work tree, `$GIT_DIR/info/exclude`, the global
 * excludes file. `perDirectory[k]` is the `.gitignore` of the directory `k` levels below the top (`null`:
 * none); the other files follow in `files`, highest precedence first.
 */
export interface IgnoreSources {
  perDirectory: Array<Ignore | null>;
  files: Ignore[];
}

/**
 * A larger file of patterns is left to git: newer git skips one over 100 MiB ("ignoring excessively large
 * pattern file"), older git reads it, and reading one here would cost more than starting git.
 */
const MAX_PATTERN_BYTES = 1024 * 1024;

/**
 * A file of patterns, parsed by `ignore` (node-ignore: gitignore(5)'s pattern syntax, checked against git by
 * its own tests), case-sensitive as git is without core.ignoreCase. `null` when there is none. `undefined`
 * (ask git) when it cannot be read as git reads it: larger than 1 MiB, not a regular file (a `.gitignore` that is a symlink git
 * refuses to follow: `nofollow`), unreadable, not UTF-8 (git matches bytes, `ignore` characters), or with a
 * NUL byte (git reads a pattern up to it), or a pattern `ignore` is known to read otherwise (see
 * {@link readsAsGit}). git skips a UTF-8 byte order mark at the start, as done here.
 */
export function readPatterns(path: string, nofollow: boolean): Ignore | null | undefined {
  let text: string;
  try {
    const stats = (nofollow ? lstatSync : statSync)(path, { throwIfNoEntry: false });
    if (stats === undefined) return null;
    if (!stats.isFile() || stats.size > MAX_PATTERN_BYTES) return undefined;
    const bytes = readFileSync(path);
    if (!isUtf8(bytes)) return undefined;
    text = bytes.toString('utf8');
    if (text.includes('\0')) return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? null : undefined;
  }
  if (!text.split('\n').every(readsAsGit)) return undefined;
  return ignore({ ignorecase: false }).add(text.startsWith('\uFEFF') ? text.slice(1) : text);
}

/**
 * Whether `ignore` reads the pattern line as git does, as far as is known. A run of two or more asterisks is a
 * globstar for both when it fills a path segment (gitignore(5): at the start or after a slash, and at the end
 * or before one); git also takes `a**` before a slash, or a run beside an escaped slash, as one, where `ignore`
 * reads plain stars (its README, "Known differences from git"; the differential test found the first).
 */
function readsAsGit(line: string): boolean {
  if (!line.includes('**') || line.startsWith('#')) return true;
  const pattern = line.replace(/\r$/, '');
  for (const run of pattern.matchAll(/\*{2,}/g)) {
    const start = run.index;
    const end = start + run[0].length;
    const opens = start === 0 || (start === 1 && pattern[0] === '!') || (pattern[start - 1] === '/' && pattern[start - 2] !== '\\');
    const closes = end === pattern.length || pattern[end] === '/' || /^ +$/.test(pattern.slice(end));
    if (!opens || !closes) return false;
  }
  return true;
}

/**
 * Whether git ignores `path` (relative to the top, `/`-separated; a file, or missing), `undefined` when `ignore`
 * cannot tell it exactly. Each directory on the way down is checked first, with the rules of the directories
 * above it: once one is excluded, so is everything below it, and no rule can re-include a file there. For each
 * path the first source (in precedence order) with a pattern that matches decides, by its last such pattern.
 */
export function isIgnored(sources: IgnoreSources, path: string): boolean | undefined {
  const parts = path.split('/');
  for (let depth = 1; depth <= parts.length; depth++) {
    const verdict = decide(sources, parts, depth);
    if (verdict !== false) return verdict;
  }
  return false;
}

/** The verdict on the first `depth` parts of the path (a directory when more parts follow). */
function decide(sources: IgnoreSources, parts: string[], depth: number): boolean | undefined {
  const directory = depth < parts.length;
  for (let level = depth - 1; level >= 0; level--) {
    const rules = sources.perDirectory[level];
    if (!rules) continue;
    const verdict = match(rules, parts.slice(level, depth), directory);
    if (verdict !== null) return verdict;
  }
  for (const rules of sources.files) {
    const verdict = match(rules, parts.slice(0, depth), directory);
    if (verdict !== null) return verdict;
  }
  return false;
}

/**
 * What one source says of a path (its parts below the source's directory): true (excluded), false (a negative
 * pattern matches it), null (no pattern matches it). `ignore` answers for a path whose parent directory it
 * ignores with that directory's verdict; git, when the parent was let through by a source of higher precedence,
 * matches the path itself: that case is left to git.
 */
function match(rules: Ignore, parts: string[], directory: boolean): boolean | null | undefined {
  const parent = parts.slice(0, -1).join('/');
  if (parent !== '' && rules.test(`${parent}/`).ignored) return undefined;
  const result = rules.test(parts.join('/') + (directory ? '/' : ''));
  return result.ignored ? true : result.unignored ? false : null;
}
