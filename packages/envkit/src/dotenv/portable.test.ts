import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, test } from 'vitest';
import {
  hasPythonDotenv,
  readManyWithPythonDotenv,
  readWithComposeGoModel,
  readWithNpmDotenv,
  readWithPythonDotenv,
} from '../../../../test/helpers/readers.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { isEnvkitError, type EnvkitError } from '../errors.js';
import { parseDocument } from './document.js';
import { checkWrittenValue, encodeValue, portableValue, type PortableForm } from './portable.js';

const dir = mkdtempSync(join(tmpdir(), 'envkit-portable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function writeTemp(text: string): string {
  const file = join(dir, `f${fileCount++}.env`);
  writeFileSync(file, text);
  return file;
}

const python = requireTool('python-dotenv 0.21', hasPythonDotenv(), 'apt-get install python3-dotenv');

// ---------------------------------------------------------------------------------------------------
// The corpus of nasty values.

const PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
function corpus(): string[] {
  const values = new Set<string>([
    '',
    'abcDEF123_-.',
    'a=b',
    '==',
    'p@ss:w/rd?%',
    'a~b^c!d*e(f)g[h]i{j}k|l;m<n>o&p?q',
    'postgresql+psycopg://user:p%40ss@db:5432/memu_db',
    'https://openrouter.ai/api/v1?x=1&y=2#frag',
    'http://192.168.25.165:11434/api',
    'sk-proj-AbC123_xyz-789',
    'sk-or-v1-0123456789abcdef',
    ' ',
    '   ',
    '\t',
    ' lead',
    'trail ',
    ' both ',
    'in side',
    'tab\tinside',
    'line1\nline2',
    'ends with newline\n',
    '\nstarts with newline',
    'cr\rinside',
    'crlf\r\ninside',
    'nul\0inside',
    '$',
    '$$',
    'pa$$ss',
    '$USER',
    'pa$USER',
    '${HOME}',
    'pa${HOME}x',
    'a ${X} b',
    '${X:-d}',
    'ab${cd',
    '${',
    '$5',
    '#',
    '#lead',
    'pa#ss',
    'pa #ss',
    'a # b',
    '\\',
    '\\\\',
    'a\\b',
    'a\\\\b',
    'ends\\',
    '\\n',
    'C:\\path\\to',
    "it's",
    "'lead",
    "trail'",
    "'both'",
    '"lead',
    'mid"dle',
    '"both"',
    '`tick`',
    '`lead',
    'mid`tick',
    "it's $5",
    'it\'s "quoted"',
    '"\'',
    "'\"",
    'a"b$c',
    "it's ${X}",
    "' #",
    "it's #\\",
    '"\'\\',
    "'${HOME}'",
    "it's\\\\ # x",
    'say "$1"',
    "a'b\\c",
    'pässwörd',
    'Ωmega 中文 日本語',
    '🔑🚀',
    'emoji 🔑 in middle',
    '\u00a0nbsp',
    'nbsp\u00a0',
    'mid\u00a0nbsp',
    '\uFEFFbom',
    'bom\uFEFF',
    '\u2028ls',
    'mid\u2028ls',
    "mid\u2028'ls'",
    'mid\u2029ps',
    '\x85nel',
    'nel\x85',
    'mid\x85nel',
    '\x1cfs',
    'fs\x1c',
    'mid\x1cfs',
    '\x0bvt',
    'mid\x0bvt',
    'mid\x0cff',
    '\x7fdel',
    'bell\x07',
    '\u200bzwsp',
    '\u3000ideo',
  ]);
  for (const c of PUNCT) {
    values.add(c);
    values.add(`a${c}b`);
    values.add(`${c}x`);
    values.add(`x${c}`);
    values.add(` ${c} `);
    for (const d of PUNCT) values.add(c + d);
  }
  return [...values];
}

function naive(value: string, form: PortableForm): string {
  return form === 'plain' ? value : form === 'single' ? `'${value}'` : `"${value}"`;
}

// ---------------------------------------------------------------------------------------------------

describe('portableValue', () => {
  const table: [string, PortableForm | RegExp, string?][] = [
    ['', 'plain', ''],
    ['abcDEF123_-.', 'plain'],
    ['p@ss:w/rd?%', 'plain'],
    ['a=b', 'plain'],
    ['==', 'plain'],
    ['pässwörd 🔑', 'plain'],
    ["it's", 'plain'],
    ['a"b', 'plain'],
    ['in side', 'plain'],
    [' lead', 'single', "' lead'"],
    ['   ', 'single'],
    ['a#b', 'single'],
    ['a$b', 'single'],
    ['a$$b', 'single'],
    ['a\\b', 'single'],
    ["'lead", 'double', `"'lead"`],
    ['"lead', 'single', `'"lead'`],
    ['`tick`', 'single'],
    ['line1\nline2', 'single'],
    ['\u2028', 'single'],
    ['mid\x85nel', 'plain'],
    ['\x85nel', 'single'],
    ['\uFEFFbom', 'single'],
    ["it's #1", 'double', `"it's #1"`],
    ["it's\nfine", 'double'],
    ['ab${cd', 'single', "'ab${cd'"],
    ['${a:b}', 'single'],
    ["a'b\\c", 'double', `"a'b\\c"`],
    ['\\', 'plain', '\\'],
    ['ends\\', 'plain'],
    ["a'b\\\\c", 'plain'],
    ['a\\\\b # c', /two backslashes.*backslash escape/],
    ["it's #\\", /single quote.*backslash escape/],
    ["it's $5", /single quote.*dollar sign/],
    ['${HOME}', /\$\{.*dollar sign/],
    ['a\'b"c #', /single quote.*double quote/],
    ['nul\0', /NUL/],
    ['cr\r', /carriage return/],
  ];
  test.each(table)('%j', (value, expected, text) => {
    const result = portableValue(value);
    if (expected instanceof RegExp) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toMatch(expected);
        expect(result.reason).not.toContain(value);
      }
    } else {
      expect(result).toMatchObject({ ok: true, form: expected, ...(text === undefined ? {} : { text }) });
    }
  });

  it('a generated password alphabet is always plain', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    for (let i = 0; i < 200; i++) {
      let v = '';
      for (let j = 0; j < 32; j++) v += alphabet[(i * 31 + j * 17 + j * j) % alphabet.length];
      expect(portableValue(v)).toEqual({ ok: true, text: v, form: 'plain' });
    }
  });

  it('encodeValue throws UNPORTABLE naming the key and the reason, never the value', () => {
    const value = "it's $Xyzzy";
    let error: unknown;
    try {
      encodeValue(value, 'POSTGRES_PASSWORD');
    } catch (e) {
      error = e;
    }
    expect(isEnvkitError(error, 'UNPORTABLE')).toBe(true);
    const err = error as EnvkitError;
    expect(err.message).toMatch(/POSTGRES_PASSWORD.*single quote/);
    expect(`${err.message} ${err.hint ?? ''} ${JSON.stringify(err.issues)}`).not.toContain('Xyzzy');
    expect(encodeValue('a b#c')).toBe("'a b#c'");
  });
});

describe.runIf(python)('against the real readers', () => {
  const values = corpus();

  it('docs/dialects.md: the measured table holds for npm dotenv, python-dotenv and the compose-go model', () => {
    // [line, npm, python, compose-go] with USER=bob HOME=/h X=ex; null: compose-go rejects the file
    const rows: [string, string, string, string | null][] = [
      ['V=pa#ss', 'pa', 'pa#ss', 'pa#ss'],
      ['V=pa #ss', 'pa', 'pa', 'pa'],
      ['V=pa$$ss', 'pa$$ss', 'pa$$ss', 'pa$ss'],
      ['V=pa$USER', 'pa$USER', 'pa$USER', 'pabob'],
      ['V=pa${HOME}x', 'pa${HOME}x', 'pa/hx', 'pa/hx'],
      ["V='${HOME}'", '${HOME}', '/h', '${HOME}'],
      ["V='a ${X} b'", 'a ${X} b', 'a ex b', 'a ${X} b'],
      ['V="pa\\"ss"', 'pa\\"ss', 'pa"ss', 'pa"ss'],
      ['V="x\\\\y"', 'x\\\\y', 'x\\y', 'x\\y'],
      ['V=ab\\$cd', 'ab\\$cd', 'ab\\$cd', 'ab\\'],
      ['V=`tick`', 'tick', '`tick`', '`tick`'],
      ['V=ab${cd', 'ab${cd', 'ab${cd', null],
    ];
    const files = rows.map(([line]) => writeTemp(`${line}\n`));
    const py = readManyWithPythonDotenv(files);
    rows.forEach(([line, npm, pyValue, go], i) => {
      const file = files[i] as string;
      expect(readWithNpmDotenv(file).V, line).toBe(npm);
      expect(py[i]?.V, line).toBe(pyValue);
      const model = readWithComposeGoModel(`${line}\n`);
      if (go === null) expect(model.ok, line).toBe(false);
      else expect(model, line).toEqual({ ok: true, values: { V: go } });
      // and npm dotenv is what the document reads
      expect(parseDocument(`${line}\n`).get('V')).toBe(npm);
    });
  });

  it(`every value portableValue accepts, written with EnvDocument.set into one file, reads back identically everywhere (${values.length} values)`, () => {
    const doc = parseDocument('# corpus\n');
    const written: [string, string][] = [];
    values.forEach((value, i) => {
      if (!portableValue(value).ok) return;
      const key = `V${i}`;
      doc.set(key, value);
      written.push([key, value]);
    });
    expect(written.length).toBeGreaterThan(values.length * 0.6);
    const text = doc.toString();
    const file = writeTemp(text);
    const npm = readWithNpmDotenv(file);
    const py = readWithPythonDotenv(file);
    const go = readWithComposeGoModel(text);
    expect(go.ok).toBe(true);
    const goValues = go.ok ? go.values : {};
    const wrong: string[] = [];
    for (const [key, value] of written) {
      for (const [reader, got] of [['npm', npm[key]], ['python', py[key]], ['compose-go', goValues[key]]] as const) {
        if (got !== value) wrong.push(`${reader} ${key} ${JSON.stringify(value)} -> ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
    // and every written entry passes the checker
    for (const entry of parseDocument(text).entries()) expect(checkWrittenValue(entry), entry.key).toBeUndefined();
  });

  it('every value portableValue refuses is misread by at least one reader in each naive form', () => {
    // NUL is refused because no environment can carry it, not because the readers disagree (tested below).
    const refused = values.filter((v) => !portableValue(v).ok && !v.includes('\0'));
    expect(refused.length).toBeGreaterThan(10);
    const forms: PortableForm[] = ['plain', 'single', 'double'];
    // Alone, and followed by lines whose quotes can close a quote the value leaves open.
    const contexts = ['', "W=`#`\nX='#'\nY=\"#\"\n"];
    const cases = refused.flatMap((value) =>
      forms.flatMap((form) => contexts.map((after) => ({ value, form, text: `V=${naive(value, form)}\n${after}` }))),
    );
    const files = cases.map((c) => writeTemp(c.text));
    const py = readManyWithPythonDotenv(files);
    const readAlike = new Map<string, boolean>();
    cases.forEach((c, i) => {
      const npm = readWithNpmDotenv(files[i] as string).V;
      const go = readWithComposeGoModel(c.text);
      const alike = [npm, py[i]?.V, go.ok ? go.values.V : undefined].every((v) => v === c.value);
      const id = `${c.form} ${JSON.stringify(c.value)}`;
      readAlike.set(id, (readAlike.get(id) ?? true) && alike);
    });
    expect([...readAlike].filter(([, alike]) => alike).map(([id]) => id)).toEqual([]);
  });

  it('a NUL, which the readers read alike, cannot be passed in an environment variable', () => {
    const file = writeTemp('V=nul\0inside\n');
    expect(readWithNpmDotenv(file).V).toBe('nul\0inside');
    expect(readWithPythonDotenv(file).V).toBe('nul\0inside');
    expect(() => spawnSync('/bin/true', { env: { V: 'nul\0inside' } })).toThrow(/null bytes/);
  });

  it('checkWrittenValue: no reason ⇔ all three readers read the written value the same', () => {
    const trails = ['', ' # c', '#c', '\t#c', '  '];
    const forms: ((v: string) => string)[] = [(v) => v, (v) => `'${v}'`, (v) => `"${v}"`, (v) => `\`${v}\``];
    const lines = new Set<string>();
    for (const value of values) {
      if (value.includes('\n') || value.includes('\r') || value.includes('\0')) continue; // one line per case; NUL: above
      for (const form of forms) for (const trail of trails) lines.add(`V=${form(value)}${trail}`);
    }
    lines.add('V: value');
    lines.add('V=\u2000value');
    lines.add('V=value\uFEFF # c');
    lines.add('V= # only a comment');
    const cases = [...lines].map((line) => ({ line, text: `${line}\n` }));
    const files = cases.map((c) => writeTemp(c.text));
    const py = readManyWithPythonDotenv(files);
    const falseAlarms: string[] = [];
    const missed: string[] = [];
    let checked = 0;
    let flagged = 0;
    cases.forEach((c, i) => {
      const doc = parseDocument(c.text);
      const entry = doc.entry('V');
      if (entry === undefined || doc.problems.length > 0) return; // syntax problems are the document's to report
      checked++;
      const npm = readWithNpmDotenv(files[i] as string).V;
      const go = readWithComposeGoModel(c.text);
      const agree = npm === entry.value && py[i]?.V === npm && go.ok && go.values.V === npm;
      const reason = checkWrittenValue(entry);
      if (agree && reason !== undefined) falseAlarms.push(`${JSON.stringify(c.line)}: ${reason}`);
      if (!agree && reason === undefined) missed.push(JSON.stringify(c.line));
      if (reason !== undefined) flagged++;
    });
    expect(checked).toBeGreaterThan(15000);
    expect(flagged).toBeGreaterThan(3000);
    expect(checked - flagged).toBeGreaterThan(3000);
    expect(missed).toEqual([]);
    expect(falseAlarms).toEqual([]);
  });
});

describe('checkWrittenValue', () => {
  const flagged: [string, RegExp][] = [
    ['V=pa#ss', /# directly after an unquoted value/],
    ['V=pa$$ss', /unquoted \$/],
    ['V=pa$USER', /unquoted \$/],
    ["V='${HOME}'", /\$\{\.\.\.\} inside single quotes/],
    ['V=`tick`', /backtick/],
    ['V="pa\\"ss"', /backslash escape/],
    ['V="x\\\\y"', /backslash escape/],
    ['V="a$b"', /\$ inside double quotes/],
    ["V='a\\\\b'", /\\\\ inside single quotes/],
    ["V='it\\'s'", /\\' inside single quotes/],
    ['V: value', /KEY: value/],
    ['V= # comment', /empty value followed by a comment/],
    ['V=value\t# comment', /not preceded by a space/],
    ['V=\u2000value', /unusual whitespace between/],
    ['V=\x1cvalue', /control or space character/],
  ];
  test.each(flagged)('%j is flagged', (line, reason) => {
    const entry = parseDocument(`${line}\n`).entry('V');
    expect(entry).toBeDefined();
    const got = checkWrittenValue(entry!);
    expect(got).toMatch(reason);
    expect(got).not.toMatch(/\n/);
  });

  const fine = [
    'V=abcDEF123_-.',
    'V=p@ss:w/rd?%',
    'V=pa #ss',
    'V=value # comment',
    "V='a$b'",
    "V='a$$b'",
    "V='a\\b'",
    "V='a#b c'",
    "V='a\"b'",
    `V="a'b"`,
    'V="a b#c"',
    'V="line\\nbreak"',
    'V=',
    "V='' # comment",
    'export V=plain',
    'V = spaced',
  ];
  test.each(fine)('%j passes', (line) => {
    expect(checkWrittenValue(parseDocument(`${line}\n`).entry('V')!)).toBeUndefined();
  });

  it('never includes the value in its reason', () => {
    const lines = ['V=Zq9#Zq9', 'V=Zq9$$Zq9', "V='${Zq9}'", 'V=`Zq9`', 'V="Zq9\\"Zq9"', 'V="Zq9$Zq9"', "V='Zq9\\\\Zq9'", 'V: Zq9', 'V=Zq9\t#Zq9'];
    for (const line of lines) {
      const reason = checkWrittenValue(parseDocument(`${line}\n`).entry('V')!);
      expect(reason, line).toBeDefined();
      expect(reason).not.toContain('Zq9');
    }
  });
});
