import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Yaml from 'yaml';
import { dump } from 'js-yaml';
import { isAlias, isMap, isScalar, isSeq, parseYaml, walkScalars, type YamlNode } from './yaml.js';

// The reference: eemeli/yaml, the YAML 1.2 library envkit read compose files with before. The tree built
// from js-yaml's events must give the same values, the same YAML types and the same lines, and refuse
// the same files.

const root = join(import.meta.dirname, '../../../..');

/** Plain JS from our tree; `<<` stays an ordinary key, as in yaml's default (YAML 1.2) mode. */
function toJs(node: YamlNode | null): unknown {
  if (node === null) return null;
  if (isScalar(node)) return node.value;
  if (isAlias(node)) return toJs(node.target ?? null);
  if (isSeq(node)) return node.items.map(toJs);
  const out: Record<string, unknown> = {};
  // defineProperty, as the yaml library's toJS does: `out['__proto__'] = …` would set the prototype, not a key.
  for (const pair of node.items) Object.defineProperty(out, String(toJs(pair.key)), { value: toJs(pair.value), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Line of every node start, in document order, from both parsers. */
async function ourLines(text: string): Promise<number[]> {
  const doc = await parseYaml(text);
  const lines: number[] = [];
  const walk = (node: YamlNode): void => {
    if (isScalar(node)) {
      if (node.range) lines.push(doc.linePos(node.range[0]).line);
      return;
    }
    if (isAlias(node)) return;
    lines.push(doc.linePos(node.range[0]).line);
    if (isSeq(node)) node.items.forEach(walk);
    if (isMap(node))
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
  };
  if (doc.contents) walk(doc.contents);
  return lines;
}

function referenceLines(text: string): number[] {
  const lineCounter = new Yaml.LineCounter();
  const doc = Yaml.parseDocument(text, { lineCounter });
  const lines: number[] = [];
  const walk = (node: unknown): void => {
    if (Yaml.isScalar(node)) {
      if (node.range && !(node.value === null && node.range[0] === node.range[1])) {
        lines.push(lineCounter.linePos(node.range[0]).line);
      }
      return;
    }
    if (Yaml.isAlias(node) || !Yaml.isNode(node) || !node.range) return;
    lines.push(lineCounter.linePos(node.range[0]).line);
    if (Yaml.isSeq(node)) node.items.forEach(walk);
    if (Yaml.isMap(node))
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
  };
  walk(doc.contents);
  return lines;
}

async function expectSameAsReference(text: string): Promise<void> {
  const ours = await parseYaml(text);
  const reference = Yaml.parseDocument(text);
  expect(ours.errors.length > 0, `errors differ: ours ${JSON.stringify(ours.errors)}, yaml ${reference.errors.map((e) => e.code)}`).toBe(
    reference.errors.length > 0,
  );
  if (ours.errors.length > 0) return;
  expect(toJs(ours.contents)).toEqual(reference.toJS({ maxAliasCount: -1 }));
  expect(await ourLines(text)).toEqual(referenceLines(text));
}

const SAMPLES: Record<string, string> = {
  'scalars of every core type': [
    'int: 5432',
    'octal: 0o17',
    'hex: 0x1F',
    'negative: -12',
    'float: 1.5e3',
    'inf: -.inf',
    'nan: .NaN',
    'yes: true',
    'no: False',
    'null1: ~',
    'null2: null',
    'empty:',
    'word: no',
    'version: 1.0.0',
    'time: 10s',
    'quoted-int: "5432"',
    "single: 'it''s'",
    'tagged: !!str 5432',
    'tagged-int: !!int "42"',
    '',
  ].join('\n'),
  'strings with references and escapes': [
    'a: "pg:${TAG:-16}"',
    'b: \'${USER}\'',
    'c: "tab\\there \\u00e9 \\"q\\""',
    'd: $$literal',
    'e: plain ${X} with spaces',
    'f: "multi',
    '  line"',
    'g: plain',
    '  continued',
    '',
  ].join('\n'),
  'a byte order mark': '\ufeffservices:\n  a:\n    image: x\n',
  'block scalars': ['lit: |', '  line ${A}', '  line 2', 'fold: >-', '  folded', '  text', 'keep: |+', '  kept', '', 'commented: |2 # a | comment', '   indented ${B}', 'after: 1', ''].join('\n'),
  'flow collections': ['cmd: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER}"]', 'map: {a: 1, b: [x, y], "c d": null}', 'empty: []', 'none: {}', ''].join(
    '\n',
  ),
  'anchors, aliases and merge keys': [
    'x-base: &base',
    '  restart: unless-stopped',
    '  logging: &log {driver: json-file}',
    'services:',
    '  a:',
    '    <<: *base',
    '    image: a',
    '    again: *log',
    '  b:',
    '    <<: [*base]',
    '    list: &l [1, 2]',
    '    copy: *l',
    '',
  ].join('\n'),
  'comments, documents markers, CRLF and unicode': ['# head', '---', 'services: # trailing', '  ü: "ß ✓"\r', '  x: 1 # c', '...', ''].join(
    '\n',
  ),
  'sequences of maps': ['ports:', '  - target: 80', '    published: "8000"', '    host_ip: 127.0.0.1', '  - "127.0.0.1:5432:5432"', '  -', '  - - nested', ''].join(
    '\n',
  ),
  'compose tags': ['services:', '  a:', '    ports: !reset []', '    command: !override ["x"]', ''].join('\n'),
};

describe('parseYaml against eemeli/yaml', () => {
  it('reads the memu compose file the same', async () => {
    await expectSameAsReference(readFileSync(join(root, 'examples/memu/docker-compose.yml'), 'utf8'));
  });

  it.each(Object.entries(SAMPLES))('reads %s the same', async (_name, text) => {
    await expectSameAsReference(text);
  });

  it.each([
    ['an unclosed flow sequence', 'a: [1, 2\nb: 3\n'],
    ['an unclosed quote', 'a: "open\n'],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n'],
    ['a tab for indentation', 'a:\n\tb: 1\n'],
    ['a mapping value where none may be', 'a: b: c\n'],
  ])('refuses %s, as yaml does, with no tree', async (_name, text) => {
    expect(Yaml.parseDocument(text).errors.length).toBeGreaterThan(0);
    const ours = await parseYaml(text);
    expect(ours.errors.length).toBeGreaterThan(0);
    expect(ours.contents).toBeNull();
  });

  it.each([
    ['a key given twice', 'services:\n  a: {}\n  a: {}\n', 3],
    ['.inf and null as keys are different keys', 'a:\n  .inf: 1\n  null: 2\n  .inf: 3\n', 4],
    ['two documents', 'a: 1\n---\nb: 2\n', 3],
    ['two documents after an end marker', 'a: 1\n...\nb: 2\n', 3],
  ])('refuses %s, as yaml does, and keeps the tree (podman-compose reads such a file)', async (_name, text, line) => {
    expect(Yaml.parseDocument(text).errors.length).toBeGreaterThan(0);
    const ours = await parseYaml(text);
    expect(ours.errors).toHaveLength(1);
    expect(ours.linePos((ours.errors[0] as { offset: number }).offset).line).toBe(line);
    expect(isMap(ours.contents)).toBe(true);
  });

  it('refuses an alias to no anchor (yaml finds it only when converting to JS; compose refuses the file)', async () => {
    expect(() => Yaml.parse('a: *nothing\n')).toThrow();
    const doc = await parseYaml('a: *nothing\nb: 1\n');
    expect(doc.errors).toHaveLength(1);
    expect(isMap(doc.contents) && doc.contents.items).toHaveLength(2);
  });

  it('lets a key repeat when asked (uniqueKeys: false): the last one counts', async () => {
    const doc = await parseYaml('a: 1\na: 2\n', { uniqueKeys: false });
    expect(doc.errors).toEqual([]);
    expect(isMap(doc.contents) && doc.contents.items.map((p) => toJs(p.value))).toEqual([1, 2]);
  });

  it('never quotes the source in an error', async () => {
    const canary = 'Canary-9f8e7d6c5b4a';
    for (const text of [
      `a: "${canary}\n`,
      `a: [${canary}\nb: 1\n`,
      `${canary}: 1\n${canary}: 2\n`,
      `a: *${canary}\n`,
      `a:\n  b: ${canary}\n c: 2\n`,
      `API_TOKEN: !Zq8^${canary}\n`, // a tag name with a character tags cannot hold
      `API_TOKEN: !${canary}!x\n`, // an undeclared tag handle
      `%TAG !${canary}! tag:x,2000:\n%TAG !${canary}! tag:y,2000:\n---\na: 1\n`,
    ]) {
      const { errors } = await parseYaml(text);
      expect(errors.length, text).toBeGreaterThan(0);
      for (const error of errors) expect(error.message).not.toContain(canary.slice(0, 10));
    }
  });

  it('never quotes the source in an error, whatever the file (generated)', async () => {
    const canary = 'Zq8Canary';
    const piece = fc.constantFrom('a', ':', ' ', '\n', '  ', '-', '!', '!!', '&', '*', '%TAG ', '%YAML ', '"', "'", '[', ']', '{', '}', ',', '?', '|', '>', '#', '\t', '^', '<', '\\', '---', '...', canary);
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), async (pieces) => {
        for (const error of (await parseYaml(pieces.join(''))).errors) expect(error.message).not.toContain(canary);
      }),
      { numRuns: Number(process.env.ENVKIT_FUZZ_RUNS ?? 3_000) },
    );
  });

  it('gives the line and column of an error', async () => {
    const doc = await parseYaml('services:\n  a: {}\n  a: {}\n');
    expect(doc.errors).toHaveLength(1);
    expect(doc.linePos((doc.errors[0] as { offset: number }).offset)).toEqual({ line: 3, col: 3 });
  });

  it('visits every scalar, keys flagged, aliases not followed', async () => {
    const seen: string[] = [];
    walkScalars((await parseYaml('a: &x 1\nb: *x\nc: [d, {e: f}]\n')).contents, (s, isKey) => seen.push(`${isKey ? 'key' : 'value'}:${String(s.value)}`));
    expect(seen).toEqual(['key:a', 'value:1', 'key:b', 'key:c', 'value:d', 'key:e', 'value:f']);
  });

  // Generated documents: any JSON-like value (awkward strings included), written by both libraries'
  // serializers in their various styles, must read back the same through both parsers.
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('', ' ', 'true', 'null', '~', '5432', '0o17', '1e3', '.inf', 'no', 'a: b', '- x', '#c', '${X:-y}', '$$', "it's", '"q"', 'é✓', 'a\nb', 'x\t', '&a', '*a', '!t', '? k', '[x]', '{x}'),
  );
  const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('node'), { maxLength: 4 }),
    map: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
  })).node;

  it('reads generated documents the same (yaml.stringify and js-yaml dump, block and flow)', async () => {
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('yaml', 'yaml-flow', 'yaml-quoted', 'js-yaml', 'js-yaml-flow'), async (data, writer) => {
        const wrapped = { root: data };
        const written =
          writer === 'yaml'
            ? Yaml.stringify(wrapped)
            : writer === 'yaml-flow'
              ? Yaml.stringify(wrapped, { collectionStyle: 'flow' })
              : writer === 'yaml-quoted'
                ? Yaml.stringify(wrapped, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })
                : dump(wrapped, writer === 'js-yaml-flow' ? { flowLevel: 1 } : {});
        await expectSameAsReference(written);
      }),
      { numRuns: Number(process.env.ENVKIT_FUZZ_RUNS ?? 2_000) },
    );
  });
});
