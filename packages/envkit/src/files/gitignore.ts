import { EnvkitError } from '../errors.js';

/** The result of {@link syncGitignoreText}. */
export interface GitignoreSync {
  /** The new `.gitignore` text (the old text, byte for byte, plus what was appended). */
  text: string;
  changed: boolean;
  /** The pattern lines appended (without the comment line), e.g. `['.env.envkit-*', '!.env.example']`. */
  added: string[];
}

/** What a `.gitignore` must say: patterns that must ignore, file names that must stay visible. */
export interface GitignoreRules {
  /** Patterns (gitignore syntax) whose files must be ignored. */
  ignore: string[];
  /** File names (literal, in the `.gitignore`'s directory) that must not be ignored. */
  keep: string[];
}

/** Which line of a `.gitignore` decides about a name, if any. */
export interface GitignoreMatch {
  ignored: boolean;
  /** 1-based line of the deciding pattern. */
  line?: number;
  /** The deciding pattern as written (after git's trimming), `!` included. */
  pattern?: string;
}

/**
 * The rules for an env file named `envFileName` (a basename such as `.env`): ignore the file and every
 * working file envkit keeps beside it (`.env.envkit-pending`, `-lock`, `-backup`, `-tmp-*`: one pattern),
 * keep `.env.example` visible. The patterns are not anchored, so a `.env` in a subdirectory is ignored too.
 *
 * @example
 * gitignoreRules('.env'); // { ignore: ['.env', '.env.envkit-*'], keep: ['.env.example'] }
 */
export function gitignoreRules(envFileName: string): GitignoreRules {
  if (envFileName === '' || envFileName.includes('/') || envFileName.includes('\n') || envFileName.includes('\r')) {
    throw new EnvkitError('USAGE', `gitignoreRules needs a file name without a directory, got ${JSON.stringify(envFileName)}`);
  }
  return { ignore: [escapeName(envFileName), `${escapeName(`${envFileName}.envkit-`)}*`], keep: [`${envFileName}.example`] };
}

/**
 * Make a `.gitignore` text ignore `rules.ignore` and not ignore `rules.keep`, appending only what is
 * missing. Every existing byte is kept (a missing final newline is added only where lines are appended,
 * in the file's own line ending). Git's semantics are applied to decide what is missing: the last
 * matching pattern wins, so `.env*` already covers `.env` but ignores `.env.example` (a negation is
 * appended), and a later `!.env` undoes an earlier `.env` (the pattern is appended again, after it).
 * Idempotent: a second sync reports `changed: false`. Pure.
 *
 * Only this one file is considered: a parent directory's `.gitignore`, `.git/info/exclude` or
 * `core.excludesFile` may still ignore the example.
 *
 * @example
 * const { text, added } = syncGitignoreText(existing, gitignoreRules('.env'));
 */
export function syncGitignoreText(text: string | undefined, rules: GitignoreRules): GitignoreSync {
  const original = text ?? '';
  const existing = parseRules(original);
  const appended: Rule[] = [];
  const added: string[] = [];
  const lineOf = () => existing.length + appended.length + 1;
  const append = (line: string) => {
    const rule = parseLine(line, lineOf());
    if (rule === undefined) throw new EnvkitError('USAGE', `not a gitignore pattern: ${JSON.stringify(line)}`);
    appended.push(rule);
    added.push(line);
  };

  for (const pattern of rules.ignore) {
    const probes = probesFor(pattern, existing);
    if (probes.some((name) => !decide([...existing, ...appended], name).ignored)) append(pattern);
  }
  for (const name of rules.keep) {
    if (decide([...existing, ...appended], name).ignored) append(`!${escapeName(name)}`);
  }
  if (added.length === 0) return { text: original, changed: false, added };

  const eol = /\r\n|\n/.exec(original)?.[0] ?? '\n';
  let prefix = original;
  if (prefix !== '' && !prefix.endsWith('\n')) prefix += eol;
  const lastLine = prefix.replace(/\r?\n$/, '').split('\n').at(-1)?.replace(/\r$/, '') ?? '';
  if (prefix !== '' && lastLine.trim() !== '') prefix += eol;
  const block = ['# envkit: the env file and envkit\'s working files hold secrets; the example is committed', ...added];
  const result = prefix + block.map((line) => line + eol).join('');

  // The appended lines were chosen with the same rules; prove it before handing the text back.
  const final = parseRules(result);
  for (const pattern of rules.ignore) {
    for (const name of probesFor(pattern, final)) {
      if (!decide(final, name).ignored) throw new Error(`internal: ${name} is still not ignored`);
    }
  }
  for (const name of rules.keep) if (decide(final, name).ignored) throw new Error(`internal: ${name} is still ignored`);
  return { text: result, changed: true, added };
}

/**
 * Does this `.gitignore` text ignore `name`, a file (not a directory) in the same directory as the
 * `.gitignore`? Git's rules: comments, trailing-space trimming, CRLF, `!` negation, `/` anchoring, `**`,
 * `*`, `?`, `[...]`, backslash escapes; the last matching pattern wins. For `envkit check` findings.
 *
 * @example
 * matchGitignore('.env*\n!.env.example\n', '.env.example'); // { ignored: false, line: 2, pattern: '!.env.example' }
 */
export function matchGitignore(text: string, name: string): GitignoreMatch {
  if (name === '' || name.includes('/')) throw new EnvkitError('USAGE', `matchGitignore takes a file name without a directory, got ${JSON.stringify(name)}`);
  return decide(parseRules(text), name);
}

interface Rule {
  line: number;
  /** As git keeps it after trimming, with its `!`. */
  source: string;
  negative: boolean;
  /** Matches a file in the `.gitignore`'s own directory (no directory-only pattern, no inner path). */
  test: (name: string) => boolean;
  /** The pattern body (after `!` and a leading `/`), for probes. */
  body: string;
}

function decide(rules: readonly Rule[], name: string): GitignoreMatch {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i] as Rule;
    if (rule.test(name)) return { ignored: !rule.negative, line: rule.line, pattern: rule.source };
  }
  return { ignored: false };
}

/**
 * Names that stand for the files `pattern` ignores: the pattern with its wildcards filled in, plus, for
 * every negation in the file that could un-ignore some of them, a name that negation matches.
 */
function probesFor(pattern: string, rules: readonly Rule[]): string[] {
  const own = parseLine(pattern, 0);
  if (own === undefined) return [];
  const probes = new Set<string>([fill(own.body)]);
  for (const rule of rules) {
    if (!rule.negative) continue;
    const sample = fill(rule.body);
    if (own.test(sample)) probes.add(sample);
  }
  return [...probes].filter((name) => own.test(name));
}

/** A concrete name matched by a pattern body: wildcards filled, escapes resolved, a class's first member. */
function fill(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) out += body[++i];
    else if (c === '*') {
      while (body[i + 1] === '*') i++;
      out += 'x';
    } else if (c === '?') out += 'x';
    else if (c === '[') {
      const end = classEnd(body, i);
      if (end < 0) return body; // matches nothing anyway
      const inner = body.slice(i + 1, end);
      const negated = inner.startsWith('!') || inner.startsWith('^');
      const first = negated ? inner.slice(1) : inner;
      out += negated ? (first.includes('x') ? 'y' : 'x') : first.startsWith('\\') ? (first[1] ?? '') : first.startsWith('[:') ? 'a' : (first[0] ?? 'x');
      i = end;
    } else out += c;
  }
  return out;
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const rule = parseLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, index + 1);
    if (rule !== undefined) rules.push(rule);
  });
  return rules;
}

/** One line as git's `add_patterns_from_buffer` + `parse_path_pattern` read it. */
function parseLine(raw: string, line: number): Rule | undefined {
  if (raw === '' || raw.startsWith('#')) return undefined;
  const source = trimTrailingSpaces(raw);
  if (source === '') return undefined;
  let body = source;
  const negative = body.startsWith('!');
  if (negative) body = body.slice(1);
  const dirOnly = body.endsWith('/') && !body.endsWith('\\/');
  if (dirOnly) body = body.slice(0, -1);
  // For a name in the .gitignore's own directory, basename and relative path are the name itself, so
  // anchored (`/x`, `**/x`) and unanchored (`x`) patterns are matched alike; `a/x` can never match.
  if (body.startsWith('/')) body = body.slice(1);
  const regex = dirOnly || body === '' ? undefined : wildmatchRegex(body);
  return { line, source, negative, body, test: (name) => regex !== undefined && regex.test(name) };
}

/** git's trim_trailing_spaces: drop trailing spaces (not tabs) unless the last one is escaped. */
function trimTrailingSpaces(s: string): string {
  let lastSpace = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ') {
      if (lastSpace < 0) lastSpace = i;
    } else if (c === '\\') {
      i++;
      if (i >= s.length) return s;
      lastSpace = -1;
    } else lastSpace = -1;
  }
  return lastSpace < 0 ? s : s.slice(0, lastSpace);
}

/** Index of the `]` closing the class opened at `start`, or -1 (git then matches nothing). */
function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (p[i] === ']') return i;
  }
  return -1;
}

const CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9', alpha: 'a-zA-Z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9', graph: '!-~',
  lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: ' \\t\\n\\r\\f\\v', upper: 'A-Z', xdigit: '0-9a-fA-F',
};

const reEscape = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** wildmatch with WM_PATHNAME as a regular expression; undefined when git would match nothing. */
function wildmatchRegex(p: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '\\') {
      i++;
      if (i >= p.length) return undefined; // a trailing backslash matches nothing
      re += reEscape(p[i] as string);
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        let j = i;
        while (p[j] === '*') j++;
        const atStart = i === 0 || p[i - 1] === '/';
        if (atStart && p[j] === '/') {
          re += '(?:.*/)?';
          i = j; // the slash is part of `**/`
          continue;
        }
        if (atStart && j === p.length) {
          re += '.*';
          i = j - 1;
          continue;
        }
        i = j - 1; // `**` not alone in its component acts like `*`
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = classEnd(p, i);
      if (end < 0) return undefined;
      let k = i + 1;
      let set = '';
      const negated = p[k] === '!' || p[k] === '^';
      if (negated) k++;
      if (p[k] === ']') {
        set += '\\]';
        k++;
      }
      for (; k < end; k++) {
        const d = p[k] as string;
        if (d === '[' && p[k + 1] === ':') {
          const close = p.indexOf(':]', k + 2);
          const cls = CLASSES[p.slice(k + 2, close)];
          if (cls === undefined) return undefined;
          set += cls;
          k = close + 1;
        } else if (d === '\\' && k + 1 < end) {
          set += reEscape(p[++k] as string);
        } else if (d === '-' && set !== '' && k + 1 < end) {
          set += '-';
        } else set += reEscape(d);
      }
      re += negated ? `[^/${set}]` : `[${set}]`;
      i = end;
    } else re += reEscape(c);
  }
  return new RegExp(`^${re}$`);
}

/** A file name as a gitignore pattern body: wildcards and backslashes escaped. */
function escapeBody(name: string): string {
  return name.replace(/[\\*?[]/g, '\\$&');
}

/** A file name as a whole gitignore line: also a leading `#`/`!` and trailing spaces escaped. */
function escapeName(name: string): string {
  let body = escapeBody(name);
  if (body.startsWith('#') || body.startsWith('!')) body = `\\${body}`;
  return body.replace(/ +$/, (spaces) => spaces.replace(/ /g, '\\ '));
}
