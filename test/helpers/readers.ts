/**
 * The `.env` readers of a memu deployment, for tests that check what a written file really means:
 * python-dotenv 0.21 (Debian `python3-dotenv`, the one podman-compose imports), npm dotenv (the workspace's
 * dev dependency) and a model of compose-go v2's `dotenv` package (no Go toolchain here).
 *
 * Values only ever travel through the file and the readers' stdout, never through argv.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The interpreter whose python-dotenv podman-compose uses (`python3` on PATH may be another one). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const PY_READ = [
  'import json, sys',
  'from dotenv import dotenv_values',
  'sys.stdout.write(json.dumps(dotenv_values(sys.argv[1], interpolate=True)))',
].join('\n');

let pythonVersion: string | null | undefined;

/** The python-dotenv version of {@link SYSTEM_PYTHON}, or null when it is missing. */
export function pythonDotenvVersion(): string | null {
  if (pythonVersion !== undefined) return pythonVersion;
  pythonVersion = null;
  if (existsSync(SYSTEM_PYTHON)) {
    const r = spawnSync(SYSTEM_PYTHON, ['-c', 'from dotenv.version import __version__ as v; print(v)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) pythonVersion = r.stdout.trim();
  }
  return pythonVersion;
}

/** Whether python-dotenv (0.x, as podman-compose uses it) can be run; gate tests with `requireTool`. */
export function hasPythonDotenv(): boolean {
  return pythonDotenvVersion()?.startsWith('0.') ?? false;
}

/** The environment the readers see: fixed, so interpolation (`${HOME}`) is reproducible. */
export const READER_ENV: Readonly<Record<string, string>> = { HOME: '/h', USER: 'bob', X: 'ex' };

/**
 * Reads `file` with python-dotenv's `dotenv_values(file, interpolate=True)` in {@link SYSTEM_PYTHON}, with
 * {@link READER_ENV} (plus PATH) as the environment. `null` is a key without `=`.
 */
export function readWithPythonDotenv(
  file: string,
  env: Readonly<Record<string, string>> = READER_ENV,
): Record<string, string | null> {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', PY_READ, file], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
  });
  if (r.status !== 0) throw new Error(`python-dotenv failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string | null>;
}

const PY_READ_MANY = [
  'import json, sys',
  'from dotenv import dotenv_values',
  'sys.stdout.write(json.dumps([dotenv_values(f, interpolate=True) for f in sys.argv[1:]]))',
].join('\n');

/** {@link readWithPythonDotenv} for many files in one interpreter (a spawn per file is slow). */
export function readManyWithPythonDotenv(
  files: readonly string[],
  env: Readonly<Record<string, string>> = READER_ENV,
): Record<string, string | null>[] {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', PY_READ_MANY, ...files], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python-dotenv failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string | null>[];
}

const requireCjs = createRequire(import.meta.url);

/** Reads `file` with npm dotenv's `parse` (the default parser, as `dotenv.config()` uses it). */
export function readWithNpmDotenv(file: string): Record<string, string> {
  const dotenv = requireCjs('dotenv') as { parse(src: string | Buffer): Record<string, string> };
  return dotenv.parse(readFileSync(file));
}

/** What the compose-go model read: the values, or the error compose-go reports for the whole file. */
export type ComposeGoResult = { ok: true; values: Record<string, string> } | { ok: false; error: string };

/**
 * A model of compose-go v2 `dotenv.ParseWithLookup` (`dotenv/parser.go`, `template/template.go`), written
 * from its source because no Go toolchain is available: BOM dropped, no CRLF normalisation, unquoted values
 * cut at the line feed and at ` #` and right-trimmed, single quotes literal except `\'`, double quotes
 * unescaped and interpolated, unquoted values interpolated (`$$`, `$NAME`, `${NAME}`, `${NAME:-default}`,
 * `${NAME-default}`; any other `$` is an invalid template, which fails the whole file).
 */
export function readWithComposeGoModel(text: string, env: Readonly<Record<string, string>> = READER_ENV): ComposeGoResult {
  const out: Record<string, string> = {};
  const lookup = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : Object.hasOwn(out, name) ? out[name] : undefined);
  let src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  try {
    for (;;) {
      // getStatementStart: skip unicode whitespace and comment lines.
      for (;;) {
        const m = /^[\s\u0085]*/u.exec(src) as RegExpExecArray;
        line += (m[0].match(/\n/g) ?? []).length;
        src = src.slice(m[0].length);
        if (src === '') return { ok: true, values: out };
        if (src[0] !== '#') break;
        const nl = src.indexOf('\n');
        if (nl === -1) return { ok: true, values: out };
        src = src.slice(nl);
      }
      // locateKeyName
      if (/^export\s+/.test(src)) src = src.slice(6).replace(/^[\t\v\f\r \u0085\u00a0]*/, '');
      let keyEnd = -1;
      let sep = '';
      for (let i = 0; i < src.length; i++) {
        const ch = src[i] as string;
        if (/[\t\v\f\r \u0085\u00a0]/.test(ch)) continue;
        if (ch === '=' || ch === ':' || ch === '\n') {
          keyEnd = i;
          sep = ch;
          break;
        }
        if (!/[_.\-[\]\p{L}\p{N}]/u.test(ch)) throw new Error(`line ${line}: unexpected character in variable name`);
      }
      // Without a separator Go's loop runs off the end: the key is empty and the whole rest is the value.
      const key = keyEnd === -1 ? '' : src.slice(0, keyEnd).replace(/[\s\u0085]+$/u, '');
      if (key.includes(' ')) throw new Error(`line ${line}: key cannot contain a space`);
      src = src.slice(keyEnd + 1).replace(/^[\t\v\f\r \u0085\u00a0]*/, '');
      if (sep === '\n') {
        line++;
        const v = env[key];
        if (v !== undefined) out[key] = v;
        continue;
      }
      const q = src[0];
      if (q !== "'" && q !== '"') {
        const nl = src.indexOf('\n');
        let value = nl === -1 ? src : src.slice(0, nl);
        src = nl === -1 ? '' : src.slice(nl + 1);
        line++;
        const cut = value.indexOf(' #');
        if (cut !== -1) value = value.slice(0, cut);
        out[key] = substitute(value.replace(/[\s\u0085]+$/u, ''), lookup);
        continue;
      }
      let chars = '';
      let escaped = false;
      let closed = false;
      for (let i = 1; i < src.length; i++) {
        const ch = src[i] as string;
        if (ch === '\n') line++;
        if (ch !== q) {
          if (!escaped && ch === '\\') {
            escaped = true;
            continue;
          }
          if (escaped) {
            escaped = false;
            chars += '\\';
          }
          chars += ch;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += ch;
          continue;
        }
        out[key] = q === '"' ? substitute(expandEscapes(chars), lookup) : chars;
        src = src.slice(i + 1);
        closed = true;
        break;
      }
      if (!closed) throw new Error(`line ${line}: unterminated quoted value`);
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', c: 'c', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };

/** compose-go's `expandEscapes`: `\$` becomes `$$`, Go escapes are unquoted, octal `\0NNN` too. */
function expandEscapes(s: string): string {
  return s.replace(/\\(?:[abcfnrtv$"\\]|0[0-7]{0,3})/g, (m) => {
    if (m === '\\$') return '$$';
    if (m.startsWith('\\0')) return /^\\0[0-7]{3}$/.test(m) ? String.fromCharCode(parseInt(m.slice(2), 8)) : m;
    const c = GO_ESCAPES[m[1] as string];
    return c === 'c' ? m : (c as string);
  });
}

/** compose-go's `template.Substitute` for the forms a `.env` value uses; anything else is an invalid template. */
function substitute(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)(?:(:?-)([^}]*))?\}|)/gi, (m, esc, named, braced, op, dflt) => {
    if (esc !== undefined) return '$';
    const name = (named ?? braced) as string | undefined;
    if (name === undefined) throw new Error(`Invalid template: ${JSON.stringify(m)}`);
    const v = lookup(name);
    if (op === ':-') return v === undefined || v === '' ? (dflt as string) : v;
    if (op === '-') return v === undefined ? (dflt as string) : v;
    return v ?? '';
  });
}
