/**
 * One pass over a `.env` text that finds every assignment exactly where npm dotenv (18.x, `dotenv.parse`)
 * finds it, with the value it reads.
 *
 * npm dotenv's default parser is one global, multiline regex:
 *
 * ```
 * /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg
 * ```
 *
 * run over the text after `\r\n?` became `\n`, each match's value trimmed, one pair of surrounding quotes
 * removed (`/^(['"`])([\s\S]*)\1$/mg`) and, when the trimmed value starts with `"`, `\n` / `\r` escapes expanded.
 * This file reproduces that regex's backtracking by hand, without running it, so that it stays linear in
 * the size of the file. The consequences of the regex that matter, and that a line-by-line reading misses:
 * `\s` crosses line breaks (`KEY\n=value`, `export\nKEY=v`, `KEY=\n'value'` are single assignments), a
 * quoted value may span lines, a quote that is not followed by the end of the line or a `#` is not a closing
 * quote (an earlier `\`-escaped quote may be), and a value whose quotes do not close falls back to the rest
 * of the line read literally. JavaScript's `^`, `$` and `.` also treat U+2028 and U+2029 as line breaks.
 */
import type { QuoteStyle } from './document.js';

/** Int32 slots per assignment in {@link ScanResult.data}. */
export const SLOTS = 8;
/** Slot: start of the line holding `export` or the key. */
export const START = 0;
/** Slot: offset of the key's first character. */
export const KEY_START = 1;
/** Slot: just after the separator (`=`, or `:` plus the one whitespace character dotenv takes with it). */
export const SEP_END = 2;
/** Slot: start of the value as written (quotes included, surrounding whitespace not). */
export const RAW_START = 3;
/** Slot: end of the value as written. */
export const RAW_END = 4;
/** Slot: just after the line break ending the assignment's last line, or the text's length. */
export const END = 5;
/** Slot: bit field: quote (2 bits, {@link QUOTE_STYLES} index), {@link EXPORTED}, {@link COLON}, {@link SPANS_LINES}, {@link BAD_QUOTE}, {@link ESCAPED_CLOSE}. */
export const BITS = 6;
/** Slot: just after the key's last character. */
export const KEY_END = 7;

/** Quote styles by their 2-bit code in {@link BITS}. */
export const QUOTE_STYLES: readonly QuoteStyle[] = ['none', 'single', 'double', 'backtick'];
/** Written with `export `. */
export const EXPORTED = 4;
/** Written as `KEY: value`. */
export const COLON = 8;
/** The entry spans lines where readers expect one (`KEY\n=v`, `export\nKEY=v`, `KEY=\n'v'`, `KEY:\nv`). */
export const SPANS_LINES = 16;
/** The value starts with a quote that does not close where npm dotenv needs it to; it was read literally. */
export const BAD_QUOTE = 32;
/**
 * The closing quote npm dotenv settled on is preceded by `\` (found by backtracking): python-dotenv and
 * compose-go read it as an escaped quote, and a later line with a quote can move npm dotenv's choice.
 */
export const ESCAPED_CLOSE = 64;

/**
 * What {@link scan} found, as one flat array of offsets: assignment `i` has its offsets at
 * `data[i * SLOTS + START]` and so on. Nothing is sliced out of the text during the scan (an object or even a
 * key string per assignment costs more than the scan itself on large files): keys come from
 * {@link keysOf}, values from {@link decodeValue}, when they are needed.
 */
export interface ScanResult {
  count: number;
  data: Int32Array;
  /** Offsets of the first non-blank character of each line npm dotenv skips as garbage. */
  junk: number[];
}

const KEY_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) KEY_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) KEY_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) KEY_CHAR[c] = 1;
KEY_CHAR[95] = 1; // _
KEY_CHAR[46] = 1; // .
KEY_CHAR[45] = 1; // -

const HASH = 35;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const SINGLE = 39;
const DOUBLE = 34;
const BACKTICK = 96;

/** JavaScript's `\s` and `String.prototype.trim` set (what npm dotenv skips and trims). */
export function isJsSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c >= 160 &&
        (c === 160 ||
          c === 0x1680 ||
          (c >= 0x2000 && c <= 0x200a) ||
          c === 0x2028 ||
          c === 0x2029 ||
          c === 0x202f ||
          c === 0x205f ||
          c === 0x3000 ||
          c === 0xfeff);
}

/** A line break for JavaScript's `^`, `$` and `.`: LF, CR, U+2028, U+2029. */
export function isLineBreak(c: number): boolean {
  return c === LF || c === CR || c === 0x2028 || c === 0x2029;
}

/** Offset just after the line break ending the line that holds `i` (CRLF counts as one break). */
export function lineEnd(text: string, i: number): number {
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) return i + 1;
    if (c === CR) return text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
    if (c === 0x2028 || c === 0x2029) return i + 1;
  }
  return n;
}

function crossesLine(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (isLineBreak(text.charCodeAt(i))) return true;
  return false;
}

/**
 * After a closing quote at `c - 1`, the rest of dotenv's regex (`\s*(?:#.*)?$`) matches when the whitespace
 * that follows reaches a line break, a `#` or the end of the text.
 */
function closes(text: string, c: number): boolean {
  const n = text.length;
  for (; c < n; c++) {
    const ch = text.charCodeAt(c);
    if (!isJsSpace(ch)) return ch === HASH;
    if (isLineBreak(ch)) return true;
  }
  return true;
}

/**
 * The closing quote the regex settles on for a quote opened at `open`, or -1: first the first quote not
 * preceded by `\`, then (backtracking) each `\`-preceded quote before it, last first.
 */
function findClose(text: string, open: number, q: string): number {
  let i = open + 1;
  let first = -1;
  for (;;) {
    const j = text.indexOf(q, i);
    if (j === -1) break;
    if (text.charCodeAt(j - 1) !== BACKSLASH) {
      first = j;
      break;
    }
    i = j + 1;
  }
  if (first !== -1 && closes(text, first + 1)) return first;
  let k = (first === -1 ? text.length : first) - 1;
  while (k > open + 1) {
    const j = text.lastIndexOf(q, k);
    if (j <= open + 1) break;
    if (text.charCodeAt(j - 1) === BACKSLASH && closes(text, j + 1)) return j;
    k = j - 1;
  }
  return -1;
}

/** npm dotenv's `\n` → LF and `\r` → CR expansion for double-quoted values (two global replaces, in one pass). */
export function expandNewlineEscapes(s: string): string {
  let i = s.indexOf('\\');
  if (i === -1) return s;
  const parts: string[] = [];
  let last = 0;
  while (i !== -1 && i + 1 < s.length) {
    const c = s.charCodeAt(i + 1);
    if (c === 110 || c === 114) {
      parts.push(s.slice(last, i), c === 110 ? '\n' : '\r');
      last = i + 2;
      i = s.indexOf('\\', last);
    } else {
      i = s.indexOf('\\', i + 1);
    }
  }
  if (last === 0) return s;
  parts.push(s.slice(last));
  return parts.join('');
}

function isQuote(c: number): boolean {
  return c === SINGLE || c === DOUBLE || c === BACKTICK;
}

/**
 * dotenv's `/^(['"`])([\s\S]*)\1$/mg` quote removal on a value that contains U+2028 / U+2029 (where `^`
 * and `$` also match inside the value). Values without them take the two-character shortcut in the scanner.
 */
function stripQuotesMultiline(s: string): string {
  const n = s.length;
  const parts: string[] = [];
  let last = 0;
  let start = 0; // always a line start
  while (start < n) {
    let next = start;
    const q = s.charCodeAt(start);
    if (isQuote(q)) {
      // `[\s\S]*` is greedy: the match ends at the last quote that is followed by a line break or the end.
      for (let e = n - 1; e > start; e--) {
        if (s.charCodeAt(e) === q && (e + 1 === n || isLineBreak(s.charCodeAt(e + 1)))) {
          parts.push(s.slice(last, start), s.slice(start + 1, e));
          last = e + 1;
          next = e + 1;
          break;
        }
      }
    }
    while (next < n && !isLineBreak(s.charCodeAt(next))) next++;
    start = next + 1;
  }
  if (last === 0) return s;
  parts.push(s.slice(last));
  return parts.join('');
}

/**
 * The value npm dotenv reads from the value written at `text[start, end)` (see {@link RAW_START}), given
 * its quote code (the low two bits of {@link BITS}).
 */
export function decodeValue(text: string, start: number, end: number, quote: number): string {
  if (quote !== 0) {
    let body = text.slice(start + 1, end - 1);
    if (body.indexOf('\r') !== -1) body = body.replace(/\r\n?/g, '\n');
    if (quote === 2 && body.indexOf('\\') !== -1) body = expandNewlineEscapes(body);
    return body;
  }
  const n = end - start;
  if (n === 0) return '';
  const first = text.charCodeAt(start);
  let value: string;
  if (n >= 2 && isQuote(first)) {
    const raw = text.slice(start, end);
    if (raw.indexOf('\u2028') !== -1 || raw.indexOf('\u2029') !== -1) value = stripQuotesMultiline(raw);
    else value = text.charCodeAt(end - 1) === first ? raw.slice(1, -1) : raw;
    if (first === DOUBLE && value.indexOf('\\') !== -1) value = expandNewlineEscapes(value);
    return value;
  }
  value = text.slice(start, end);
  // A line separator inside the value starts a new line for the quote-removing regex.
  if (value.indexOf('\u2028') !== -1 || value.indexOf('\u2029') !== -1) value = stripQuotesMultiline(value);
  return value;
}

/** Growable output of one {@link scan} call. */
class Sink {
  count = 0;
  data: Int32Array;
  constructor(expected: number) {
    this.data = new Int32Array(Math.max(16, expected) * SLOTS);
  }
  slot(): number {
    const at = this.count * SLOTS;
    if (at + SLOTS > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    return at;
  }
}

/**
 * Reads one assignment whose `export` (if `k > p`) or key starts at `p` and whose key starts at `k`;
 * `floor` is the line start the search began at. Returns whether the regex would match here.
 */
function readAssignment(out: Sink, text: string, floor: number, p: number, k: number, exported: boolean): boolean {
  const n = text.length;
  let e = k;
  while (e < n) {
    const c = text.charCodeAt(e);
    if (c < 128 && KEY_CHAR[c] === 1) e++;
    else break;
  }
  if (e === k) return false;

  let bits = exported ? EXPORTED : 0;
  let sepEnd: number;
  let w = e;
  while (w < n && isJsSpace(text.charCodeAt(w))) w++;
  if (w < n && text.charCodeAt(w) === 61) {
    sepEnd = w + 1;
    if (w > e && crossesLine(text, e, w)) bits |= SPANS_LINES;
  } else if (text.charCodeAt(e) === 58 && e + 1 < n && isJsSpace(text.charCodeAt(e + 1))) {
    // `:\s+?` takes exactly one whitespace character (CRLF being one, after dotenv's normalisation).
    bits |= COLON;
    const c1 = text.charCodeAt(e + 1);
    sepEnd = c1 === CR && text.charCodeAt(e + 2) === LF ? e + 3 : e + 2;
    if (isLineBreak(c1)) bits |= SPANS_LINES;
  } else {
    return false;
  }
  if (exported && crossesLine(text, p + 6, k)) bits |= SPANS_LINES;

  const v = sepEnd;
  let w2 = v;
  while (w2 < n && isJsSpace(text.charCodeAt(w2))) w2++;
  const q = w2 < n ? text.charCodeAt(w2) : -1;
  const close = isQuote(q) ? findClose(text, w2, text[w2] as string) : -1;

  let rawStart: number;
  let rawEnd: number;
  let after: number;
  if (close !== -1) {
    if (w2 > v && crossesLine(text, v, w2)) bits |= SPANS_LINES;
    bits |= q === SINGLE ? 1 : q === DOUBLE ? 2 : 3;
    if (text.charCodeAt(close - 1) === BACKSLASH) bits |= ESCAPED_CLOSE;
    rawStart = w2;
    rawEnd = close + 1;
    after = close + 1;
  } else {
    // `[^#\r\n]+` from just after the separator, trimmed; or no value at all.
    let r = v;
    while (r < n) {
      const c = text.charCodeAt(r);
      if (c === HASH || c === LF || c === CR) break;
      r++;
    }
    let a = v;
    let b = r;
    while (a < b && isJsSpace(text.charCodeAt(a))) a++;
    while (b > a && isJsSpace(text.charCodeAt(b - 1))) b--;
    if (a === b) {
      rawStart = rawEnd = v;
    } else {
      rawStart = a;
      rawEnd = b;
      if (isQuote(text.charCodeAt(a))) bits |= BAD_QUOTE;
    }
    after = r;
  }

  let start = p;
  while (start > floor && !isLineBreak(text.charCodeAt(start - 1))) start--;
  const at = out.slot();
  const data = out.data;
  data[at + START] = start;
  data[at + KEY_START] = k;
  data[at + SEP_END] = sepEnd;
  data[at + RAW_START] = rawStart;
  data[at + RAW_END] = rawEnd;
  data[at + END] = lineEnd(text, after);
  data[at + BITS] = bits;
  data[at + KEY_END] = e;
  out.count++;
  return true;
}

/**
 * Scans `text` once and returns every assignment npm dotenv reads, in file order (duplicates included),
 * with offsets into `text`, plus the garbage lines dotenv skips. Linear in the length of `text` for any
 * realistic file. Values are decoded on demand with {@link decodeValue}.
 */
export function scan(text: string): ScanResult {
  const n = text.length;
  const out = new Sink(n >> 5);
  const junk: number[] = [];
  let pos = 0;
  while (pos < n) {
    // `pos` is a line start: `^\s*` then `export\s+` or the key.
    let p = pos;
    while (p < n && isJsSpace(text.charCodeAt(p))) p++;
    if (p >= n) break;
    if (text.charCodeAt(p) === HASH) {
      pos = lineEnd(text, p);
      continue;
    }
    let found = false;
    if (text.startsWith('export', p) && p + 6 < n && isJsSpace(text.charCodeAt(p + 6))) {
      let k = p + 7;
      while (k < n && isJsSpace(text.charCodeAt(k))) k++;
      found = readAssignment(out, text, pos, p, k, true);
    }
    if (!found) found = readAssignment(out, text, pos, p, p, false);
    if (found) {
      pos = out.data[(out.count - 1) * SLOTS + END] as number;
    } else {
      junk.push(p);
      pos = lineEnd(text, p);
    }
  }
  return { count: out.count, data: out.data, junk };
}

/** The key of every assignment of `result`, in file order. */
export function keysOf(text: string, result: ScanResult): string[] {
  const keys = new Array<string>(result.count);
  const data = result.data;
  for (let i = 0, at = 0; i < result.count; i++, at += SLOTS) {
    keys[i] = text.slice(data[at + KEY_START], data[at + KEY_END]);
  }
  return keys;
}
