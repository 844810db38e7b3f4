/**
 * Which way of writing a value npm dotenv, python-dotenv (0.21, as podman-compose uses it) and compose-go
 * all read back as the same string, and why a written value would not be. The rules are those of
 * docs/dialects.md, refined from the readers' sources (python-dotenv `parser.py`/`variables.py`, compose-go v2
 * `dotenv/parser.go` and `template/template.go`) and tested against the real npm and python readers.
 */
import { EnvkitError } from '../errors.js';
import type { EntryInfo } from './document.js';
import { isJsSpace } from './scan.js';

/** `plain`: `KEY=value`; `single`: `KEY='value'`; `double`: `KEY="value"`. */
export type PortableForm = 'plain' | 'single' | 'double';

/** The text to write after `KEY=` and its form, or why no form is read the same by every reader. */
export type PortableResult = { ok: true; text: string; form: PortableForm } | { ok: false; reason: string };

/** Whitespace to any of the three readers: JavaScript's `\s`, Python's `str.isspace` (adds U+001C–U+001F, U+0085), Go's `unicode.IsSpace`. */
function isAnySpace(c: number): boolean {
  return isJsSpace(c) || (c >= 0x1c && c <= 0x1f) || c === 0x85;
}

/**
 * Whitespace that all three skip or trim alike around a value on one line: JavaScript's `\s`, Python's
 * `[^\S\r\n]` and Go's `unicode.IsSpace` all contain it (U+FEFF is not Python or Go whitespace, U+0085 not
 * JavaScript's, U+001C–U+001F only Python's).
 */
function isCommonBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || (isJsSpace(c) && c >= 160 && c !== 0x2028 && c !== 0x2029 && c !== 0xfeff);
}

/** Blanks compose-go's `isSpace` skips between `=` and the value (and Python and JavaScript too). */
function isLeadBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0;
}

function every(s: string, test: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!test(s.charCodeAt(i))) return false;
  return true;
}

function hasLineSeparator(s: string): boolean {
  return s.includes('\u2028') || s.includes('\u2029');
}

/** What python-dotenv 0.21 interpolates, in every quoting (`variables.py`): `${NAME}` and `${NAME:-default}`. */
const PYTHON_VARIABLE = /\$\{[^}:]*(?::-[^}]*)?\}/;

/**
 * A backslash sequence some reader unescapes inside double quotes: python-dotenv `\\ \' \" \a \b \f \n \r
 * \t \v`, compose-go `\\ \" \a \b \f \n \r \t \v \$ \0NNN`, npm dotenv `\n \r` (and a backslash right before
 * the closing quote, which python-dotenv and compose-go read as an escaped quote).
 */
const DOUBLE_ESCAPE = /\\(?:[\\'"abfnrtv$]|0[0-7]{3}|$)/;

/** Why `value` cannot be written unquoted, or undefined. `strict`: docs/dialects.md's rule, which also excludes `\`. */
function plainBlocker(value: string, strict: boolean): string | undefined {
  if (value === '') return undefined;
  const first = value.charCodeAt(0);
  if (first === 39 || first === 34 || first === 96) return 'starts with a quote or backtick';
  if (isAnySpace(first) || isAnySpace(value.charCodeAt(value.length - 1))) return 'starts or ends with whitespace';
  if (value.includes('\n') || hasLineSeparator(value)) return 'contains a line break';
  if (value.includes('#')) return 'contains #';
  if (value.includes('$')) return 'contains $';
  if (strict && value.includes('\\')) return 'contains a backslash';
  return undefined;
}

/** Why `value` cannot be written in single quotes, or undefined. */
function singleBlocker(value: string): string | undefined {
  if (value.includes("'")) return "a single quote (')";
  if (PYTHON_VARIABLE.test(value)) return '${...} (python-dotenv expands it even inside single quotes)';
  if (value.includes('\\\\')) return 'two backslashes in a row (python-dotenv reads them as one)';
  if (value.endsWith('\\')) return "a trailing backslash (compose-go reads \\' as an escaped quote)";
  return undefined;
}

/** Why `value` cannot be written in double quotes, or undefined. */
function doubleBlocker(value: string): string | undefined {
  if (value.includes('"')) return 'a double quote (")';
  if (DOUBLE_ESCAPE.test(value)) return 'a backslash escape (such as \\n or \\\\), which each reader unescapes differently';
  if (value.includes('$')) return 'a dollar sign ($), which compose-go and python-dotenv expand';
  return undefined;
}

/**
 * The first form of docs/dialects.md that npm dotenv, python-dotenv and compose-go all read as `value`: plain
 * (no `#`, `$`, `\`, line break, leading quote or surrounding whitespace), else single quotes (no `'`, no
 * `${...}` python-dotenv would expand, no `\\`, no trailing `\`), else double quotes (no `"`, no `$`, no
 * backslash escape any reader unescapes), else plain with backslashes (which every reader keeps unquoted).
 * The empty value is plain (`KEY=`). Values with a NUL (no environment variable can hold one) or a carriage
 * return (npm dotenv and python-dotenv read it as a line feed) fit no form. Each rule was checked against
 * the real npm dotenv and python-dotenv and a model of compose-go (see portable.test.ts).
 *
 * @example
 * portableValue('p@ss:w/rd')  // { ok: true, text: 'p@ss:w/rd', form: 'plain' }
 * portableValue('a b#c')      // { ok: true, text: "'a b#c'", form: 'single' }
 * portableValue("it's $5")    // { ok: false, reason: "contains a single quote (') ..." }
 */
export function portableValue(value: string): PortableResult {
  if (value.includes('\0')) return { ok: false, reason: 'contains a NUL character, which no environment variable can hold' };
  if (value.includes('\r')) {
    return { ok: false, reason: 'contains a carriage return, which npm dotenv and python-dotenv read as a line feed' };
  }
  if (plainBlocker(value, true) === undefined) return { ok: true, text: value, form: 'plain' };
  const single = singleBlocker(value);
  if (single === undefined) return { ok: true, text: `'${value}'`, form: 'single' };
  const double = doubleBlocker(value);
  if (double === undefined) return { ok: true, text: `"${value}"`, form: 'double' };
  // All three keep an unquoted backslash (none unescapes unquoted values; compose-go only reads `\$`, and
  // `$` is excluded). docs/dialects.md prefers quotes for it, so this is the last resort, not the first.
  if (plainBlocker(value, false) === undefined) return { ok: true, text: value, form: 'plain' };
  return {
    ok: false,
    reason: `contains ${single}, so it cannot be single-quoted, and ${double}, so it cannot be double-quoted`,
  };
}

/**
 * The text to write after `KEY=` for `value` (see {@link portableValue}).
 *
 * @throws EnvkitError `UNPORTABLE` naming `key` and the reason, never the value.
 */
export function encodeValue(value: string, key?: string): string {
  const result = portableValue(value);
  if (result.ok) return result.text;
  throw new EnvkitError(
    'UNPORTABLE',
    `${key ?? 'the value'} cannot be written so that npm dotenv, python-dotenv and compose-go read it the same: it ${result.reason}`,
    { hint: 'choose a value without that character (generated secrets use only A-Z a-z 0-9 _ -)' },
  );
}

/**
 * For `envkit check`: why npm dotenv, python-dotenv and compose-go would read this assignment's value
 * differently, as written, or undefined if they agree. The reason is one line and never contains the value.
 *
 * @example
 * checkWrittenValue(parseDocument('V=pa#ss\n').entry('V')!)  // 'a # directly after an unquoted value ...'
 */
export function checkWrittenValue(entry: EntryInfo): string | undefined {
  const raw = entry.raw;
  const before = entry.before ?? '';
  const after = entry.after ?? '';
  if (entry.separator === ':') return 'written as KEY: value, which python-dotenv does not read (it needs KEY=value)';
  if (raw.includes('\0')) return 'contains a NUL character, which no environment variable can hold';
  if (/[\n\r\u2028\u2029]/.test(before)) {
    return 'the value starts on the line after the =, which python-dotenv and compose-go read as an empty value';
  }
  if (!every(before, isLeadBlank)) {
    return 'unusual whitespace between = and the value, which the readers skip differently';
  }
  const hash = after.indexOf('#');
  const gap = hash === -1 ? after : after.slice(0, hash);
  switch (entry.quote) {
    case 'none':
      return checkUnquoted(raw, gap, hash !== -1);
    case 'backtick':
      return 'backtick quotes: npm dotenv removes them, python-dotenv and compose-go keep them in the value';
    case 'single':
    case 'double': {
      const body = raw.slice(1, -1);
      const reason = entry.quote === 'single' ? checkSingle(body) : checkDouble(body);
      if (reason !== undefined) return reason;
      if (body.includes('\r')) return 'a carriage return inside the quotes: compose-go keeps it, npm dotenv and python-dotenv read a line feed';
      if (!every(gap, isCommonBlank)) return 'unusual whitespace after the closing quote, which python-dotenv or compose-go reject';
      return undefined;
    }
  }
}

function checkUnquoted(raw: string, gap: string, comment: boolean): string | undefined {
  if (raw === '') {
    if (comment) return 'an empty value followed by a comment: python-dotenv and compose-go read the comment as the value (write KEY=\'\' # comment)';
    // The parser read the value as empty, as npm dotenv does; a byte-order mark (U+FEFF) or other blank that is
    // not whitespace to Python or Go is the value to python-dotenv and compose-go.
    return every(gap, isCommonBlank)
      ? undefined
      : 'the value is only a byte-order mark or unusual blank: npm dotenv reads it as empty, python-dotenv and compose-go keep it';
  }
  const first = raw.charCodeAt(0);
  if (first === 39 || first === 34 || first === 96) {
    return 'the value starts with a quote that does not close at the end of the value; npm dotenv reads it literally, python-dotenv and compose-go differently';
  }
  if (raw.includes('$')) return 'an unquoted $: compose-go expands $VAR, ${VAR} and $$, python-dotenv expands ${VAR}; quote the value with single quotes';
  if (hasLineSeparator(raw)) return 'a Unicode line separator (U+2028/U+2029) in an unquoted value, which npm dotenv treats as a line break';
  if (comment && (gap === '' || !gap.endsWith(' '))) {
    return gap === ''
      ? 'a # directly after an unquoted value: npm dotenv ends the value there, python-dotenv and compose-go keep the # and what follows; quote the value or put a space before the comment'
      : 'an inline comment not preceded by a space: compose-go keeps it as part of the value; put a space before the #';
  }
  if (!every(gap, isCommonBlank)) return 'unusual whitespace after the value, which the readers trim differently';
  if (isAnySpace(first) || isAnySpace(raw.charCodeAt(raw.length - 1))) {
    return 'the value starts or ends with a control or space character that python-dotenv or compose-go trim and npm dotenv keeps';
  }
  return undefined;
}

function checkSingle(body: string): string | undefined {
  if (PYTHON_VARIABLE.test(body)) return 'a ${...} inside single quotes: python-dotenv expands it, npm dotenv and compose-go do not';
  if (body.includes("\\'")) return "a \\' inside single quotes: python-dotenv and compose-go unescape it, npm dotenv keeps the backslash";
  if (body.includes('\\\\')) return 'a \\\\ inside single quotes: python-dotenv reads one backslash, npm dotenv and compose-go two';
  if (body.endsWith('\\')) return "a backslash before the closing quote: compose-go reads \\' as an escaped quote";
  return undefined;
}

function checkDouble(body: string): string | undefined {
  // Left to right, as every reader tokenizes: `\n` and `\r` mean the same to all three.
  for (let i = body.indexOf('\\'); i !== -1; ) {
    const next = body[i + 1];
    if (next === 'n' || next === 'r') {
      i = body.indexOf('\\', i + 2);
      continue;
    }
    const at = new RegExp(DOUBLE_ESCAPE.source, 'y');
    at.lastIndex = i;
    if (at.test(body)) {
      return 'a backslash escape other than \\n or \\r inside double quotes: npm dotenv keeps it, python-dotenv or compose-go unescape it';
    }
    i = body.indexOf('\\', i + 1);
  }
  if (body.includes('$')) return 'a $ inside double quotes: compose-go expands $VAR and $$, python-dotenv expands ${VAR}; use single quotes';
  return undefined;
}
