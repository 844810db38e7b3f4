import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { assertParsed, parseDocument, type EnvDocument } from './document.js';
import { portableValue } from './portable.js';

const dotenv = createRequire(import.meta.url)('dotenv') as { parse(src: string): Record<string, string> };
const FIXTURE = new URL('../../../../test/fixtures/dialects/edge-cases.env', import.meta.url);

/** The document must read exactly what npm dotenv reads, and give back the text unchanged. */
function expectLikeDotenv(text: string): EnvDocument {
  const doc = parseDocument(text);
  expect(doc.toObject()).toEqual(dotenv.parse(text));
  expect(doc.toString()).toBe(text);
  return doc;
}

// ---------------------------------------------------------------------------------------------------
// Generators: a realistic .env grammar, and token soup aimed at npm dotenv's regex corner cases.

const keyArb = fc.oneof(
  fc.constantFrom('A', 'B', 'KEY', 'DB_URL', 'export', 'a.b', 'x-y', '_1'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/),
);
const valueChar = fc.constantFrom(
  'a', 'Z', '0', ' ', '\t', '#', '$', '{', '}', '=', ':', "'", '"', '`', '\\', 'n', 'r', '@', '/', '?', '%', 'é', '🔑', '\u00a0', '\u2028',
);
const valueText = fc.array(valueChar, { maxLength: 12 }).map((a) => a.join(''));
const bodyText = fc
  .array(fc.oneof(valueChar, fc.constantFrom('\n', '\r\n', "\\'", '\\"', '\\n', '\\\\')), { maxLength: 12 })
  .map((a) => a.join(''));
const writtenValue = fc.oneof(
  valueText,
  bodyText.map((b) => `'${b}'`),
  bodyText.map((b) => `"${b}"`),
  bodyText.map((b) => `\`${b}\``),
  bodyText.map((b) => `"${b}`), // unterminated
  fc.tuple(bodyText, valueText).map(([b, t]) => `'${b}'${t}`), // text after the closing quote
);
const blanks = fc.constantFrom('', ' ', '  ', '\t', ' \t');
const assignment = fc
  .record({
    indent: blanks,
    exported: fc.constantFrom('', 'export ', 'export  ', 'export\t'),
    key: keyArb,
    sep: fc.constantFrom('=', ' = ', '= ', ' =', ': ', '=\t'),
    value: writtenValue,
    trail: fc.constantFrom('', ' ', ' # comment', '# tight', '\t#tab', '  ## x'),
  })
  .map((r) => r.indent + r.exported + r.key + r.sep + r.value + r.trail);
const lineArb = fc.oneof(
  { weight: 6, arbitrary: assignment },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\t') },
  { weight: 1, arbitrary: valueText.map((t) => `# ${t}`) },
  { weight: 1, arbitrary: valueText.map((t) => `  #${t}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 15 }) }, // garbage
  { weight: 1, arbitrary: fc.constantFrom('export', 'KEY', 'A B=c', '=x', 'KEY\t:x', 'export =x', 'A:b') },
);
const eolArb = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r', '\u2028');
const envText = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(fc.tuple(lineArb, eolArb), { maxLength: 12 }),
    finalEol: fc.boolean(),
  })
  .map(({ bom, lines, finalEol }) => {
    const body = lines.map(([l, e], i) => l + (i < lines.length - 1 || finalEol ? e : '')).join('');
    return (bom ? '\uFEFF' : '') + body;
  });
const soup = fc
  .array(
    fc.constantFrom(
      'A', 'B', 'x', '=', ':', ' ', '\t', '\n', '\r', '\r\n', '#', "'", '"', '`', '\\', 'n', 'export', 'export ', '$', '{', '}',
      '\u2028', '\u2029', '\uFEFF', '\u00a0', '.', '-', 'A=', '\nB=', "='", '="', "'\n", '"\n', '\\"', "\\'",
    ),
    { maxLength: 60 },
  )
  .map((a) => a.join(''));

describe('reads every text exactly as npm dotenv.parse does', () => {
  test('generated .env files (all quote styles, escapes, comments, CRLF, multiline, export, garbage)', () => {
    fc.assert(fc.property(envText, (text) => void expectLikeDotenv(text)), { numRuns: 4000 });
  });

  test('token soup aimed at the regex corner cases', () => {
    fc.assert(fc.property(soup, (text) => void expectLikeDotenv(text)), { numRuns: 20000 });
  });

  test('any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => void expectLikeDotenv(text)), {
      numRuns: 3000,
    });
  });

  test('the edge-case fixture, in LF, CRLF and CR and without its final newline', () => {
    const lf = readFileSync(FIXTURE, 'utf8');
    for (const text of [lf, lf.replace(/\n/g, '\r\n'), lf.replace(/\n/g, '\r'), lf.slice(0, -1), `\uFEFF${lf}`]) {
      expectLikeDotenv(text);
    }
    const doc = parseDocument(lf);
    expect(doc.get('HASH_NO_SPACE')).toBe('pa');
    expect(doc.get('MULTI')).toBe('first\nsecond # not a comment\nthird');
    expect(doc.get('DUPLICATE')).toBe('second');
    expect(doc.get('UNCLOSED')).toBe('"never closed');
    expect(doc.get('AFTER_UNCLOSED')).toBe('still read');
  });

  // [text, expected object]: each row pins a behaviour of dotenv's regex; all are also compared with dotenv itself.
  const table: [string, Record<string, string>][] = [
    ['A=b', { A: 'b' }],
    ['A = b  ', { A: 'b' }],
    ['A=b # c', { A: 'b' }],
    ['A=b#c', { A: 'b' }],
    ['A=#c', { A: '' }],
    ['A=', { A: '' }],
    ['A=\nB=c', { A: '', B: 'c' }],
    ['export A=b', { A: 'b' }],
    ['export =x', { export: 'x' }],
    ['export A', {}],
    ['A: b', { A: 'b' }],
    ['A:b', {}],
    ['A:\nb', { A: 'b' }], // `:\s+?` takes the line break
    ['A\n=b', { A: 'b' }], // `\s*=` crosses lines
    ['export\nA=b', { A: 'b' }],
    ["A=\n'x'", { A: 'x' }], // the quoted alternative's `\s*` crosses lines
    ['A="x\\ny"', { A: 'x\ny' }],
    ['A="x\\\\ny"', { A: 'x\\\ny' }],
    ["A='x\\ny'", { A: 'x\\ny' }],
    ['A="a\nb"', { A: 'a\nb' }],
    ['A="a\r\nb"\r\n', { A: 'a\nb' }],
    ['A="pa\\"ss"', { A: 'pa\\"ss' }],
    ["A='it\\'s'", { A: "it\\'s" }],
    ["A='a\\'", { A: 'a\\' }],
    ['A=`t`', { A: 't' }],
    ['A="abc', { A: '"abc' }],
    ['A="abc\\n', { A: '"abc\n' }], // unterminated, yet `\n` is expanded because the value starts with "
    ["A='abc' x", { A: "'abc' x" }],
    ["A='abc'x'", { A: "abc'x" }],
    ['A="a\\" b"c', { A: '"a\\" b"c' }],
    ['A="x\nB=y"', { A: 'x\nB=y' }],
    ['A="abc\nB=def\nC="ghi"', { A: '"abc', B: 'def', C: 'ghi' }],
    ["A='x\\'\nB='y'", { A: 'x\\', B: 'y' }], // the escaped quote closes, once the unescaped one fails
    ['A=b\u2028C=d', { A: 'b\u2028C=d' }],
    ['A=b #c\u2028C=d', { A: 'b', C: 'd' }],
    ["A='a'\u2028'b'", { A: 'a' }],
    ['A=x\u2028"y"', { A: 'x\u2028y' }],
    ['\uFEFFA=b', { A: 'b' }],
    ['A=\u00a0b\u00a0', { A: 'b' }],
    ['A=1\nA=2', { A: '2' }],
    ['a.b-c=1', { 'a.b-c': '1' }],
    ['__proto__=x\nconstructor=y', { constructor: 'y' }],
  ];
  test.each(table)('%j', (text, expected) => {
    const doc = expectLikeDotenv(text);
    expect(doc.toObject()).toEqual(expected);
  });
});

describe('lossless', () => {
  test('parseDocument(t).toString() === t for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (t) => parseDocument(t).toString() === t), {
      numRuns: 5000,
    });
    fc.assert(fc.property(envText, (t) => parseDocument(t).toString() === t), { numRuns: 2000 });
  });
});

describe('queries', () => {
  const text = 'A=1\n# c\nexport B="two"\nA=3\nC: four # x\n';
  const doc = parseDocument(text);

  it('get / has / keys / toObject: last assignment wins, keys in first-appearance order', () => {
    expect(doc.get('A')).toBe('3');
    expect(doc.get('missing')).toBeUndefined();
    expect(doc.has('B')).toBe(true);
    expect(doc.has('D')).toBe(false);
    expect(doc.keys()).toEqual(['A', 'B', 'C']);
    expect(doc.toObject()).toEqual({ A: '3', B: 'two', C: 'four' });
  });

  it('entries() lists every assignment with its position and how it is written', () => {
    expect(doc.entries()).toEqual([
      { key: 'A', value: '1', line: 1, column: 1, quote: 'none', exported: false, raw: '1', separator: '=', before: '', after: '' },
      { key: 'B', value: 'two', line: 3, column: 8, quote: 'double', exported: true, raw: '"two"', separator: '=', before: '', after: '' },
      { key: 'A', value: '3', line: 4, column: 1, quote: 'none', exported: false, raw: '3', separator: '=', before: '', after: '' },
      { key: 'C', value: 'four', line: 5, column: 1, quote: 'none', exported: false, raw: 'four', separator: ':', before: '', after: ' # x' },
    ]);
    expect(doc.entry('A')?.line).toBe(4);
    expect(doc.entry('nope')).toBeUndefined();
  });

  it('counts lines across CRLF, CR and a BOM', () => {
    const d = parseDocument('\uFEFFA=1\r\nB=2\rC=3\n  D=4');
    expect(d.entries().map((e) => [e.key, e.line, e.column])).toEqual([
      ['A', 1, 1],
      ['B', 2, 1],
      ['C', 3, 1],
      ['D', 4, 3],
    ]);
  });
});

describe('problems', () => {
  it('reports garbage lines, unclosed quotes, text after a closing quote, split assignments and duplicates', () => {
    const text = [
      'A=1',
      'this is not an assignment',
      'B="never closed',
      "C='closed' junk",
      'D',
      '=split',
      'A=2',
      '  # fine comment',
      '',
    ].join('\n');
    const doc = parseDocument(text);
    expect(doc.problems.map((p) => [p.kind, p.line, p.column, p.key])).toEqual([
      ['syntax', 2, 1, undefined],
      ['syntax', 3, 3, 'B'],
      ['syntax', 4, 3, 'C'],
      ['syntax', 5, 1, 'D'],
      ['duplicate', 7, 1, 'A'],
    ]);
    expect(doc.problems[1]?.message).toMatch(/never closed/);
    expect(doc.problems[2]?.message).toMatch(/text follows the closing single quote/);
    expect(doc.problems[4]?.message).toMatch(/first at line 1/);
    // the readers' view is unaffected: still dotenv's
    expect(doc.toObject()).toEqual(dotenv.parse(text));
  });

  it('never puts a value into a message', () => {
    const secret = 'S3cr3t-value';
    const doc = parseDocument(`X="${secret}\nY='${secret}' ${secret}\n${secret} ${secret}\nX=${secret}\n`);
    expect(doc.problems.length).toBeGreaterThan(2);
    for (const p of doc.problems) expect(p.message).not.toContain(secret);
  });

  it('reports a byte order mark, which python-dotenv reads as part of the first key', () => {
    const doc = parseDocument('\uFEFFA=1\n');
    expect(doc.problems).toMatchObject([{ kind: 'syntax', line: 1, column: 1 }]);
    expect(doc.problems[0]?.message).toMatch(/byte order mark/);
    expect(doc.get('A')).toBe('1');
  });

  it('a clean file has none', () => {
    expect(parseDocument('# c\n\nexport A=1\nB="x\ny"\r\nC=\n').problems).toEqual([]);
  });

  it('assertParsed throws PARSE listing every syntax problem as file:line:column, and ignores duplicates', () => {
    const doc = parseDocument('A=1\nbad line\nB="open\nA=2\nother bad\n');
    let error: unknown;
    try {
      assertParsed(doc, '/p/.env');
    } catch (e) {
      error = e;
    }
    expect(isEnvkitError(error, 'PARSE')).toBe(true);
    const err = error as EnvkitError;
    expect(err.path).toBe('/p/.env');
    expect(err.issues.map((i) => i.location)).toEqual(['/p/.env:2:1', '/p/.env:3:3', '/p/.env:5:1']);
    expect(err.issues[1]?.key).toBe('B');
    expect(() => assertParsed(parseDocument('A=1\nA=2\n'), '.env')).not.toThrow();
  });
});

describe('set', () => {
  it('replaces the value in place, keeping export, spacing and the inline comment', () => {
    const doc = parseDocument('# head\r\nexport  A = old   # keep me\r\nB=2\r\n');
    doc.set('A', 'new #value');
    expect(doc.toString()).toBe("# head\r\nexport  A = 'new #value'   # keep me\r\nB=2\r\n");
    expect(doc.get('A')).toBe('new #value');
    doc.set('A', 'plain');
    expect(doc.toString()).toBe('# head\r\nexport  A = plain   # keep me\r\nB=2\r\n');
  });

  it('replaces a multi-line quoted value and only that', () => {
    const doc = parseDocument('A="one\ntwo"\nB=2\n');
    doc.set('A', 'x');
    expect(doc.toString()).toBe('A=x\nB=2\n');
  });

  it('keeps a comment a comment for every reader', () => {
    const cases: [string, string, string][] = [
      ['A=pa#note\n', 'x', 'A=x #note\n'],
      ['A=old\t#note\n', 'x', 'A=x #note\n'],
      ['A=old # note\n', '', "A='' # note\n"],
      ['A=   # note\n', 'v', 'A=v   # note\n'],
      ["A='old'#note\n", 'v', 'A=v #note\n'],
    ];
    for (const [before, value, after] of cases) {
      const doc = parseDocument(before);
      doc.set('A', value);
      expect(doc.toString()).toBe(after);
      expect(dotenv.parse(after).A).toBe(value);
    }
  });

  it('rewrites a value that starts on the next line onto the key line', () => {
    const doc = parseDocument("A=\n'x'\nB=1\n");
    doc.set('A', 'y');
    expect(doc.toString()).toBe('A=y\nB=1\n');
  });

  it('appends a new key with the file line break, adding one before it when the file lacks a final one', () => {
    const cases: [string, string][] = [
      ['', 'K=v\n'],
      ['A=1\n', 'A=1\nK=v\n'],
      ['A=1', 'A=1\nK=v\n'],
      ['A=1\r\nB=2', 'A=1\r\nB=2\r\nK=v\r\n'],
      ['# only a comment', '# only a comment\nK=v\n'],
    ];
    for (const [before, after] of cases) {
      const doc = parseDocument(before);
      doc.set('K', 'v');
      expect(doc.toString()).toBe(after);
    }
  });

  it('puts a new key before or after another, whatever stands next to it', () => {
    // [text, placement, expected]: an insertion right at the start of another assignment once read as
    // changing that assignment (a false PARSE error), e.g. `set A --before B` with nothing above B.
    const cases: [string, { before?: string; after?: string }, string][] = [
      ['B=x\n', { before: 'B' }, 'K=v\nB=x\n'],
      ['B=x', { before: 'B' }, 'K=v\nB=x'],
      ['A=1\nB=x\n', { before: 'B' }, 'A=1\nK=v\nB=x\n'],
      ['export B="x\ny"\n', { before: 'B' }, 'K=v\nexport B="x\ny"\n'],
      ['B=x\nC=z\n', { after: 'B' }, 'B=x\nK=v\nC=z\n'],
      ['B=x\r\nC=z\r\n', { after: 'B' }, 'B=x\r\nK=v\r\nC=z\r\n'],
      ['B="x\ny"\nC=z\n', { after: 'B' }, 'B="x\ny"\nK=v\nC=z\n'],
      ['B=x\n', { after: 'B' }, 'B=x\nK=v\n'],
      ['B=x', { after: 'B' }, 'B=x\nK=v\n'],
    ];
    for (const [text, placement, expected] of cases) {
      const doc = parseDocument(text);
      doc.set('K', 'v', placement);
      expect(doc.toString(), `${JSON.stringify(text)} ${JSON.stringify(placement)}`).toBe(expected);
      expect(dotenv.parse(expected)).toEqual({ ...dotenv.parse(text), K: 'v' });
    }
  });

  it('puts new keys before and after every key of a file, in any order, as dotenv reads them', () => {
    const text = '# top\nA=1\n\nexport B="two\nlines"\nC=3 # c\nD=\n';
    for (const anchor of ['A', 'B', 'C', 'D']) {
      for (const side of ['before', 'after'] as const) {
        const doc = parseDocument(text);
        doc.set('K', 'v', { [side]: anchor });
        doc.set('L', 'w', { [side]: 'K' });
        const keys = doc.keys();
        const at = keys.indexOf(anchor);
        expect(keys.indexOf('K'), `${side} ${anchor}`).toBe(side === 'before' ? at - 1 : at + 1);
        expect(dotenv.parse(doc.toString())).toEqual({ ...dotenv.parse(text), K: 'v', L: 'w' });
      }
    }
  });

  it('sets the effective (last) assignment of a duplicated key and removes the earlier ones', () => {
    const doc = parseDocument('A=1\nB=x\nA=2 # keep\n');
    doc.set('A', '3');
    expect(doc.toString()).toBe('B=x\nA=3 # keep\n');
    expect(doc.problems).toEqual([]);
  });

  it('refuses an unportable value with UNPORTABLE naming the key and the reason, never the value', () => {
    const doc = parseDocument('A=1\n');
    const value = "it's $5";
    let error: unknown;
    try {
      doc.set('PASSWORD', value);
    } catch (e) {
      error = e;
    }
    expect(isEnvkitError(error, 'UNPORTABLE')).toBe(true);
    const err = error as EnvkitError;
    expect(err.message).toContain('PASSWORD');
    expect(err.message).toMatch(/single quote/);
    expect(err.message).not.toContain(value);
    expect(JSON.stringify(err)).not.toContain(value);
    expect(doc.toString()).toBe('A=1\n');
  });

  it('refuses a key that is not a variable name', () => {
    expect(() => parseDocument('').set('A B', 'x')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseDocument('').set('1A', 'x')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('refuses with PARSE when an unclosed quote earlier in the file would swallow the new line', () => {
    const text = "A='open\n";
    const doc = parseDocument(text);
    let error: unknown;
    try {
      doc.set('B', '#x'); // written '#x': its opening quote would close A's
    } catch (e) {
      error = e;
    }
    expect(isEnvkitError(error, 'PARSE')).toBe(true);
    expect((error as EnvkitError).issues[0]?.location).toBe('1:3');
    expect(doc.toString()).toBe(text);
  });

  test('property: a new key placed before or after any key changes nothing else a reader sees', () => {
    fc.assert(
      fc.property(envText, fc.nat(), fc.boolean(), (text, pick, before) => {
        const doc = parseDocument(text);
        const keys = doc.keys().filter((k) => k !== 'NEW_KEY');
        if (keys.length === 0 || doc.problems.some((p) => p.kind === 'syntax')) return;
        const anchor = keys[pick % keys.length] as string;
        const expected = { ...dotenv.parse(text), NEW_KEY: 'v' };
        doc.set('NEW_KEY', 'v', before ? { before: anchor } : { after: anchor });
        expect(dotenv.parse(doc.toString())).toEqual(expected);
        expect(doc.toObject()).toEqual(parseDocument(doc.toString()).toObject());
      }),
      { numRuns: 2000 },
    );
  });

  test('property: set touches only its own lines, and every reader-visible value but the key stays', () => {
    const portable = fc.string({ maxLength: 10 }).filter((v) => portableValue(v).ok);
    fc.assert(
      fc.property(envText, fc.oneof(keyArb, fc.constant('NEW_KEY')), portable, (text, key, value) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return;
        const doc = parseDocument(text);
        const before = dotenv.parse(text);
        const entry = doc.entry(key);
        const first = doc.entries().find((e) => e.key === key);
        try {
          doc.set(key, value);
        } catch (error) {
          expect(isEnvkitError(error, 'PARSE')).toBe(true);
          expect(doc.problems.some((p) => p.kind === 'syntax')).toBe(true);
          expect(doc.toString()).toBe(text);
          return;
        }
        const next = doc.toString();
        expect(dotenv.parse(next)).toEqual({ ...before, [key]: value });
        expect(doc.get(key)).toBe(value);
        expect(parseDocument(next).toObject()).toEqual(doc.toObject());
        if (next === text) return; // the value was already written in its portable form: nothing to locate
        const [from, to] = changedRange(text, next);
        if (entry === undefined) {
          expect(from).toBe(text.length);
        } else {
          // the change lies between the start of the key's line and the end of the line where the value ends
          const lineStart = lineStartOffset(text, entry.line);
          const keyAt = lineStart + entry.column - 1 + (entry.line === 1 && text.startsWith('\uFEFF') ? 1 : 0);
          const rest = (entry.before ?? '') + entry.raw + (entry.after ?? '');
          const restAt = text.indexOf(rest, keyAt + key.length);
          expect(restAt).toBeGreaterThanOrEqual(keyAt);
          let lineEnd = restAt + rest.length;
          while (lineEnd < text.length && !/[\r\n\u2028\u2029]/.test(text[lineEnd] as string)) lineEnd++;
          // earlier duplicates are removed, so the change may start at the first assignment's line
          // (an `export` prefix may stand on an earlier line: npm dotenv lets `export\n` lead an assignment)
          const firstLine = first?.line ?? entry.line;
          const exportAt = first?.exported ? text.lastIndexOf('export', lineStartOffset(text, firstLine)) : -1;
          expect(from).toBeGreaterThanOrEqual(exportAt >= 0 ? text.lastIndexOf('\n', exportAt) + 1 : lineStartOffset(text, firstLine));
          expect(to).toBeLessThanOrEqual(lineEnd);
          expect(parseDocument(next).entries().filter((e) => e.key === key)).toHaveLength(1);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the comment line above a key', () => {
  it('is found and removed whatever the line breaks of the file: LF, CRLF or lone CR', () => {
    for (const nl of ['\n', '\r\n', '\r']) {
      const text = `B=1${nl}# c${nl}A=1${nl}`;
      const doc = parseDocument(text);
      expect(doc.commentAbove('A'), JSON.stringify(nl)).toBe('# c');
      expect(doc.commentAbove('B')).toBeUndefined();
      expect(doc.removeCommentAbove('A', (line) => line === '# c')).toBe(true);
      expect(doc.toString()).toBe(`B=1${nl}A=1${nl}`);
      expect(doc.get('A')).toBe('1');
    }
  });

  it('is not taken from a quoted value above, a blank line apart, or for a key assigned twice', () => {
    expect(parseDocument('B="x\n# no"\nA=1\n').commentAbove('A')).toBeUndefined();
    expect(parseDocument('# c\n\nA=1\n').commentAbove('A')).toBeUndefined();
    const twice = parseDocument('# c\nA=1\nA=2\n');
    expect(twice.commentAbove('A')).toBeUndefined();
    twice.insertCommentAbove('A', '# new');
    expect(twice.toString()).toBe('# c\nA=1\nA=2\n');
  });
});

describe('delete', () => {
  it('removes every line assigning the key, multi-line values included', () => {
    const doc = parseDocument('A=1\r\nB="x\r\ny"\r\n# c\r\nB=2\r\nC=3');
    expect(doc.delete('B')).toBe(true);
    expect(doc.toString()).toBe('A=1\r\n# c\r\nC=3');
    expect(doc.has('B')).toBe(false);
    expect(doc.delete('B')).toBe(false);
  });

  it('removes the last line even without a final newline', () => {
    const doc = parseDocument('A=1\nB=2');
    doc.delete('B');
    expect(doc.toString()).toBe('A=1\n');
  });

  test('property: removes only whole lines of that key and keeps every other value', () => {
    fc.assert(
      fc.property(envText, keyArb, (text, key) => {
        const doc = parseDocument(text);
        const before = dotenv.parse(text);
        let removed: boolean;
        try {
          removed = doc.delete(key);
        } catch (error) {
          expect(isEnvkitError(error, 'PARSE')).toBe(true);
          expect(doc.toString()).toBe(text);
          return;
        }
        const next = doc.toString();
        expect(removed).toBe(Object.hasOwn(before, key));
        const { [key]: _gone, ...rest } = before;
        expect(dotenv.parse(next)).toEqual(rest);
        expect(isLineSubsequence(next, text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

/** [first differing offset, end of the differing region in `a`] of two texts. */
function changedRange(a: string, b: string): [number, number] {
  let from = 0;
  while (from < a.length && from < b.length && a[from] === b[from]) from++;
  let ea = a.length;
  let eb = b.length;
  while (ea > from && eb > from && a[ea - 1] === b[eb - 1]) {
    ea--;
    eb--;
  }
  return [from, ea];
}

/** Offset of the start of 1-based `line` (breaks: LF, CRLF, CR, U+2028, U+2029). */
function lineStartOffset(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const m = /\r\n|[\r\n\u2028\u2029]/g;
    m.lastIndex = at;
    const found = m.exec(text);
    if (found === null) return text.length;
    at = found.index + found[0].length;
  }
  return at;
}

/** Whether `small` is `big` with some of its lines (each with its line break) removed. */
function isLineSubsequence(small: string, big: string): boolean {
  const lines = big.match(/[^\r\n\u2028\u2029]*(?:\r\n|[\r\n\u2028\u2029]|$)/g)?.filter((l) => l !== '') ?? [];
  let at = 0;
  for (const line of lines) if (small.startsWith(line, at)) at += line.length;
  return at === small.length;
}

describe('set before a key, then delete with its comment block', () => {
  it.each(['   \nB=2\n', '\nB=2\n', 'A=1\n\t\nB=2\n', 'A=1\r\n  \r\nB=2\r\n'])('gives %j back byte for byte, a blank line holding spaces kept', (before) => {
    const doc = parseDocument(before);
    doc.set('NEW', 'v', { before: 'B', comment: ['# new'] });
    expect(doc.toString()).not.toBe(before);
    doc.delete('NEW', { comment: (line) => line === '# new' });
    expect(doc.toString()).toBe(before);
  });
});
