import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { UserPaths } from './environment.js';

/**
 * git's system file is where git was built to look (`/etc/gitconfig` for a distribution's git, else
 * `$(prefix)/etc/gitconfig`): these are the likely places (a distribution, /usr/local, Homebrew), and
 * `<prefix>/etc/gitconfig` of the git found on PATH, `<prefix>/bin/git` (see {@link systemFiles}). Since which
 * one git reads is not known here, anything in them that matters sends the question to git.
 */
const SYSTEM_FILES = ['/etc/gitconfig', '/usr/local/etc/gitconfig', '/opt/homebrew/etc/gitconfig', '/home/linuxbrew/.linuxbrew/etc/gitconfig'];

/** What the config files say about the ignore rules: the global excludes file, when one is configured. */
export interface ExcludeConfig {
  excludesFile?: string;
}

type Role = 'system' | 'global' | 'repo';

/**
 * Scan the config files git reads, in its order (git-config(1) FILES: system, `$XDG_CONFIG_HOME/git/config`,
 * `~/.gitconfig`, the repository's `config`), for what could change whether a path is ignored or how the
 * repository is read. `undefined` ("ask git") when one of them includes others (`include`, `includeIf`), sets
 * `core.ignoreCase`, `core.bare` to anything but false, `core.worktree`, any `extensions.*`, a repository
 * format other than 0 or 1, a `core.excludesFile` that is not a plain absolute or `~/` path, or holds a line
 * this scanner does not read exactly as git would (it refuses rather than guesses), or cannot be read.
 */
export function scanConfig(gitDir: string, user: UserPaths, git: string): ExcludeConfig | undefined {
  const files: Array<[string, Role]> = [
    ...systemFiles(git).map((path): [string, Role] => [path, 'system']),
    [join(user.xdgGit, 'config'), 'global'],
    [join(user.home, '.gitconfig'), 'global'],
    [join(gitDir, 'config'), 'repo'],
  ];
  const config: ExcludeConfig = {};
  for (const [path, role] of files) {
    const text = readConfigText(path);
    if (text === undefined) return undefined;
    if (text !== null && !scanFile(text, role, user.home, config)) return undefined;
  }
  return config;
}

/**
 * The system files `git` (its path on PATH) may read: the likely places and its own prefix's, as found on PATH
 * (Homebrew's link, a conda environment's bin) and with links resolved (a git built with its default prefix,
 * $HOME, and linked from elsewhere).
 */
function systemFiles(git: string): string[] {
  const prefixes = [dirname(dirname(git)), dirname(dirname(realpathSync.native(git)))];
  return [...new Set([...SYSTEM_FILES, ...prefixes.map((prefix) => join(prefix, 'etc', 'gitconfig'))])];
}

/** The file's text; `null` when it does not exist, `undefined` when it cannot be read. */
function readConfigText(path: string): string | null | undefined {
  try {
    // Most of these files do not exist: asked without an exception, which costs more than the read. Anything
    // but a regular file (a FIFO would block the read) is left to git.
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return null;
    return stats.isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

const HEADER = /^\[([A-Za-z0-9.-]+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?\][ \t]*([#;].*)?$/;
const VARIABLE = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*(?:=(.*))?$/;
const FALSE = /^(false|no|off|0)$/i;

/** One file's lines (git-config(1) CONFIGURATION FILE, Syntax) into `config`; false: ask git. */
function scanFile(text: string, role: Role, home: string, config: ExcludeConfig): boolean {
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    let start = 0;
    while (raw[start] === ' ' || raw[start] === '\t') start++;
    const line = raw.slice(start, raw.endsWith('\r') ? -1 : undefined);
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const header = HEADER.exec(line);
    if (header) {
      const name = header[1]!.toLowerCase();
      // `[section.sub]` is the old spelling of `[section "sub"]`: a subsection either way.
      section = header[2] !== undefined || name.includes('.') ? `${name.split('.')[0]}.` : name;
      if (section.startsWith('include') || section.startsWith('extensions')) return false;
      continue;
    }
    const variable = VARIABLE.exec(line);
    if (!variable || section === undefined) return false;
    const value = variable[2] === undefined ? undefined : parseValue(variable[2]);
    if (value === null) return false;
    if (section === 'core' && !coreSetting(variable[1]!.toLowerCase(), value, role, home, config)) return false;
  }
  return true;
}

/** A `core.*` setting into `config`; false when it is one that git must handle. */
function coreSetting(key: string, value: ParsedValue | undefined, role: Role, home: string, config: ExcludeConfig): boolean {
  switch (key) {
    case 'ignorecase':
    case 'bare':
      return value !== undefined && value.plain && FALSE.test(value.text);
    case 'worktree':
      return false;
    case 'repositoryformatversion':
      return role !== 'repo' || (value !== undefined && /^[01]$/.test(value.text));
    case 'excludesfile': {
      if (role === 'system' || value === undefined || !value.plain) return false;
      const path = value.text.startsWith('~/') ? join(home, value.text.slice(2)) : value.text;
      if (!path.startsWith('/')) return false;
      config.excludesFile = path;
      return true;
    }
    default:
      return true;
  }
}

interface ParsedValue {
  text: string;
  /** No quotes and no escapes: the value is the text as written. */
  plain: boolean;
}

/**
 * A value as git reads it (git-config(1), Syntax): leading blanks skipped, `"…"` quoting, the escapes
 * `\\ \" \n \t \b`, a comment from an unquoted `#` or `;`, trailing blanks dropped. `null` for what git would reject or read
 * across lines (an unclosed quote, another escape, a backslash at the end: a continuation line).
 */
function parseValue(raw: string): ParsedValue | null {
  let text = '';
  let kept = 0;
  let quoted = false;
  let plain = true;
  let i = 0;
  while (i < raw.length && (raw[i] === ' ' || raw[i] === '\t')) i++;
  for (; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const escaped = { '\\': '\\', '"': '"', n: '\n', t: '\t', b: '\b' }[raw[++i] ?? ''];
      if (escaped === undefined) return null;
      text += escaped;
      kept = text.length;
      plain = false;
    } else if (c === '"') {
      quoted = !quoted;
      plain = false;
    } else if (!quoted && (c === '#' || c === ';')) {
      break;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      // Outside quotes git keeps each blank between words as one space, and drops the ones at the end.
      text += ' ';
      if (c === '\t') plain = false;
    } else {
      text += c;
      kept = text.length;
    }
  }
  if (quoted) return null;
  return { text: text.slice(0, kept), plain };
}
