import { readTextFile } from '../files/write-file.js';
import { safeParse, type core } from 'zod/mini';
import { EnvkitError, isEnvkitError, type ErrorIssue, type IssueFix } from '../errors.js';
import { assertParsed, parseDocument } from '../dotenv/document.js';
import type { EnvSchema, InferEnv, VarSpec } from './define.js';
import { placeholderReason } from './placeholders.js';

/**
 * Where {@link loadEnv} reads values from: a `.env` file, `.env` text (`file` names it in errors),
 * or an environment object such as `process.env`.
 */
export type EnvSource =
  | { path: string }
  | { text: string; file?: string }
  | { env: Readonly<Record<string, string | undefined>> };

/** The result of {@link validateValues}. */
export interface ValidationResult<S extends EnvSchema> {
  /** True when every variable is valid; `data` is then set. */
  ok: boolean;
  /** The typed values, when `ok`. */
  data: InferEnv<S> | undefined;
  /** One or more per bad key, in schema order. Messages name the key and the fix, never a value. */
  issues: ErrorIssue[];
}

/** Options of {@link validateValues}. */
export interface ValidateOptions {
  /** Apply schema defaults to missing values (default true). `false` reports them as not set. */
  defaults?: boolean;
}

type RawIssue = core.$ZodRawIssue;

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}

function characters(n: number | bigint): string {
  return `${n} character${n === 1 || n === 1n ? '' : 's'}`;
}

function sizeOf(input: unknown): string {
  if (typeof input === 'string') return ` (got ${input.length})`;
  if (Array.isArray(input)) return ` (got ${input.length})`;
  return '';
}

/**
 * A message for a zod issue that says what is wrong without the input. zod's own messages are
 * mostly safe, but not all of them (and not in every locale); this never reads `input` except
 * for its length.
 */
function describeIssue(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'number' || issue.expected === 'int' || issue.expected === 'bigint') {
        return issue.expected === 'int' ? 'must be a whole number' : 'must be a number';
      }
      if (issue.expected === 'boolean') return 'must be true or false';
      return `must be of type ${issue.expected}`;
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'string') {
        return `${issue.exact ? 'must be exactly' : 'must be at least'} ${characters(issue.inclusive === false ? Number(min) + 1 : min)}${sizeOf(issue.input)}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${min} items${sizeOf(issue.input)}`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'string') {
        return `${issue.exact ? 'must be exactly' : 'must be at most'} ${characters(issue.inclusive === false ? Number(max) - 1 : max)}${sizeOf(issue.input)}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${max} items${sizeOf(issue.input)}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_format':
      switch (issue.format) {
        case 'regex':
          return `must match the pattern ${issue.pattern ?? ''}`.trimEnd();
        case 'starts_with':
          return `must start with "${String(issue.prefix)}"`;
        case 'ends_with':
          return `must end with "${String(issue.suffix)}"`;
        case 'includes':
          return `must contain "${String(issue.includes)}"`;
        case 'url':
          return 'must be a URL';
        case 'email':
          return 'must be an email address';
        case 'uuid':
        case 'guid':
          return 'must be a UUID';
        default:
          return `must be a valid ${issue.format}`;
      }
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'matches none of the allowed forms';
    default:
      return 'is invalid';
  }
}

/** The zod per-parse error map: only consulted where the schema author gave no message. */
function errorMap(issue: RawIssue): string {
  return describeIssue(issue);
}

/** How to fix `key`, as data (a front end words it as a command the user can run). */
function fixFor(key: string, spec: VarSpec, missing: boolean): IssueFix {
  if (spec.derive) return missing ? { code: 'compute', from: spec.derive.from } : { code: 'set-parts', part: spec.derive.from[0] ?? key, from: spec.derive.from };
  if (spec.generate) return missing ? { code: 'generate' } : { code: 'rotate' };
  return { code: 'set', external: Boolean(spec.external), secret: spec.secret };
}

/** True when a type accepts a missing value (`.optional()`, `.default()`, ...). */
function acceptsMissing(type: core.$ZodType): boolean {
  return type._zod.optin !== undefined;
}

/** Withhold a message that contains the value (a function-valued zod message could echo it). */
function scrub(message: string, value: string | undefined): string {
  if (value !== undefined && value.length >= 4 && message.includes(value)) return 'is invalid';
  return message;
}

/**
 * Validate raw `.env` values against a schema: the pure core of {@link loadEnv}.
 * An empty string counts as missing; a missing value takes the schema default (unless
 * `options.defaults` is false); placeholders are rejected by name; derived variables are checked
 * against their parts. Every bad key is reported, in schema order, and no message contains a value:
 * messages for zod's checks are envkit's own, and a schema's message that contains the value (4+
 * characters) is withheld as "is invalid".
 *
 * @example
 * const { ok, data, issues } = validateValues(memuSchema, doc.toObject());
 */
export function validateValues<S extends EnvSchema>(
  schema: S,
  values: Readonly<Record<string, string | undefined>>,
  options: ValidateOptions = {},
): ValidationResult<S> {
  const useDefaults = options.defaults !== false;
  const issuesByKey = new Map<string, ErrorIssue[]>();
  const data: Record<string, unknown> = {};
  // The text each valid key was parsed from (given or default): what derive checks compare.
  const texts: Record<string, string> = {};
  const valid = new Set<string>();
  const report = (key: string, message: string, fix?: IssueFix): void => {
    const issues = issuesByKey.get(key) ?? [];
    if (!issues.some((i) => i.message === message)) issues.push({ key, message, ...(fix === undefined ? {} : { fix }) });
    issuesByKey.set(key, issues);
  };

  for (const [key, spec] of Object.entries(schema.vars)) {
    const given = values[key];
    let text = given === '' ? undefined : given;
    let fromDefault = false;
    if (text === undefined && useDefaults && spec.default !== undefined) {
      text = spec.default;
      fromDefault = true;
    }
    if (text === undefined) {
      if (!acceptsMissing(spec.type)) {
        // A generated secret whose derived value is still there was lost, not never set: init will not make a
        // new one (the database has the old one), so the fix is to bring it back.
        const lost = spec.generate !== undefined && Object.entries(schema.vars).some(([k, v]) => v.derive?.from.includes(key) && (values[k] ?? '') !== '');
        report(key, `${key}: is not set`, lost ? { code: 'restore', external: Boolean(spec.external) } : fixFor(key, spec, true));
        continue;
      }
    } else if (!fromDefault) {
      const reason = placeholderReason(text, spec);
      if (reason !== undefined) {
        report(key, `${key}: ${reason}`, fixFor(key, spec, false));
        continue;
      }
    }
    let result: ReturnType<typeof safeParse>;
    try {
      result = safeParse(spec.type, text, { error: errorMap });
    } catch (error) {
      // A transform that throws (or an async refinement): its error may quote the value, so only
      // its kind is reported.
      const kind = error instanceof Error ? error.name : typeof error;
      report(key, `${key}: could not be checked (the schema's type threw ${kind}); fix the schema of ${key}`);
      continue;
    }
    if (!result.success) {
      const fix = fixFor(key, spec, false);
      const source = fromDefault ? ' (the schema default)' : '';
      for (const issue of result.error.issues) report(key, `${key}${source}: ${scrub(issue.message, text)}`, fix);
      continue;
    }
    data[key] = result.data;
    if (text !== undefined) texts[key] = text;
    valid.add(key);
  }

  // Derived variables last: only once the variable and all its parts are valid is a mismatch news.
  for (const [key, spec] of Object.entries(schema.vars)) {
    const derive = spec.derive;
    const value = texts[key];
    if (!derive || !valid.has(key) || value === undefined) continue;
    if (!derive.from.every((dep) => valid.has(dep) && texts[dep] !== undefined)) continue;
    const parts: Record<string, string> = {};
    for (const dep of derive.from) parts[dep] = texts[dep]!;
    let problem: string | undefined;
    try {
      problem = derive.check ? derive.check(value, parts) : derive.compute(parts, value) === value ? undefined : `does not match ${list(derive.from)}`;
    } catch (error) {
      problem = isEnvkitError(error) ? `cannot be checked against ${list(derive.from)}: ${error.message}` : `cannot be checked against ${list(derive.from)}`;
    }
    if (problem !== undefined) {
      valid.delete(key);
      report(key, `${key}: ${scrub(problem, value)}`, deriveFix(schema, key, derive.from, problem));
    }
  }

  const issues: ErrorIssue[] = [];
  for (const key of Object.keys(schema.vars)) {
    for (const issue of issuesByKey.get(key) ?? []) issues.push(issue);
  }
  const ok = issues.length === 0;
  return { ok, data: ok ? (data as InferEnv<S>) : undefined, issues };
}

function deriveFix(schema: EnvSchema, key: string, from: readonly string[], problem: string): IssueFix {
  // Point at the part the check named ("password does not match POSTGRES_PASSWORD"), else the first.
  const part = from.find((dep) => problem.includes(dep)) ?? from[0] ?? key;
  // A part that also lives elsewhere (the database password) changes in the file alone only when forced.
  return { code: 'recompute', part, from, external: Boolean(schema.vars[part]?.external), secret: Boolean(schema.vars[part]?.secret) };
}

interface ReadValues {
  values: Readonly<Record<string, string | undefined>>;
  /** `file:line` of a key's effective assignment, for file and text sources. */
  locate: (key: string) => string | undefined;
}

function fromText(text: string, file: string): ReadValues {
  const doc = parseDocument(text);
  assertParsed(doc, file);
  return {
    values: doc.toObject(),
    locate: (key) => {
      const entry = doc.entry(key);
      return entry === undefined ? undefined : `${file}:${entry.line}`;
    },
  };
}

function readSource(source: EnvSource): ReadValues {
  if ('env' in source) return { values: source.env, locate: () => undefined };
  if ('text' in source) return fromText(source.text, source.file ?? '<text>');
  // Read as envkit reads every file (no hang on a FIFO, a size cap, a clear FILE error); a loader may follow a
  // symlink (mounted secrets).
  const text = readTextFile(source.path, { followSymlinks: true });
  if (text === undefined) {
    throw new EnvkitError('FILE', `cannot read ${source.path}: it does not exist`, { path: source.path, hint: 'create it first', reason: 'load-missing' });
  }
  return fromText(text, source.path);
}

function summary(issues: readonly ErrorIssue[]): string {
  const keys = [...new Set(issues.map((i) => i.key ?? i.location ?? '?'))];
  return `${keys.length} invalid variable${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`;
}

/**
 * Read and validate the environment. Returns the typed values.
 *
 * @throws EnvkitError('VALIDATION', 'N invalid variables: A, B', { issues }) listing every bad key;
 * EnvkitError('FILE') when `path` cannot be read; EnvkitError('PARSE') when the text is not a valid `.env`.
 * @example
 * const env = loadEnv(memuSchema, { path: '.env' });
 * env.POSTGRES_PASSWORD; // string
 */
export function loadEnv<S extends EnvSchema>(schema: S, source: EnvSource): InferEnv<S> {
  const { values, locate } = readSource(source);
  const result = validateValues(schema, values);
  if (!result.ok || result.data === undefined) {
    const issues = result.issues.map((issue) => {
      const location = issue.key === undefined ? undefined : locate(issue.key);
      return location === undefined ? issue : { ...issue, location };
    });
    throw new EnvkitError('VALIDATION', summary(issues), {
      issues,
      hint: 'each issue names the fix',
      reason: 'invalid-values',
      ...('path' in source ? { path: source.path } : {}),
    });
  }
  return result.data;
}

/**
 * {@link loadEnv} without throwing for envkit errors (programming errors still throw).
 *
 * @example
 * const result = safeLoadEnv(memuSchema, { env: process.env });
 * if (!result.success) for (const issue of result.error.issues) console.error(issue.message);
 */
export function safeLoadEnv<S extends EnvSchema>(
  schema: S,
  source: EnvSource,
): { success: true; data: InferEnv<S> } | { success: false; error: EnvkitError } {
  try {
    return { success: true, data: loadEnv(schema, source) };
  } catch (error) {
    if (isEnvkitError(error)) return { success: false, error };
    throw error;
  }
}
