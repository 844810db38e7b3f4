import type { EnvSchema } from '../schema/define.js';
import { parseDocument, assertParsed, type EnvDocument, type Placement } from '../dotenv/document.js';
import { envCommentFor, isVariableComment } from '../files/example.js';
import { writeSecretFile, cleanStaleTemps, readTextFile } from '../files/write-file.js';
import { withLock } from '../files/lock.js';
import { EnvkitError } from '../errors.js';
import { projectPaths, type ProjectOptions, type ProjectPaths } from './context.js';
import { readEnvFile } from './env-file.js';
import { applyDerived, assertValidValues, isPresent, specOf, type KeySummary } from './plan.js';
import { assertWritableDirs } from './init.js';
import { describeWrite } from '../files/file-change.js';
import { externalGuard } from '../schema/external.js';
import { confirmValue } from './confirm-default.js';
import type { FileChange } from '../files/file-change.js';

/** The result of an edit of the env file. Never carries a value. */
export interface EditResult {
  keys: KeySummary[];
  file: FileChange;
}

/** A change to a document: edits `doc` and `values` (its values, kept in step) and says what it did per key. */
export type DocumentEdit = (doc: EnvDocument, values: Record<string, string>) => KeySummary[];

/**
 * Apply `edit` to env text (`undefined`: no file yet) and recompute derived values: the pure core of every
 * edit, of the env file ({@link applyEdit}) or of an encrypted environment in memory. Throws PARSE (naming
 * `name`:line) for text envkit cannot read completely.
 */
export function editText(text: string | undefined, name: string, schema: EnvSchema, edit: DocumentEdit): { next: string; keys: KeySummary[] } {
  const doc = parseDocument(text ?? '');
  assertParsed(doc, name);
  const values = doc.toObject();
  const keys = edit(doc, values);
  const before = { ...values };
  for (const key of applyDerived(schema, doc, values)) {
    // As init says it: a derived value the file lacked is `derived`; one it had, recomputed, `updated`.
    const secret = schema.vars[key]?.secret ?? true;
    keys.push(isPresent(before[key]) ? { key, action: 'updated', secret, reason: 'recomputed from its parts' } : { key, action: 'derived', secret });
  }
  return { next: doc.toString(), keys };
}

/**
 * Read the env file, let `edit` change the document, recompute derived values, write once atomically.
 * The caller holds the project lock. Nothing is written when `dryRun` is set or nothing changed.
 */
export function applyEdit(paths: ProjectPaths, schema: EnvSchema, edit: DocumentEdit, options: { dryRun?: boolean; createIfMissing?: boolean } = {}): EditResult {
  const text = readTextFile(paths.env);
  if (text === undefined && !options.createIfMissing) {
    throw new EnvkitError('FILE', `${paths.envName} does not exist`, { path: paths.env, hint: 'create it first', reason: 'env-missing' });
  }
  const { next, keys } = editText(text, paths.envName, schema, edit);
  const file: FileChange = { path: paths.env, action: next === text ? 'unchanged' : text === undefined ? 'created' : 'updated' };
  // A dry run fails where the real run would: a directory that takes no file.
  if (options.dryRun) assertWritableDirs([file]);
  if (options.dryRun || next === text) return { keys, file };
  cleanStaleTemps(paths.env);
  return { keys, file: describeWrite(writeSecretFile(paths.env, next)) };
}

/** Options of {@link setValues}. */
export interface SetOptions extends ProjectOptions {
  values: Record<string, string>;
  /** Accept keys the schema does not define (only portability is checked for them). */
  allowUnknown?: boolean;
  /** Change a variable whose value also lives elsewhere (spec.external) in the file alone. */
  force?: boolean;
  dryRun?: boolean;
}

/**
 * Refuse to change in the file alone a value that also lives elsewhere (a database password, a role or database
 * name, or a part of a derived value that does): the two would disagree and the application would be locked out.
 */
function refuseExternal(schema: EnvSchema, keys: readonly string[], verb: 'set' | 'unset' | 'rotate'): void {
  for (const key of keys) {
    const guard = externalGuard(schema, key);
    if (!guard) continue;
    const doing = verb === 'set' ? 'setting' : verb === 'unset' ? 'unsetting' : 'rotating';
    const through = guard.via ? `would rewrite ${guard.via} but` : 'would';
    const { hint } = guard;
    const aloneWhen = (typeof hint === 'object' ? hint.aloneWhen : undefined) ?? 'nothing uses the old value yet';
    // The way out as data (the CLI names its commands and flags); `first` as text parts, a key to rotate at each odd index.
    const first = typeof hint === 'object' && hint.first !== undefined ? alternating(hint.first) : undefined;
    const then = typeof hint === 'object' && hint.then !== undefined ? alternating(hint.then) : undefined;
    const rotate = typeof hint === 'object' ? hint.rotate : undefined;
    const words = (parts: string[]): string => parts.map((p, i) => (i % 2 === 1 ? `rotate ${p}` : p)).join('');
    throw new EnvkitError('REFUSED', `${doing} ${key} in the file alone ${through} not change ${guard.where}`, {
      issues: [{ key, message: 'the file and the live value would disagree and the application would be locked out' }],
      hint:
        typeof hint === 'string'
          ? hint
          : rotate !== undefined
            ? `rotate ${rotate}, which changes it in both places; or change it in the file alone (forced) if ${aloneWhen}`
            : `${first === undefined ? 'change it there first' : words(first)}, then repeat the change in the file alone (forced)${then === undefined ? '' : `, ${words(then)}`}; alone only if ${aloneWhen}`,
      reason: 'external',
      data: {
        key,
        verb,
        aloneWhen,
        ...(typeof hint === 'string' ? { own: hint } : {}),
        ...(first === undefined ? {} : { first }),
        ...(then === undefined ? {} : { then }),
        ...(rotate === undefined ? {} : { rotate }),
      },
    });
  }
}

/** `parts` as text at the even indexes and the keys to rotate at the odd ones (ErrorDatum holds no objects). */
function alternating(parts: string | readonly (string | { rotate: string })[]): string[] {
  const out = [''];
  for (const part of typeof parts === 'string' ? [parts] : parts) {
    if (typeof part === 'string') out[out.length - 1] += part;
    else out.push(part.rotate, '');
  }
  return out;
}

/**
 * Set variables in the env file: each value validated against the schema and written in a form
 * every reader reads the same; derived values recomputed in the same write.
 */
export function setValues(options: SetOptions): EditResult {
  const paths = projectPaths(options);
  return withLock(paths.lock, 'set', () => applyEdit(paths, options.schema, setEdit(options), { dryRun: options.dryRun, createIfMissing: true }));
}

/** The edit of {@link setValues}: refusals and validation first, then each value set. */
export function setEdit(options: Pick<SetOptions, 'schema' | 'values' | 'allowUnknown' | 'force'>): DocumentEdit {
  const { schema } = options;
  return (doc, values) => {
    const known = Object.fromEntries(Object.entries(options.values).filter(([k]) => k in schema.vars || !options.allowUnknown));
    assertValidValues(schema, known, values);
    // After validation: a value that could never be right is named as such first. Unchanged values pass.
    if (!options.force) refuseExternal(schema, Object.keys(options.values).filter((k) => values[k] !== options.values[k]), 'set');
    const keys: KeySummary[] = [];
    for (const [key, value] of Object.entries(options.values)) {
      const before = values[key];
      const had = doc.has(key);
      doc.set(key, value, had ? {} : placementIn(schema, doc, key));
      values[key] = value;
      // Setting a value confirms it: the mark init left on a default nobody was asked about goes.
      const confirmed = confirmValue(doc, key);
      const action = !had ? 'added' : before === value && !confirmed ? 'kept' : 'updated';
      keys.push({ key, action, secret: schema.vars[key]?.secret ?? true, ...(confirmed ? { reason: 'confirmed for this deployment' } : {}) });
    }
    return keys;
  };
}

/**
 * Where a key new to the file goes: after the nearest variable before it in the schema that the file has, else
 * before the nearest one after it (one of its own section first), with the comment block `init` would have
 * written; a key the schema does not know goes at the end.
 */
function placementIn(schema: EnvSchema, doc: EnvDocument, key: string): Placement {
  const order = Object.keys(schema.vars);
  const at = order.indexOf(key);
  if (at === -1) return {};
  const comment = envCommentFor(schema, key);
  const section = schema.vars[key]!.section;
  // A neighbour of its own section first, so the key stays under its section heading.
  for (const same of [true, false]) {
    const fits = (k: string) => doc.has(k) && (!same || schema.vars[k]!.section === section);
    for (let i = at - 1; i >= 0; i--) if (fits(order[i]!)) return { after: order[i]!, comment };
    for (let i = at + 1; i < order.length; i++) if (fits(order[i]!)) return { before: order[i]!, comment, belongs: isVariableComment };
  }
  return {};
}

/** Remove variables from the env file. Unknown or absent keys are reported as `missing`. */
export function unsetKeys(options: ProjectOptions & { keys: string[]; dryRun?: boolean; force?: boolean }): EditResult {
  const edit = unsetEdit(options);
  const paths = projectPaths(options);
  return withLock(paths.lock, 'unset', () => applyEdit(paths, options.schema, edit, { dryRun: options.dryRun }));
}

/**
 * The edit of {@link unsetKeys}. Refuses a derived key at once, and, on the file as it is, a present value
 * that also lives elsewhere, unless `force`.
 */
export function unsetEdit(options: { schema: EnvSchema; keys: readonly string[]; force?: boolean }): DocumentEdit {
  for (const key of options.keys) {
    const derive = options.schema.vars[key]?.derive;
    if (derive) {
      throw new EnvkitError('USAGE', `${key} is derived from ${derive.from.join(', ')}: envkit would write it again at once`, {
        hint: `unset one of ${derive.from.join(', ')} instead`,
      });
    }
  }
  return (doc, values) => {
    // On the file as it is: a key that is not there changes nothing elsewhere either.
    if (!options.force) refuseExternal(options.schema, options.keys.filter((k) => k in values), 'unset');
    return options.keys.map((key) => {
      // The variable's own comment block goes with it (not a section heading, not a neighbour's block).
      const removed = doc.delete(key, { comment: isVariableComment });
      delete values[key];
      // A key the schema does not define is treated as a secret when it has a value; one that is neither in the
      // schema nor in the file is no secret of anyone's: labelling it one would be a claim about nothing.
      return { key, action: removed ? 'removed' : 'missing', secret: options.schema.vars[key]?.secret ?? removed };
    });
  };
}

/** One variable as read by {@link getValue}. `value` is the real value: the caller masks it. */
export interface GetResult {
  key: string;
  value: string | undefined;
  secret: boolean;
  source: 'file' | 'default' | 'missing';
}

/** Read one variable from the env file, falling back to the schema default. */
export function getValue(options: ProjectOptions & { key: string; allowUnknown?: boolean }): GetResult {
  const paths = projectPaths(options);
  const { doc } = readEnvFile(paths);
  return valueIn(doc, options);
}

/** {@link getValue} on a document already read (an env file, or an encrypted environment in memory). */
export function valueIn(doc: EnvDocument, options: { schema: EnvSchema; key: string; allowUnknown?: boolean }): GetResult {
  const spec = options.allowUnknown ? options.schema.vars[options.key] : specOf(options.schema, options.key);
  const value = doc.get(options.key);
  const secret = spec?.secret ?? true;
  if (isPresent(value)) return { key: options.key, value, secret, source: 'file' };
  if (spec?.default !== undefined) return { key: options.key, value: spec.default, secret, source: 'default' };
  return { key: options.key, value: undefined, secret, source: 'missing' };
}

/** Options of {@link rotateSecret}. */
export interface RotateFileOptions extends ProjectOptions {
  key: string;
  /** The new value; generated by the variable's generator when absent. */
  value?: string;
  /** Rotate in the file alone a value that also lives elsewhere (spec.external; the database password). */
  force?: boolean;
  dryRun?: boolean;
}

/** The new value for a rotation: the given one (validated) or a fresh one from the generator. */
export function nextSecretValue(schema: EnvSchema, key: string, given: string | undefined): { value: string; generated: boolean } {
  const spec = specOf(schema, key);
  if (!spec.secret) {
    throw new EnvkitError('USAGE', `${key} is not a secret: only secrets are rotated`, { hint: `set ${key} instead`, reason: 'rotate-not-secret', data: { key } });
  }
  if (spec.derive) {
    throw new EnvkitError('USAGE', `${key} is derived from ${spec.derive.from.join(', ')}; rotate one of those`, { hint: 'e.g. POSTGRES_PASSWORD', reason: 'rotate-derived' });
  }
  if (given !== undefined) return { value: given, generated: false };
  if (!spec.generate) {
    throw new EnvkitError('USAGE', `${key} has no generator; give the new value`, { hint: `give the new value of ${key} from its issuer`, reason: 'no-generator', data: { key } });
  }
  return { value: spec.generate(), generated: true };
}

/**
 * Rotate a secret in the env file only: a new value (generated or given), derived values recomputed,
 * one atomic write. The database side is {@link rotatePassword}'s job.
 */
export function rotateSecret(options: RotateFileOptions): EditResult & { generated: boolean } {
  const paths = projectPaths(options);
  // The database password reaches here only when the schema lacks the rest of its login (rotatePassword
  // handles it otherwise): a file-only rotation of it, or of anything else that lives elsewhere, locks out.
  if (!options.force) refuseExternal(options.schema, [options.key], 'rotate');
  const next = nextSecretValue(options.schema, options.key, options.value);
  const result = withLock(paths.lock, 'rotate', () => applyEdit(paths, options.schema, rotateEdit(options.schema, options.key, next), { dryRun: options.dryRun }));
  return { ...result, generated: next.generated };
}

/** The edit of {@link rotateSecret}: the new value validated and set. */
export function rotateEdit(schema: EnvSchema, key: string, next: { value: string; generated: boolean }): DocumentEdit {
  return (doc, values) => {
    assertValidValues(schema, { [key]: next.value }, values);
    doc.set(key, next.value);
    values[key] = next.value;
    return [{ key, action: next.generated ? 'generated' : 'given', secret: true }];
  };
}
