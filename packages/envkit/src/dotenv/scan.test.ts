import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseDocument } from './document.js';
import {
  BAD_QUOTE,
  BITS,
  COLON,
  END,
  ESCAPED_CLOSE,
  EXPORTED,
  KEY_START,
  RAW_END,
  RAW_START,
  SEP_END,
  SLOTS,
  SPANS_LINES,
  START,
  decodeValue,
  expandNewlineEscapes,
  keysOf,
  scan,
} from './scan.js';

const dotenv = createRequire(import.meta.url)('dotenv') as { parse(src: string): Record<string, string> };

/** The scan of `text` as readable records. */
function records(text: string) {
  const r = scan(text);
  return Array.from({ length: r.count }, (_, i) => {
    const d = (slot: number) => r.data[i * SLOTS + slot] as number;
    return {
      key: keysOf(text, r)[i],
      start: d(START),
      keyStart: d(KEY_START),
      sepEnd: d(SEP_END),
      raw: text.slice(d(RAW_START), d(RAW_END)),
      end: d(END),
      quote: d(BITS) & 3,
      flags: d(BITS) & ~3,
      value: decodeValue(text, d(RAW_START), d(RAW_END), d(BITS) & 3),
    };
  });
}

describe('scan', () => {
  it('records offsets: line start, key, separator end, raw value and line end', () => {
    const text = '  export A = "x y" # c\r\nB: v\n';
    expect(records(text)).toEqual([
      { key: 'A', start: 0, keyStart: 9, sepEnd: 12, raw: '"x y"', end: 24, quote: 2, flags: EXPORTED, value: 'x y' },
      { key: 'B', start: 24, keyStart: 24, sepEnd: 27, raw: 'v', end: 29, quote: 0, flags: COLON, value: 'v' },
    ]);
  });

  it('a multi-line quoted value is one assignment ending after its last line', () => {
    const text = "A='one\ntwo'\nB=2";
    const [a, b] = records(text);
    expect(a).toMatchObject({ key: 'A', raw: "'one\ntwo'", end: 12, value: 'one\ntwo' });
    expect(b).toMatchObject({ key: 'B', start: 12, end: text.length });
  });

  it('flags what other readers read differently', () => {
    expect(records('A\n=b')[0]?.flags).toBe(SPANS_LINES);
    expect(records('export\nA=b')[0]?.flags).toBe(SPANS_LINES | EXPORTED);
    expect(records("A=\n'b'")[0]?.flags).toBe(SPANS_LINES);
    expect(records('A:\nb')[0]?.flags).toBe(SPANS_LINES | COLON);
    expect(records('A="open')[0]?.flags).toBe(BAD_QUOTE);
    expect(records("A='x' y")[0]?.flags).toBe(BAD_QUOTE);
    expect(records("A='x\\'")[0]?.flags).toBe(ESCAPED_CLOSE);
    expect(records("A='x' # c\nB=`y`")).toMatchObject([{ flags: 0, quote: 1 }, { flags: 0, quote: 3 }]);
  });

  it('lists garbage lines by the offset of their first non-blank character', () => {
    expect(scan('A=1\n  not an assignment\n# comment\n\nB C=2\n').junk).toEqual([6, 35]);
  });

  it('expands \\n and \\r like two global replaces would', () => {
    const cases = ['a\\nb', '\\\\n', '\\\\\\n', 'x\\rn\\n', '\\', 'a\\', '\\x\\n\\'];
    for (const s of cases) {
      expect(expandNewlineEscapes(s)).toBe(s.replace(/\\n/g, '\n').replace(/\\r/g, '\r'));
    }
  });

  it('reads texts that make a backtracking regex work hard like dotenv does', () => {
    // Many quotes whose closing candidates are escaped: each opening quote searches ahead, then backtracks.
    const text = Array.from({ length: 20000 }, (_, i) => `K${i}="a\\"b\\" # x`).join('\n');
    const doc = parseDocument(text);
    expect(doc.keys()).toHaveLength(20000);
    expect(doc.toObject()).toEqual(dotenv.parse(text));
  });
});
