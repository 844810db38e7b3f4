// Fuzzing at the level of envkit, on top of the document-level properties in packages/envkit/src/dotenv/*.test.ts
// (which already prove parse/serialize identity and agreement with dotenv.parse for arbitrary texts, and read a
// fixed corpus back with python-dotenv):
//   - the portable writer against the real python-dotenv, npm dotenv and the compose-go model, for generated
//     values, many per python process;
//   - random sequences of init / set / unset / rotate (fast-check model-based commands) on a file with
//     unrelated content around: each step either succeeds and the file reads back exactly as the model says
//     (set-then-get, every untouched byte kept, npm dotenv agreeing with the document) or fails with an
//     EnvkitError and leaves the bytes as they were; the final files read the same in python-dotenv;
//   - the invalid-UTF-8 locator: the file:line:column it reports is where the bad byte is.
// Bounded by default; ENVKIT_FUZZ_RUNS sets the number of runs of each property (CI uses the CI budget).
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkWrittenValue,
  EnvkitError,
  parseDocument,
  parsePostgresUrl,
  portableValue,
  readTextFile,
} from 'envkit';
import { initProject, rotateSecret, setValues, unsetKeys } from 'envkit/project';
import { rotatePassword } from 'envkit/rotate';
import { memuSchema } from 'envkit/memu';
import { isVariableComment } from '../../packages/envkit/src/files/example.js';
import { hasPythonDotenv, readManyWithPythonDotenv, readWithComposeGoModel, SYSTEM_PYTHON } from '../helpers/readers.js';
import { requireTool } from '../helpers/require.js';
import { budget, leftovers, modeOf, restoreMark, scratchDir } from './support.js';

const RUNS = budget('FUZZ_RUNS', 60, 20);
const dotenv = createRequire(import.meta.url)('dotenv') as { parse(src: string | Buffer): Record<string, string> };
const withPython = requireTool('python-dotenv 0.x (Debian python3-dotenv)', hasPythonDotenv(), `apt-get install python3-dotenv (for ${SYSTEM_PYTHON})`);

/** Characters that matter to some reader: quotes, escapes, comments, interpolation, whitespace, line breaks. */
const nasty = fc.constantFrom(
  "'", '"', '`', '\\', '#', ' #', '$', '${', '}', '$HOME', '${X}', '${X:-d}', '\\n', '\\$', '=', ' ', '\t', '\n', '\r', '\r\n',
  'é', '🔑', '\u00a0', '\u2028', '\u0085', 'export ', '\\"', "\\'", '%', '@', ':',
);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(nasty, fc.string({ maxLength: 3 })), { maxLength: 10 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) },
);

/** A file that already holds keys in various written forms, so set both replaces and appends. */
const PRELUDE = ['# existing', 'V0=plain', "V1='single quoted'", 'V2="double # quoted"', 'export V3=exported', 'V4= spaced # comment', 'V5=', ''].join('\n');

describe.runIf(withPython)('portable writer against python-dotenv, npm dotenv and compose-go (batches)', () => {
  it(`${RUNS} batches of generated values: every accepted value reads back exactly; every refused one is refused by set`, () => {
    const dir = scratchDir();
    let accepted = 0;
    let refused = 0;
    let batch = 0;
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 20, maxLength: 120 }), fc.constantFrom('\n', '\r\n'), (values, eol) => {
        const doc = parseDocument(PRELUDE.replace(/\n/g, eol));
        const written = new Map<string, string>();
        values.forEach((value, i) => {
          // Every fourth value replaces one of the prelude's keys (each written in another form); the rest append.
          const key = i % 4 === 0 ? `V${(i / 4) % 6}` : `K${i}`;
          if (portableValue(value).ok) {
            doc.set(key, value);
            written.set(key, value);
          } else {
            expect(() => doc.set(key, value), JSON.stringify(value)).toThrow(EnvkitError);
            refused++;
          }
        });
        accepted += written.size;
        const text = doc.toString();
        const file = join(dir, `batch-${batch++}.env`);
        writeFileSync(file, text);
        const [python] = readManyWithPythonDotenv([file]);
        const npm = dotenv.parse(text);
        const go = readWithComposeGoModel(text);
        expect(go.ok, go.ok ? '' : go.error).toBe(true);
        for (const [key, value] of written) {
          expect(npm[key], `npm dotenv: ${JSON.stringify(value)}`).toBe(value);
          expect(python![key], `python-dotenv: ${JSON.stringify(value)}`).toBe(value);
          expect(go.ok && go.values[key], `compose-go: ${JSON.stringify(value)}`).toBe(value);
        }
        for (const entry of parseDocument(text).entries()) if (written.has(entry.key)) expect(checkWrittenValue(entry), entry.key).toBeUndefined();
        rmSync(file);
      }),
      { numRuns: RUNS },
    );
    process.stderr.write(`fuzz: portable writer: ${accepted} values read back by three readers, ${refused} refused\n`);
    expect(accepted).toBeGreaterThan(RUNS * 10);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Model-based: random sequences of envkit operations on one project.

const MEMU = Object.keys(memuSchema.vars);
const PARTS = ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'] as const;

/** Values for a key: mostly valid for it, sometimes anything. */
function valueFor(key: string): fc.Arbitrary<string> {
  const valid: Record<string, fc.Arbitrary<string>> = {
    OPENAI_API_KEY: fc.stringMatching(/^sk-[A-Za-z0-9_-]{20,30}$/).filter((v) => !v.startsWith('sk-or-')),
    OPENROUTER_API_KEY: fc.stringMatching(/^sk-or-v1-[A-Za-z0-9]{20,30}$/),
    OPENROUTER_BASE_URL: fc.constantFrom('https://openrouter.ai/api/v1', 'http://127.0.0.1:8080/v1'),
    OLLAMA_API_BASE_URL: fc.constantFrom('http://192.168.25.165:11434/api', 'http://ollama:11434/api'),
    POSTGRES_DB: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/),
    POSTGRES_USER: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/).filter((v) => !['public', 'none', 'user', 'all'].includes(v) && !v.startsWith('pg_')),
    POSTGRES_PASSWORD: fc.stringMatching(/^[A-Za-z0-9_-]{32,48}$/),
    MEMU_MEMORY_LIMIT: fc.stringMatching(/^[1-9][0-9]{0,2}[mMgG]$/),
    DB_MEMORY_LIMIT: fc.stringMatching(/^[1-9][0-9]{0,2}[gG]$/),
  };
  return fc.oneof({ weight: 4, arbitrary: valid[key] ?? valueArb }, { weight: 1, arbitrary: valueArb });
}

interface Model {
  /** What every reader must read from the file, for the keys the model tracks. */
  values: Map<string, string>;
  exists: boolean;
}
interface Real {
  dir: string;
  /** Parse problems in the starting text: then every operation must fail and change nothing. */
  broken: boolean;
}

const file = (r: Real) => join(r.dir, '.env');
const textOf = (r: Real) => {
  try {
    return readFileSync(file(r), 'utf8');
  } catch {
    return undefined;
  }
};
const hash = (t: string | undefined) => (t === undefined ? 'absent' : createHash('sha256').update(t).digest('hex'));

/** Outcomes of the operations, so the test can show both paths were taken. */
const outcomes = { ok: 0, refused: 0 };

/** Run one operation: on success check it with `after`; on failure it must be an EnvkitError that changed nothing. */
async function step(m: Model, r: Real, changes: readonly string[], op: () => unknown, after: (text: string) => void, kept: (before: string, after: string) => string = undoChanges(changes)): Promise<void> {
  const before = textOf(r);
  try {
    await op();
  } catch (error) {
    if (!(error instanceof EnvkitError)) throw error;
    expect(['VALIDATION', 'UNPORTABLE', 'PARSE', 'UNKNOWN_KEY', 'USAGE', 'FILE', 'REFUSED'], error.message).toContain(error.code);
    expect(hash(textOf(r)), `${error.code} changed the file`).toBe(hash(before));
    outcomes.refused++;
    return;
  }
  expect(r.broken, 'an operation succeeded on a file envkit could not parse').toBe(false);
  outcomes.ok++;
  const text = textOf(r)!;
  m.exists = true;
  const doc = parseDocument(text);
  // npm dotenv reads what the document reads; the file is private; nothing left behind.
  expect(dotenv.parse(text)).toEqual(doc.toObject());
  expect(doc.problems.filter((p) => p.kind === 'syntax')).toEqual([]);
  expect(modeOf(file(r))).toBe(0o600);
  expect(leftovers(r.dir)).toEqual([]);
  // Every byte outside the changed keys is kept.
  if (before !== undefined && before.trim() !== '') expect(kept(before, text), 'bytes outside the changed keys').toBe(before);
  after(text);
  // The derived URL is checked against its parts below, not tracked.
  const url = doc.get('MEMU_DB_URL');
  if (url === undefined) m.values.delete('MEMU_DB_URL');
  else m.values.set('MEMU_DB_URL', url);
  // Set-then-get: every tracked key reads as the model says.
  for (const [key, value] of m.values) expect(doc.get(key), key).toBe(value);
  // The URL follows its parts whenever all three are there.
  const v = doc.toObject();
  if (PARTS.every((k) => (v[k] ?? '') !== '') && v.MEMU_DB_URL) {
    const url = parsePostgresUrl(v.MEMU_DB_URL);
    expect([url.user, url.password, url.database]).toEqual([v.POSTGRES_USER, v.POSTGRES_PASSWORD, v.POSTGRES_DB]);
  }
}

/** `after` with the changed keys (and the derived URL) put back as they were in `before`: must give `before`. */
function undoChanges(changes: readonly string[]): (before: string, after: string) => string {
  return (before, after) => {
    const undo = parseDocument(after);
    const old = parseDocument(before);
    for (const key of [...changes, 'MEMU_DB_URL']) {
      const v = old.get(key);
      if (v === undefined) undo.delete(key, { comment: isVariableComment });
      else if (undo.has(key)) {
        undo.set(key, v);
        restoreMark(old, undo, key);
      }
    }
    return undo.toString();
  };
}

class SetCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string, readonly value: string) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await step(m, r, [this.key], () => setValues({ cwd: r.dir, schema: memuSchema, values: { [this.key]: this.value }, allowUnknown: true, force: true }), () => {
      m.values.set(this.key, this.value);
    });
  }
  toString = () => `set ${this.key}=${JSON.stringify(this.value)}`;
}

class UnsetCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = (m: Readonly<Model>) => m.exists;
  async run(m: Model, r: Real): Promise<void> {
    await step(
      m,
      r,
      [this.key],
      () => unsetKeys({ cwd: r.dir, schema: memuSchema, keys: [this.key], force: true }),
      (text) => {
        m.values.delete(this.key);
        expect(parseDocument(text).has(this.key)).toBe(false);
      },
      // Removing the key's lines from the old text, with the URL as it now is, must give the new text.
      (before, after) => {
        const expected = parseDocument(before);
        expected.delete(this.key, { comment: isVariableComment });
        const url = parseDocument(after).get('MEMU_DB_URL');
        if (url !== undefined) expected.set('MEMU_DB_URL', url);
        return expected.toString() === after ? before : `unset changed more than ${this.key}:\n${after}`;
      },
    );
  }
  toString = () => `unset ${this.key}`;
}

class RotateKeyCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: 'OPENAI_API_KEY' | 'OPENROUTER_API_KEY', readonly value: string) {}
  check = (m: Readonly<Model>) => m.exists;
  async run(m: Model, r: Real): Promise<void> {
    await step(m, r, [this.key], () => rotateSecret({ cwd: r.dir, schema: memuSchema, key: this.key, value: this.value }), () => {
      m.values.set(this.key, this.value);
    });
  }
  toString = () => `rotate ${this.key} ${JSON.stringify(this.value)}`;
}

class RotatePasswordCommand implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.exists;
  async run(m: Model, r: Real): Promise<void> {
    const before = m.values.get('POSTGRES_PASSWORD');
    await step(m, r, ['POSTGRES_PASSWORD'], () => rotatePassword({ cwd: r.dir, schema: memuSchema, key: 'POSTGRES_PASSWORD', apply: 'none' }), (text) => {
      const next = parseDocument(text).get('POSTGRES_PASSWORD')!;
      expect(next).not.toBe(before);
      expect(next).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      m.values.set('POSTGRES_PASSWORD', next);
    });
  }
  toString = () => 'rotate POSTGRES_PASSWORD --apply none';
}

class InitCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await step(m, r, MEMU, () => initProject({ cwd: r.dir, schema: memuSchema }), (text) => {
      const doc = parseDocument(text);
      // Init fills gaps and keeps every present value; what it filled is tracked from now on.
      for (const key of MEMU) {
        const value = doc.get(key);
        expect(value, key).toBeDefined();
        if (!m.values.has(key) || m.values.get(key) === '') m.values.set(key, value!);
      }
    });
  }
  toString = () => 'init';
}

const commandArbs = [
  fc.constantFrom(...MEMU, 'EXTRA_ONE', 'EXTRA_TWO').chain((key) => valueFor(key).map((value) => new SetCommand(key, value))),
  // A derived key cannot be unset (envkit refuses: it would write it again at once); unset.test covers that.
  fc.constantFrom(...MEMU.filter((k) => k !== 'MEMU_DB_URL'), 'EXTRA_ONE').map((key) => new UnsetCommand(key)),
  fc.constantFrom('OPENAI_API_KEY' as const, 'OPENROUTER_API_KEY' as const).chain((key) => valueFor(key).map((value) => new RotateKeyCommand(key, value))),
  fc.constant(new RotatePasswordCommand()),
  fc.constant(new InitCommand()),
];

/** Text around the memu keys that envkit must keep byte for byte: comments, foreign keys in odd forms, CRLF. */
const surroundings = fc
  .record({
    eol: fc.constantFrom('\n', '\r\n'),
    lines: fc.array(
      fc.oneof(
        fc.constantFrom('# comment', '', '   ', '#', '# POSTGRES_PASSWORD=not-a-value', 'export FOREIGN=1', "QUOTED='a # b'", 'DQ="x\\ny"', 'SPACED = v # c'),
        valueArb.filter((v) => portableValue(v).ok).map((v) => {
          const d = parseDocument('');
          d.set('FOREIGN_FUZZ', v);
          return d.toString().replace(/\n$/, '');
        }),
      ),
      { maxLength: 6 },
    ),
    start: fc.constantFrom('none', 'empty', 'partial', 'broken'),
  })
  .map(({ eol, lines, start }) => {
    if (start === 'none') return undefined;
    if (start === 'empty') return '';
    const body = [...lines, 'POSTGRES_DB=memu_db', ...(start === 'broken' ? ['BROKEN="never closed'] : []), ''].join(eol);
    return body;
  });

describe('envkit operations in random sequences keep the file valid and exact', () => {
  it(`${RUNS} sequences of init/set/unset/rotate: set-then-get, bytes kept, failures change nothing; python agrees at the end`, async () => {
    const finals: { path: string; values: Record<string, string> }[] = [];
    const outDir = scratchDir();
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(surroundings, fc.commands(commandArbs, { maxCommands: 12 }), async (start, commands) => {
        const dir = scratchDir();
        const real: Real = { dir, broken: false };
        const model: Model = { values: new Map(), exists: start !== undefined };
        if (start !== undefined) {
          writeFileSync(join(dir, '.env'), start, { mode: 0o600 });
          real.broken = parseDocument(start).problems.some((p) => p.kind === 'syntax');
          if (!real.broken) for (const [k, v] of Object.entries(parseDocument(start).toObject())) model.values.set(k, v);
        }
        await fc.asyncModelRun(() => ({ model, real }), commands);
        steps += [...commands].length;
        const text = textOf(real);
        if (text !== undefined && !real.broken) {
          const path = join(outDir, `final-${finals.length}.env`);
          writeFileSync(path, text);
          finals.push({ path, values: parseDocument(text).toObject() });
        }
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: RUNS },
    );
    process.stderr.write(`fuzz: ${RUNS} operation sequences, ${steps} operations (${outcomes.ok} succeeded, ${outcomes.refused} refused), ${finals.length} final files read by python-dotenv\n`);
    expect(finals.length).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(steps / 3);
    expect(outcomes.refused).toBeGreaterThan(0);
    if (withPython) {
      const python = readManyWithPythonDotenv(finals.map((f) => f.path));
      finals.forEach((f, i) => expect(python[i], f.path).toEqual(f.values));
    }
  }, 180_000);
});

describe('the invalid UTF-8 locator', () => {
  it(`${RUNS * 5} texts with one bad byte: the reported file:line:column is where it is`, () => {
    const dir = scratchDir();
    const path = join(dir, '.env');
    const lineArb = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n\u2028\u2029\u0085\uFEFF]/g, ''));
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.nat(),
        fc.constantFrom([0xff], [0xc0, 0xaf], [0xe9, 0x41], [0xed, 0xa0, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]),
        (lines, eol, at, bad) => {
          const lineIndex = at % lines.length;
          const line = lines[lineIndex]!;
          const chars = [...line];
          const cut = chars.length === 0 ? 0 : at % (chars.length + 1);
          const head = chars.slice(0, cut).join('');
          const before = Buffer.from(lines.slice(0, lineIndex).map((l) => l + eol).join('') + head, 'utf8');
          const after = Buffer.from(chars.slice(cut).join('') + eol + lines.slice(lineIndex + 1).join(eol), 'utf8');
          writeFileSync(path, Buffer.concat([before, Buffer.from(bad), after]));
          let message = '';
          try {
            readTextFile(path);
          } catch (error) {
            message = (error as Error).message;
          }
          // Column in UTF-16 code units, as the .env parser counts them.
          expect(message).toBe(`${path}:${lineIndex + 1}:${head.length + 1}: the bytes here are not valid UTF-8 text`);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});
