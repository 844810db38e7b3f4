/**
 * A lossless `.env` document: reads values exactly as npm dotenv does, reports what other readers would
 * trip over, edits single assignments in place and otherwise gives back the text it was given, byte for byte.
 */
import { EnvkitError } from '../errors.js';
import { encodeValue } from './portable.js';
import { lineIndexAt } from '../text/line-index.js';
import {
  BAD_QUOTE,
  BITS,
  COLON,
  END,
  ESCAPED_CLOSE,
  EXPORTED,
  KEY_END,
  KEY_START,
  QUOTE_STYLES,
  RAW_END,
  RAW_START,
  SEP_END,
  SLOTS,
  SPANS_LINES,
  START,
  decodeValue,
  isLineBreak,
  keysOf,
  lineEnd,
  scan,
  type ScanResult,
} from './scan.js';

/** How a value is quoted in the file. `none` also covers a value whose opening quote never closes. */
export type QuoteStyle = 'none' | 'single' | 'double' | 'backtick';

/** One assignment as written in the file. */
export interface EntryInfo {
  key: string;
  /** The value as npm dotenv reads it. */
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** 1-based column of the key (a UTF-8 BOM does not count). */
  column: number;
  quote: QuoteStyle;
  /** Written with an `export ` prefix. */
  exported: boolean;
  /** The value text exactly as written, quotes included, surrounding whitespace not. */
  raw: string;
  /** `=`, or `:` for dotenv's `KEY: value` form. */
  separator?: '=' | ':';
  /** The text between the separator and `raw` (normally nothing or spaces). */
  before?: string;
  /** The text after `raw` up to the end of its line: trailing blanks and any inline comment. */
  after?: string;
}

/** Something in the file that a reader skips, rejects or reads differently. */
export interface DocumentProblem {
  /** `syntax`: a line no reader reads as intended; `duplicate`: a key assigned more than once. */
  kind: 'syntax' | 'duplicate';
  line: number;
  column: number;
  key?: string;
  /** What is wrong and how to fix it. Never contains a value. */
  message: string;
}

/** `[start, end)` of the old text replaced by `inserted` characters. */
interface Edit {
  start: number;
  end: number;
  inserted: number;
  /** Characters the edit adds to the end of the text's last line (a line break before an appended line). */
  lastLineGrows?: number;
}

const QUOTE_NAME: Record<string, string> = { "'": 'single', '"': 'double', '`': 'backtick' };
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A parsed `.env` file. Create one with {@link parseDocument}.
 *
 * @example
 * const doc = parseDocument(readFileSync('.env', 'utf8'));
 * doc.set('POSTGRES_PASSWORD', generated);   // only that line changes
 * writeSecretFile('.env', doc.toString());
 */
export class EnvDocument {
  #text: string;
  #scan: ScanResult;
  /** The key of each assignment, sliced from the text on first use. */
  #keyList: string[] | undefined;
  /** key → number of its last assignment; insertion order is first appearance. Built on first use. */
  #index: Map<string, number> | undefined;
  #lineStarts: number[] | undefined;
  #problems: DocumentProblem[] | undefined;

  /** Prefer {@link parseDocument}. */
  constructor(text: string) {
    this.#text = text;
    this.#scan = scan(text);
    this.#keyList = undefined;
    this.#index = undefined;
    this.#lineStarts = undefined;
    this.#problems = undefined;
  }

  /** Syntax problems and duplicate keys, in file order. Computed on first use. */
  get problems(): readonly DocumentProblem[] {
    this.#problems ??= this.#collectProblems();
    return this.#problems;
  }

  /** The value of `key` as npm dotenv reads it (the last assignment wins, as in every reader). */
  get(key: string): string | undefined {
    const i = this.#idx().get(key);
    return i === undefined ? undefined : this.#value(i);
  }

  /** Whether `key` is assigned anywhere in the file. */
  has(key: string): boolean {
    return this.#idx().has(key);
  }

  /** The assigned keys, each once, in order of first appearance. */
  keys(): string[] {
    return [...this.#idx().keys()];
  }

  /** Every assignment in file order, duplicates included. */
  entries(): EntryInfo[] {
    const out: EntryInfo[] = [];
    for (let i = 0; i < this.#scan.count; i++) out.push(this.#info(i));
    return out;
  }

  /** The effective (last) assignment of `key`. */
  entry(key: string): EntryInfo | undefined {
    const i = this.#idx().get(key);
    return i === undefined ? undefined : this.#info(i);
  }

  /** All values as npm dotenv's `parse` returns them. */
  toObject(): Record<string, string> {
    // A plain object assigned in file order, like dotenv's, so that even `__proto__` behaves the same.
    const out: Record<string, string> = {};
    const keys = this.#keys();
    for (let i = 0; i < keys.length; i++) out[keys[i] as string] = this.#value(i);
    return out;
  }

  /**
   * Sets `key` to `value`, written in the first form every reader reads the same (see `portableValue`).
   * An existing key has the value of its effective (last) assignment replaced in place, keeping `export `,
   * the key, the spacing and any inline comment; earlier duplicate assignments are removed (every reader
   * uses the last one, and an old secret must not linger). A new key is appended as `KEY=value` with the
   * file's line break.
   *
   * @throws EnvkitError `USAGE` if `key` is not a variable name, `UNPORTABLE` if no form is read the same by
   *   every reader (the message names the key and the reason, never the value), `PARSE` if a syntax problem
   *   elsewhere in the file (an unclosed quote) would change how the new line is read.
   */
  set(key: string, value: string, placement: Placement = {}): void {
    assertName(key);
    const encoded = encodeValue(value, key);
    const text = this.#text;
    const i = this.#idx().get(key);
    const at = i === undefined ? this.#insertionPoint(placement) : undefined;
    if (at !== undefined) {
      // Among the other assignments: after the line of `after`, or before `before` and its comment block.
      const nl = newlineOf(text);
      const comment = placement.comment ?? [];
      // A blank line keeps the new block apart where the file separates its blocks by blank lines (as init
      // writes it), placed so that `delete(key, { comment })` takes exactly the same lines out again.
      const blank = comment.length > 0 && at.blank;
      const line = (blank && at.side === 'after' ? nl : '') + comment.map((c) => c + nl).join('') + key + '=' + encoded + nl + (blank && at.side === 'before' ? nl : '');
      this.#adopt(text.slice(0, at.offset) + line + text.slice(at.offset), [{ start: at.offset, end: at.offset, inserted: line.length }], key, value, 'set');
    } else if (i === undefined) {
      const nl = newlineOf(text);
      const gap = text.length > 0 && !isLineBreak(text.charCodeAt(text.length - 1)) ? nl : '';
      const line = gap + key + '=' + encoded + nl;
      // The line break added before the new line ends what was the last line.
      const edit = { start: text.length, end: text.length, inserted: line.length, lastLineGrows: gap.length };
      this.#adopt(text + line, [edit], key, value, 'set');
    } else {
      const d = this.#scan.data;
      const at = i * SLOTS;
      const edit = replaceValue(text, d[at + SEP_END] as number, d[at + RAW_START] as number, d[at + RAW_END] as number, encoded);
      // Earlier duplicates go: every reader uses the last assignment, and an old secret must not linger above it.
      const { parts, edits, last } = this.#cutLines(key, i);
      parts.push(text.slice(last, edit.start), edit.insert, text.slice(edit.end));
      edits.push({ ...edit, inserted: edit.insert.length });
      this.#adopt(parts.join(''), edits, key, value, 'set');
    }
  }

  /**
   * The comment line directly above the (last) assignment of `key`, without its line break; `undefined` when
   * the key is absent or the line above is not a comment (or is part of the assignment before, a quoted value).
   */
  commentAbove(key: string): string | undefined {
    return this.#lineAbove(key)?.line;
  }

  /** Writes the comment `line` (starting with `#`) directly above the assignment of `key`, if assigned exactly once. */
  insertCommentAbove(key: string, line: string): void {
    const i = this.#onlyIndex(key);
    if (i === undefined || !line.startsWith('#') || /[\r\n]/.test(line)) return;
    const start = this.#scan.data[i * SLOTS + START] as number;
    const inserted = line + newlineOf(this.#text);
    const text = this.#text.slice(0, start) + inserted + this.#text.slice(start);
    this.#adopt(text, [{ start, end: start, inserted: inserted.length }], key, this.get(key), 'set');
  }

  /** Removes the comment line directly above the (last) assignment of `key` when `match` accepts it. */
  removeCommentAbove(key: string, match: (line: string) => boolean): boolean {
    const above = this.#lineAbove(key);
    if (above === undefined || !match(above.line)) return false;
    const text = this.#text.slice(0, above.start) + this.#text.slice(above.end);
    this.#adopt(text, [{ start: above.start, end: above.end, inserted: 0 }], key, this.get(key), 'set');
    return true;
  }

  /** The index of `key`'s assignment when it is assigned exactly once: an edit must leave the count of its assignments as it is. */
  #onlyIndex(key: string): number | undefined {
    const i = this.#idx().get(key);
    return i === undefined || this.#keys().indexOf(key) !== i ? undefined : i;
  }

  /** The comment line directly above the assignment of `key` (assigned once): its offsets and its text without the line break. */
  #lineAbove(key: string): { start: number; end: number; line: string } | undefined {
    const i = this.#onlyIndex(key);
    if (i === undefined) return undefined;
    const data = this.#scan.data;
    const end = data[i * SLOTS + START] as number;
    const floor = i > 0 ? (data[(i - 1) * SLOTS + END] as number) : 0;
    if (end <= floor) return undefined;
    const start = this.#lineBefore(end, floor);
    const line = this.#text.slice(start, end).replace(/(?:\r\n|[\r\n\u2028\u2029])$/, '');
    return line.trimStart().startsWith('#') ? { start, end, line } : undefined;
  }

  /**
   * Removes every line that assigns `key` (whole lines, line breaks included). Returns whether any was removed.
   *
   * @throws EnvkitError `PARSE` if a syntax problem elsewhere in the file would change other values.
   */
  delete(key: string, options: { comment?: (line: string) => boolean } = {}): boolean {
    if (!this.#idx().has(key)) return false;
    const { parts, edits, last } = this.#cutLines(key, this.#scan.count, options.comment);
    parts.push(this.#text.slice(last));
    this.#adopt(parts.join(''), edits, key, undefined, 'delete');
    return true;
  }

  /**
   * The text with every assignment of `key` among the first `upTo` removed, as the kept pieces so far, the
   * edits made, and the offset where the caller continues.
   */
  #cutLines(key: string, upTo: number, comment?: (line: string) => boolean): { parts: string[]; edits: Edit[]; last: number } {
    const text = this.#text;
    const data = this.#scan.data;
    const keys = this.#keys();
    const parts: string[] = [];
    const edits: Edit[] = [];
    let last = 0;
    for (let i = 0; i < upTo; i++) {
      if (keys[i] !== key) continue;
      let start = data[i * SLOTS + START] as number;
      const end = data[i * SLOTS + END] as number;
      let cutEnd = end;
      if (comment) ({ start, end: cutEnd } = this.#commentBlock(i, Math.max(last, i > 0 ? (data[(i - 1) * SLOTS + END] as number) : 0), end, comment));
      parts.push(text.slice(last, start));
      last = cutEnd;
      edits.push({ start, end: last, inserted: 0 });
    }
    return { parts, edits, last };
  }

  /**
   * Where the comment block of assignment `i` starts: the comment lines (accepted by `belongs`) directly above
   * it, never before `floor` (the end of the assignment above, so a quoted value's lines are never taken), and
   * the blank line above the block too when a blank line or the end of the file follows the assignment, so no
   * double blank is left behind.
   */
  #commentStart(i: number, floor: number, end: number, belongs: (line: string) => boolean, withBlank = true): number {
    const text = this.#text;
    let start = this.#scan.data[i * SLOTS + START] as number;
    while (start > floor) {
      const above = this.#lineBefore(start, floor);
      const line = text.slice(above, start).trim();
      if (!line.startsWith('#') || !belongs(line)) break;
      start = above;
    }
    if (!withBlank || start === (this.#scan.data[i * SLOTS + START] as number) || start <= floor) return start;
    const above = this.#lineBefore(start, floor);
    const blankAbove = text.slice(above, start).trim() === '';
    const afterLine = text.slice(end, lineEnd(text, end));
    if (blankAbove && above >= floor && (end >= text.length || afterLine.trim() === '')) return above;
    return start;
  }

  /**
   * The lines {@link delete} takes with assignment `i` (ending at `end`): from {@link #commentStart}, except that of
   * two blank lines around the block the one below goes when only the one above holds spaces. set() puts its
   * separating blank line below a block it places before a key, and an unset then gives the file back byte for byte.
   */
  #commentBlock(i: number, floor: number, end: number, belongs: (line: string) => boolean): { start: number; end: number } {
    const text = this.#text;
    const start = this.#commentStart(i, floor, end, belongs);
    const blockStart = this.#commentStart(i, floor, end, belongs, false);
    const below = lineEnd(text, end);
    const bare = (line: string): string => line.replace(/\r?\n$|\r$/, '');
    if (start === blockStart || end >= text.length || bare(text.slice(end, below)) !== '' || bare(text.slice(start, blockStart)) === '') return { start, end };
    return { start: blockStart, end: below };
  }

  /** Where {@link set} puts a new key, from `placement`; `undefined`: at the end. */
  #insertionPoint(placement: Placement): { offset: number; side: 'after' | 'before'; blank: boolean } | undefined {
    const data = this.#scan.data;
    const text = this.#text;
    const after = placement.after === undefined ? undefined : this.#idx().get(placement.after);
    if (after !== undefined) {
      const offset = data[after * SLOTS + END] as number;
      // At the very end without a final line break: the plain append adds one first.
      if (offset >= text.length && (text.length === 0 || !isLineBreak(text.charCodeAt(text.length - 1)))) return undefined;
      return { offset, side: 'after', blank: offset >= text.length || text.slice(offset, lineEnd(text, offset)).trim() === '' };
    }
    const before = placement.before === undefined ? undefined : this.#firstIndex(placement.before);
    if (before === undefined) return undefined;
    const floor = before > 0 ? (data[(before - 1) * SLOTS + END] as number) : 0;
    const start = this.#commentStart(before, floor, data[before * SLOTS + END] as number, placement.belongs ?? (() => false), false);
    const above = this.#lineBefore(start, floor);
    return { offset: start, side: 'before', blank: start > floor && text.slice(Math.max(above, floor), start).trim() === '' };
  }

  /** Where the line above the one starting at `at` starts: not before `floor` (the end of the assignment above), -1 when `at` is 0. */
  #lineBefore(at: number, floor: number): number {
    const text = this.#text;
    let j = at - 1; // the break ending the line above
    if (j > 0 && text.charCodeAt(j) === 10 && text.charCodeAt(j - 1) === 13) j--;
    while (j > floor && !isLineBreak(text.charCodeAt(j - 1))) j--;
    return j;
  }

  #firstIndex(key: string): number | undefined {
    const keys = this.#keys();
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return undefined;
  }

  /** The document as text: byte-identical to the parsed text when nothing was changed. */
  toString(): string {
    return this.#text;
  }

  #idx(): Map<string, number> {
    if (this.#index === undefined) {
      const index = new Map<string, number>();
      const keys = this.#keys();
      for (let i = 0; i < keys.length; i++) index.set(keys[i] as string, i);
      this.#index = index;
    }
    return this.#index;
  }

  #keys(): string[] {
    this.#keyList ??= keysOf(this.#text, this.#scan);
    return this.#keyList;
  }

  #value(i: number): string {
    const d = this.#scan.data;
    const at = i * SLOTS;
    return decodeValue(this.#text, d[at + RAW_START] as number, d[at + RAW_END] as number, (d[at + BITS] as number) & 3);
  }

  /**
   * Replaces this document's state by `text`'s, made from this one by `edits`, after checking that the
   * edits changed nothing but `key`: every other assignment must be found again at the same place (offsets
   * mapped across the edits), which is cheaper than comparing values and implies equal values.
   */
  #adopt(text: string, edits: readonly Edit[], key: string, value: string | undefined, verb: 'set' | 'delete'): void {
    const next = new EnvDocument(text);
    const changed = new Set<string>();
    // The new document's keys are compared in place, not sliced out: on a large file, a string per
    // assignment (and the index get() would build) cost more than the scan. They are sliced when used.
    const a = { count: this.#scan.count, data: this.#scan.data, keys: this.#keys() };
    const b = { count: next.#scan.count, data: next.#scan.data };
    const bKeyIs = (j: number, name: string): boolean => {
      const start = b.data[j * SLOTS + KEY_START] as number;
      return (b.data[j * SLOTS + KEY_END] as number) - start === name.length && text.startsWith(name, start);
    };
    const bKey = (j: number): string => text.slice(b.data[j * SLOTS + KEY_START] as number, b.data[j * SLOTS + KEY_END] as number);
    // An assignment that starts (its line, its key) where a line is inserted moves with it; an end there (of
    // the line before) stays, and so does an empty value at the end of the text, where a line is appended.
    const map = (x: number, start: boolean): number => {
      let shift = 0;
      for (const e of edits) {
        if (x < e.start || (x === e.start && !(start && e.end === e.start))) break;
        if (x < e.end) return -1;
        shift += e.inserted - (e.end - e.start);
      }
      return x + shift;
    };
    let i = 0;
    let j = 0;
    let keyCountA = 0;
    let keyCountB = 0;
    let lastB = -1;
    for (;;) {
      while (i < a.count && a.keys[i] === key) (i++, keyCountA++);
      while (j < b.count && bKeyIs(j, key)) (lastB = j++, keyCountB++);
      if (i >= a.count || j >= b.count) break;
      if (!bKeyIs(j, a.keys[i] as string)) {
        changed.add(a.keys[i] as string).add(bKey(j));
        break;
      }
      for (let s = 0; s < SLOTS; s++) {
        const x = a.data[i * SLOTS + s] as number;
        const y = b.data[j * SLOTS + s] as number;
        let expected = s === BITS ? x : map(x, s === START || s === KEY_START);
        if (s === END && x === this.#text.length) expected += edits[0]?.lastLineGrows ?? 0;
        if (expected !== y) {
          changed.add(a.keys[i] as string);
          break;
        }
      }
      i++;
      j++;
    }
    for (; i < a.count; i++) if (a.keys[i] !== key) changed.add(a.keys[i] as string);
    for (; j < b.count; j++) {
      if (bKeyIs(j, key)) lastB = j;
      else changed.add(bKey(j));
    }
    const expectedCount = verb === 'delete' ? 0 : 1;
    // lastB is the key's last assignment in the new text: what next.get(key) reads.
    if (keyCountB !== expectedCount || (lastB === -1 ? undefined : next.#value(lastB)) !== value) changed.add(key);
    if (changed.size > 0) {
      const names = [...changed];
      const syntax = this.problems.filter((p) => p.kind === 'syntax');
      throw new EnvkitError(
        'PARSE',
        `cannot ${verb} ${key} safely: a syntax problem in the file would change how ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} read`,
        {
          hint: 'fix the lines listed (an unclosed quote swallows the lines after it), then retry',
          issues: syntax.map((p) => ({ ...(p.key === undefined ? {} : { key: p.key }), location: `${p.line}:${p.column}`, message: p.message })),
        },
      );
    }
    this.#text = next.#text;
    this.#scan = next.#scan;
    this.#keyList = next.#keyList;
    this.#index = next.#index;
    this.#lineStarts = undefined;
    this.#problems = undefined;
  }

  #info(i: number): EntryInfo {
    const text = this.#text;
    const d = this.#scan.data;
    const at = i * SLOTS;
    const bits = d[at + BITS] as number;
    const rawStart = d[at + RAW_START] as number;
    const rawEnd = d[at + RAW_END] as number;
    const [line, column] = this.#position(d[at + KEY_START] as number);
    let eol = rawEnd;
    while (eol < text.length && !isLineBreak(text.charCodeAt(eol))) eol++;
    return {
      key: this.#keys()[i] as string,
      value: this.#value(i),
      line,
      column,
      quote: QUOTE_STYLES[bits & 3] as QuoteStyle,
      exported: (bits & EXPORTED) !== 0,
      raw: text.slice(rawStart, rawEnd),
      separator: bits & COLON ? ':' : '=',
      before: text.slice(d[at + SEP_END], rawStart),
      after: text.slice(rawEnd, eol),
    };
  }

  /** 1-based line and column of `offset`. Lines end at LF, CRLF, CR, U+2028 and U+2029, as for dotenv. */
  #position(offset: number): [number, number] {
    const starts = (this.#lineStarts ??= lineStarts(this.#text));
    const lo = lineIndexAt(starts, offset);
    let start = starts[lo] as number;
    if (lo === 0 && offset > 0 && this.#text.charCodeAt(0) === 0xfeff) start = 1;
    return [lo + 1, offset - start + 1];
  }

  #collectProblems(): DocumentProblem[] {
    const text = this.#text;
    const { count, data } = this.#scan;
    const keys = this.#keys();
    const found: { at: number; problem: DocumentProblem }[] = [];
    const add = (at: number, problem: Omit<DocumentProblem, 'line' | 'column'>): void => {
      const [line, column] = this.#position(at);
      found.push({ at, problem: { ...problem, line, column } });
    };
    if (text.charCodeAt(0) === 0xfeff) {
      found.push({
        at: 0,
        problem: {
          kind: 'syntax',
          line: 1,
          column: 1,
          message:
            'the file starts with a UTF-8 byte order mark, which python-dotenv (podman-compose) reads as part of the first key; save the file without it',
        },
      });
    }
    for (const at of this.#scan.junk) {
      add(at, {
        kind: 'syntax',
        message:
          'not a KEY=value assignment or a comment: npm dotenv and python-dotenv skip this line, compose-go rejects the file; fix it or comment it out with #',
      });
    }
    const firstAt = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const key = keys[i] as string;
      const at = i * SLOTS;
      const bits = data[at + BITS] as number;
      const keyStart = data[at + KEY_START] as number;
      if (bits & SPANS_LINES) {
        add(keyStart, {
          kind: 'syntax',
          key,
          message: `${key}: the assignment continues onto the next line, which python-dotenv and compose-go read differently; write ${key}=value on one line`,
        });
      }
      if (bits & BAD_QUOTE) {
        const rawStart = data[at + RAW_START] as number;
        const q = text[rawStart] as string;
        const closedAt = text.indexOf(q, rawStart + 1);
        const unclosed = closedAt === -1 || closedAt >= (data[at + RAW_END] as number);
        add(rawStart, {
          kind: 'syntax',
          key,
          message: unclosed
            ? `${key}: the ${QUOTE_NAME[q]} quote opened here is never closed; npm dotenv keeps the quote as part of the value, compose-go rejects the file; close the quote`
            : `${key}: text follows the closing ${QUOTE_NAME[q]} quote, so npm dotenv reads the whole rest of the line (quotes included) and python-dotenv and compose-go reject it; quote the whole value`,
        });
      }
      if (bits & ESCAPED_CLOSE) {
        const q = text[data[at + RAW_START] as number] as string;
        add((data[at + RAW_END] as number) - 1, {
          kind: 'syntax',
          key,
          message: `${key}: the closing ${QUOTE_NAME[q]} quote is preceded by a backslash, which python-dotenv and compose-go read as an escaped quote (and a later quote in the file can move where npm dotenv ends the value); remove the backslash or quote differently`,
        });
      }
      const first = firstAt.get(key);
      if (first === undefined) {
        firstAt.set(key, keyStart);
      } else {
        add(keyStart, {
          kind: 'duplicate',
          key,
          message: `${key} is assigned again (first at line ${this.#position(first)[0]}); every reader uses the last assignment; remove the others`,
        });
      }
    }
    // U+2028 / U+2029 end a line for npm dotenv's regex only; inside quotes all readers keep them.
    let entry = 0;
    const hasSeparators = text.includes('\u2028') || text.includes('\u2029');
    for (let at = 0; hasSeparators && at < text.length; at++) {
      const c = text.charCodeAt(at);
      if (c !== 0x2028 && c !== 0x2029) continue;
      while (entry < count && (data[entry * SLOTS + RAW_END] as number) <= at) entry++;
      const e = entry * SLOTS;
      const quoted = entry < count && ((data[e + BITS] as number) & 3) !== 0 && (data[e + RAW_START] as number) < at;
      if (!quoted) {
        add(at, {
          kind: 'syntax',
          message:
            'a Unicode line separator (U+2028/U+2029) outside quotes: npm dotenv reads it as a line break, python-dotenv and compose-go do not; replace it with a line feed',
        });
      }
    }
    found.sort((a, b) => a.at - b.at);
    return found.map((f) => f.problem);
  }
}

/** Parses a `.env` text. Never throws: problems are collected in `doc.problems`. */
export function parseDocument(text: string): EnvDocument {
  return new EnvDocument(text);
}

/**
 * Throws EnvkitError `PARSE` listing every syntax problem of `doc` as an issue located `file:line:column`.
 * Duplicate keys are not syntax errors and pass.
 */
export function assertParsed(doc: EnvDocument, file: string): void {
  const syntax = doc.problems.filter((p) => p.kind === 'syntax');
  if (syntax.length === 0) return;
  const first = syntax[0] as DocumentProblem;
  throw new EnvkitError(
    'PARSE',
    `${file}:${first.line}:${first.column}: ${syntax.length === 1 ? 'a line' : `${syntax.length} lines`} cannot be read the same way by every .env reader`,
    {
      path: file,
      hint: 'fix each listed line',
      reason: 'unportable-lines',
      issues: syntax.map((p) => ({ ...(p.key === undefined ? {} : { key: p.key }), location: `${file}:${p.line}:${p.column}`, message: p.message })),
    },
  );
}

function assertName(key: string): void {
  if (!NAME_RE.test(key)) {
    throw new EnvkitError('USAGE', `${JSON.stringify(key)} is not a variable name`, {
      hint: 'use letters, digits and _ only, not starting with a digit (e.g. POSTGRES_PASSWORD)',
    });
  }
}

/** The file's line break: CRLF if its first line ends so, else LF. */
/**
 * Where {@link EnvDocument.set} puts a key the document does not have yet: after the assignment of `after`, else
 * before that of `before` (and its comment block), else at the end; `comment` lines (each starting with `#`) are
 * written above it.
 */
export interface Placement {
  after?: string;
  before?: string;
  comment?: readonly string[];
  /** Which comment lines directly above `before` are its own block (the new one goes above them). Default: none. */
  belongs?: (line: string) => boolean;
}

function newlineOf(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text.charCodeAt(i - 1) === 13 ? '\r\n' : '\n';
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * The edit that replaces the value written at `[rawStart, rawEnd)` by `encoded`. Blanks before the value are kept when they are spaces and
 * tabs on the same line; an inline comment is kept, with one space before its `#` when the readers need one
 * (python-dotenv needs whitespace, compose-go a space, before a `#` that ends an unquoted value).
 */
function replaceValue(
  text: string,
  sepEnd: number,
  rawStart: number,
  rawEnd: number,
  encoded: string,
): { start: number; end: number; insert: string } {
  const before = text.slice(sepEnd, rawStart);
  const from = isBlank(before) ? rawStart : sepEnd;
  let to = rawEnd;
  let eol = to;
  // npm dotenv also ends a line at U+2028/U+2029: what follows one is not this value's to replace.
  while (eol < text.length && !isLineBreak(text.charCodeAt(eol)) && text.charCodeAt(eol) !== 0x2028 && text.charCodeAt(eol) !== 0x2029) eol++;
  const after = text.slice(to, eol);
  const hash = after.indexOf('#');
  let insert = encoded;
  if (hash !== -1) {
    // After `KEY=` with only a comment left, python-dotenv and compose-go would read the comment as the value.
    if (insert === '') insert = "''";
    const gap = after.slice(0, hash);
    if (gap === '' || !isBlank(gap) || !gap.endsWith(' ')) {
      to += gap.length;
      insert += ' ';
    }
  } else if (!isBlank(after)) {
    to = eol;
  }
  return { start: from, end: to, insert };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
