import { describe, expect, it } from 'vitest';
import { readComposeText } from './read.js';
import { checkReferences, scanReferences, tokenizeTemplate } from './references.js';

const compose = (lines: string[]): string => lines.join('\n') + '\n';

describe('scanReferences', () => {
  it('finds every form with its line and column', async () => {
    const text = compose([
      'services:',
      '  app:',
      '    image: $IMAGE',
      '    environment:',
      '      A: ${A}',
      '      B: ${B:-fallback}',
      '      C: ${C-unset-only}',
      '      D: ${D:?D is required}',
      '      E: ${E?must be set}',
      '      F: ${F:+on}',
      '      G: ${G+on}',
      '      H: "x${H}y"',
    ]);
    const { references, problems } = await scanReferences(text);
    expect(problems).toEqual([]);
    expect(references).toEqual([
      { name: 'IMAGE', line: 3, column: 12, form: 'plain' },
      { name: 'A', line: 5, column: 10, form: 'braced' },
      { name: 'B', line: 6, column: 10, form: 'default', operator: ':-', argument: 'fallback', defaultValue: 'fallback' },
      { name: 'C', line: 7, column: 10, form: 'default', operator: '-', argument: 'unset-only', defaultValue: 'unset-only' },
      { name: 'D', line: 8, column: 10, form: 'required', operator: ':?', argument: 'D is required' },
      { name: 'E', line: 9, column: 10, form: 'required', operator: '?', argument: 'must be set' },
      { name: 'F', line: 10, column: 10, form: 'default', operator: ':+', argument: 'on', defaultValue: '' },
      { name: 'G', line: 11, column: 10, form: 'default', operator: '+', argument: 'on', defaultValue: '' },
      { name: 'H', line: 12, column: 12, form: 'braced' },
    ]);
  });

  it('treats $$ as an escape, not a reference', async () => {
    const text = compose([
      'services:',
      '  db:',
      '    healthcheck:',
      '      test: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER} && echo $$HOME ${REAL}"]',
    ]);
    const { references, problems } = await scanReferences(text);
    expect(problems).toEqual([]);
    const column = (text.split('\n')[3] as string).indexOf('${REAL}') + 1;
    expect(column).toBe(75);
    expect(references.map((r) => [r.name, r.line, r.column])).toEqual([['REAL', 4, column]]);
  });

  it('keeps a lone $ literal, as compose-go does (a $ string, ^x$, $})', async () => {
    const text = compose(['services:', '  a:', '    command: "a $ string ^REGEX$ $} $5 $-x"']);
    expect(await scanReferences(text)).toEqual({ references: [], problems: [] });
  });

  it('reports an unclosed ${ with line and column', async () => {
    const text = compose(['services:', '  a:', '    environment:', '      X: pre${OOPS', '      Y: ${Z:-never closed']);
    const { problems, references } = await scanReferences(text);
    expect(references).toEqual([]);
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [4, 13],
      [5, 10],
    ]);
    expect(problems[0]?.message).toMatch(/unclosed/);
  });

  it('reports names and operators compose-go rejects', async () => {
    const text = compose([
      'services:',
      '  a:',
      '    environment:',
      '      - A=${}',
      '      - B=${ foo}',
      '      - C=${foo }',
      '      - D=${foo!}',
      '      - E=${1abc}',
      '      - F=${foo:x}',
    ]);
    const { problems } = await scanReferences(text);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(problems.every((p) => p.column === 11)).toBe(true);
  });

  it('does not scan comments or mapping keys', async () => {
    const text = compose([
      '# ${NOT_IN_COMMENT}',
      'services:',
      '  a:   # $ALSO_NOT',
      '    environment:',
      '      ${KEY_NOT}: value',
      '      OK: ${YES} # ${NO}',
    ]);
    expect((await scanReferences(text)).references.map((r) => r.name)).toEqual(['YES']);
  });

  it('reports references nested in defaults (compose-go evaluates them)', async () => {
    const text = compose(['x:', '  v: ${A:-${B:-b}-$C}']);
    const { references } = await scanReferences(text);
    expect(references).toEqual([
      { name: 'A', line: 2, column: 6, form: 'default', operator: ':-', argument: '${B:-b}-$C', defaultValue: '${B:-b}-$C' },
      { name: 'B', line: 2, column: 11, form: 'default', operator: ':-', argument: 'b', defaultValue: 'b', nested: true },
      { name: 'C', line: 2, column: 19, form: 'plain', nested: true },
    ]);
  });

  it('ends a default at the balanced brace and scans the rest of the string', async () => {
    const text = compose(['x:', '  v: "${A:-x} and {y} $B"']);
    const { references } = await scanReferences(text);
    expect(references.map((r) => [r.name, r.defaultValue, r.column])).toEqual([
      ['A', 'x', 7],
      ['B', undefined, 23],
    ]);
  });

  it('finds positions in block scalars and escaped double-quoted strings', async () => {
    const text = compose(['x:', '  script: |', '    echo one', '    echo ${TWO} $$3 $FOUR', '  q: "tab\\t${FIVE}"']);
    const { references } = await scanReferences(text);
    expect(references.map((r) => [r.name, r.line, r.column])).toEqual([
      ['TWO', 4, 10],
      ['FOUR', 4, 21],
      ['FIVE', 5, 12],
    ]);
  });

  it('ignores numbers and booleans', async () => {
    expect((await scanReferences('a: 5432\nb: true\nc: null\n')).references).toEqual([]);
  });
});

describe('tokenizeTemplate', () => {
  it('splits escapes, references and problems with offsets', () => {
    expect(tokenizeTemplate('$$a$b${c}${').map((t) => [t.kind, t.start, t.end, t.name])).toEqual([
      ['escape', 0, 2, undefined],
      ['reference', 3, 5, 'b'],
      ['reference', 5, 9, 'c'],
      ['problem', 9, 11, undefined],
    ]);
  });

  it('does not let a default run past the end of its line', () => {
    const tokens = tokenizeTemplate('${A:-x\n}');
    expect(tokens.map((t) => t.kind)).toEqual(['problem']);
  });
});

describe('checkReferences', async () => {
  const text = compose([
    'services:',
    '  app:',
    '    environment:',
    '      KNOWN: ${KNOWN}',
    '      FROM_ENV: ${ONLY_IN_ENV}',
    '      MISSING: ${MISSING}',
    '      DEFAULTED: ${DEFAULTED:-1g}',
    '      REQUIRED: ${REQUIRED:?set it}',
    '      NESTED: ${KNOWN:-${INNER}}',
    '      BAD: ${',
  ]);
  const file = await readComposeText(text, 'compose.yaml');
  const findings = checkReferences(file, { schemaKeys: ['KNOWN', 'NEVER_USED'], envKeys: ['ONLY_IN_ENV'] });

  it('errors on an unknown variable without a default, with file:line', () => {
    const missing = findings.filter((f) => f.rule === 'compose.undefined-var');
    expect(missing.map((f) => [f.key, f.severity, f.line])).toEqual([
      ['MISSING', 'error', 6],
      ['REQUIRED', 'error', 8],
      ['INNER', 'warning', 9],
    ]);
    expect(missing[0]).toMatchObject({ file: 'compose.yaml', column: 16 });
    expect(missing[0]?.fix).toContain('${MISSING:-value}');
  });

  it('errors on a reference compose would reject', () => {
    expect(findings.filter((f) => f.rule === 'compose.invalid-reference').map((f) => [f.severity, f.line])).toEqual([
      ['error', 10],
    ]);
  });

  it('reports a schema variable compose never uses as info', () => {
    expect(findings.filter((f) => f.rule === 'compose.unused-var').map((f) => [f.key, f.severity])).toEqual([
      ['NEVER_USED', 'info'],
    ]);
  });

  it('accepts variables from the schema, from .env, and with defaults', () => {
    const keys = findings.map((f) => f.key);
    expect(keys).not.toContain('KNOWN');
    expect(keys).not.toContain('ONLY_IN_ENV');
    expect(keys).not.toContain('DEFAULTED');
  });
});

describe('the memu example', () => {
  it('uses every memu variable: the two limits by reference, the rest through env_file: .env', async () => {
    const { readFileSync } = await import('node:fs');
    const path = new URL('../../../../examples/memu/docker-compose.yml', import.meta.url);
    const file = await readComposeText(readFileSync(path, 'utf8'), 'docker-compose.yml');
    const schemaKeys = [
      'OPENAI_API_KEY',
      'OPENROUTER_API_KEY',
      'OPENROUTER_BASE_URL',
      'OLLAMA_API_BASE_URL',
      'POSTGRES_DB',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'MEMU_DB_URL',
      'MEMU_MEMORY_LIMIT',
      'DB_MEMORY_LIMIT',
    ];
    // Limits are optional in .env: the compose defaults (2g / 1g) apply.
    const envKeys = schemaKeys.filter((k) => !k.endsWith('_MEMORY_LIMIT'));
    expect(checkReferences(file, { schemaKeys, envKeys, envFileLoaded: true })).toEqual([]);
    // Without env_file every variable but the limits would be unused.
    expect(checkReferences(file, { schemaKeys, envKeys }).map((f) => f.key)).toEqual(envKeys);
    expect(new Set((await scanReferences(file.text)).references.map((r) => r.name))).toEqual(new Set(['MEMU_MEMORY_LIMIT', 'DB_MEMORY_LIMIT']));
  });
});
