import { safeParse } from 'zod/mini';
import type { EnvSchema } from '../schema/define.js';
import { validateValues } from '../schema/load.js';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { parseDocument } from '../dotenv/document.js';
import { renderEnvTemplate } from '../files/example.js';
import { markUnconfirmed } from './confirm-default.js';
import { withLock } from '../files/lock.js';
import { writeSecretFile, cleanStaleTemps, type WriteResult } from '../files/write-file.js';
import { projectPaths, type ProjectOptions } from './context.js';
import { readEnvFile } from './env-file.js';
import { findComposeFile } from '../compose/read.js';
import { applyDerived, assertValidValues, isPresent, type KeySummary } from './plan.js';
import { writeExample, writeGitignore } from './sync.js';
import { describeWrite, type FileChange } from '../files/file-change.js';
import { backupSecrets } from './keyring/backup.js';
import type { KeyringCopy } from './keyring/copy.js';
import type { SecretStore } from '../keyring/store.js';

/** Options of {@link initProject}. */
export interface InitOptions extends ProjectOptions {
  /** Values supplied by the user (flags, prompts, the process environment). */
  values?: Record<string, string>;
  /** Plan only: compute the summary, write nothing. */
  dryRun?: boolean;
}

/** What {@link initProject} did. Never carries a value. */
export interface InitResult {
  keys: KeySummary[];
  files: FileChange[];
  /** True if the env file did not exist before. */
  created: boolean;
  /** Optional or required keys that are still empty. */
  missing: string[];
  /** The compose file compose finds in the project directory (its name); absent when there is none: the app is started some other way. */
  composeFile?: string;
}

/** The pure part of init: the new env text and what happened per key. */
export interface InitPlan {
  text: string;
  keys: KeySummary[];
  values: Record<string, string>;
}

/**
 * Plan the env file: keep every present value, fill empty or absent ones from the given values,
 * generators and defaults, recompute derived values. Pure apart from the generators' randomness.
 */
export function planInit(schema: EnvSchema, existing: string | undefined, given: Record<string, string> = {}): InitPlan {
  const fresh = existing === undefined || existing.trim() === '';
  const doc = parseDocument(existing ?? '');
  const values: Record<string, string> = doc.toObject();
  const keys: KeySummary[] = [];
  const fills: Record<string, string> = {};

  for (const [key, spec] of Object.entries(schema.vars)) {
    if (spec.derive) continue;
    const current = values[key];
    const summary: KeySummary = { key, action: 'missing', secret: spec.secret };
    if (isPresent(current)) {
      summary.action = 'kept';
      if (given[key] !== undefined && given[key] !== current) {
        summary.reason = 'already set; the given value was not used';
        summary.reasonCode = 'given-unused';
      }
    } else if (isPresent(given[key])) {
      summary.action = 'given';
      fills[key] = given[key];
    } else if (spec.generate) {
      refuseRegenerating(schema, key, values);
      summary.action = 'generated';
      fills[key] = spec.generate();
    } else if (spec.default !== undefined) {
      summary.action = 'default';
      fills[key] = spec.default;
      if (spec.confirmDefault) summary.reason = 'not confirmed for this deployment';
    }
    keys.push(summary);
  }
  const givenUsed: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    const spec = schema.vars[key];
    if (spec?.derive) {
      throw new EnvkitError('VALIDATION', `${key} is derived from ${spec.derive.from.join(', ')}; give those instead`, { issues: [{ key, message: 'derived values are computed by envkit' }] });
    }
    if (!spec || keys.some((k) => k.key === key && k.action === 'given')) givenUsed[key] = value;
  }
  assertGivenValid(schema, givenUsed, { ...values, ...fills });
  Object.assign(values, fills);

  let text: string;
  if (fresh) {
    const derivedValues = { ...values };
    applyDerived(schema, parseDocument(''), derivedValues);
    const rendered = parseDocument(renderEnvTemplate(schema, { kind: 'env', values: derivedValues }));
    for (const key of unconfirmed(schema, keys)) markUnconfirmed(rendered, key);
    text = rendered.toString();
    for (const [key, spec] of Object.entries(schema.vars)) {
      if (spec.derive) keys.push({ key, action: isPresent(derivedValues[key]) ? 'derived' : 'missing', secret: spec.secret });
    }
  } else {
    // Filled gaps are written in schema order: present-but-empty lines in place, absent keys appended.
    for (const key of Object.keys(schema.vars)) {
      if (fills[key] !== undefined) doc.set(key, fills[key]);
      else if (!doc.has(key)) doc.set(key, '');
    }
    for (const key of unconfirmed(schema, keys)) markUnconfirmed(doc, key);
    const before = { ...values };
    const derived = applyDerived(schema, doc, values);
    for (const [key, spec] of Object.entries(schema.vars)) {
      if (!spec.derive) continue;
      const action = derived.includes(key) ? (isPresent(before[key]) ? 'updated' : 'derived') : isPresent(values[key]) ? 'kept' : 'missing';
      keys.push({ key, action, secret: spec.secret, ...(action === 'updated' ? { reason: 'recomputed from its parts' } : {}) });
    }
    text = doc.toString();
  }

  // Kept values that fail validation are reported, not replaced: a kept secret may be what the database has.
  const check = validateValues(schema, values);
  for (const issue of check.issues) {
    const summary = keys.find((k) => k.key === issue.key);
    if (summary && (summary.action === 'kept' || summary.action === 'updated')) {
      summary.action = 'invalid';
      summary.reason = issue.message;
      if (issue.fix) summary.fix = issue.fix;
    }
  }
  const order = Object.keys(schema.vars);
  keys.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  return { text, keys, values };
}

/** The keys init fills with a default that is one deployment's value (spec.confirmDefault), not asked for. */
function unconfirmed(schema: EnvSchema, keys: readonly KeySummary[]): string[] {
  return keys.filter((k) => k.action === 'default' && schema.vars[k.key]?.confirmDefault).map((k) => k.key);
}

/**
 * Create or complete a project's `.env`, `.env.example` and `.gitignore`.
 * Never overwrites a present value; a second run changes nothing.
 *
 * @example
 * const result = initProject({ cwd: '/srv/memu', schema: memuSchema, values: { OPENAI_API_KEY: key } });
 * for (const k of result.keys) console.log(k.key, k.action);
 */
export function initProject(options: InitOptions): InitResult {
  const paths = projectPaths(options);
  const run = (): InitResult => {
    const { text: existing } = readEnvFile(paths);
    if (existsSync(paths.pending)) {
      throw new EnvkitError('REFUSED', `a rotation of ${paths.envName} is pending (${basename(paths.pending)})`, {
        path: paths.pending,
        hint: 'finish it first: run the same rotation again',
        reason: 'init-rotation-pending',
      });
    }
    const plan = planInit(options.schema, existing, options.values ?? {});
    // Every target is checked before the first is written: reading the example and the ignore file refuses
    // a symlink, a directory, a FIFO… there, as writing them would, and the directory must take new files.
    // Before, a refused .gitignore stopped init after .env (with a new password) was written, and unignored.
    const planned: FileChange[] = [
      { path: paths.env, action: existing === undefined ? 'created' : plan.text === existing ? 'unchanged' : 'updated' },
      writeExample(paths, options.schema, true),
      writeGitignore(paths, true),
    ];
    const missing = plan.keys.filter((k) => k.action === 'missing').map((k) => k.key);
    // Also in a dry run: it must fail where the real run would.
    assertWritableDirs(planned);
    const found = findComposeFile(paths.dir);
    const compose = found === undefined ? {} : { composeFile: basename(found) };
    if (options.dryRun) return { keys: plan.keys, files: planned, created: existing === undefined, missing, ...compose };
    const files: FileChange[] = [];
    try {
      cleanStaleTemps(paths.env);
      files.push(describeWrite(writeSecretFile(paths.env, plan.text)));
      files.push(writeExample(paths, options.schema, false));
      files.push(writeGitignore(paths, false));
    } catch (error) {
      throw partlyWritten(error, paths.dir, files);
    }
    return { keys: plan.keys, files, created: existing === undefined, missing, ...compose };
  };
  return options.dryRun ? run() : withLock(paths.lock, 'init', run);
}

/**
 * FILE, before anything is written, when a file that must change lies in a directory that takes no new file
 * (envkit writes through a temp file and a rename, so the directory is what must be writable).
 */
export function assertWritableDirs(files: readonly FileChange[]): void {
  for (const file of files) {
    if (file.action === 'unchanged') continue;
    const dir = dirname(file.path);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new EnvkitError('FILE', `cannot write ${file.path}: the directory ${dir} is not writable; nothing was written`, {
        path: file.path,
        hint: `make ${dir} writable for you (or run envkit as the user who owns it)`,
      });
    }
  }
}

/** A write that failed after others succeeded: the same error, saying exactly which files were written. */
function partlyWritten(error: unknown, dir: string, written: readonly FileChange[]): unknown {
  if (!isEnvkitError(error)) return error;
  const changed = written.filter((f) => f.action !== 'unchanged').map((f) => `${relative(dir, f.path) || f.path} (${f.action})`);
  const said = changed.length === 0 ? 'nothing was written' : `already written: ${changed.join(', ')}; the rest was not`;
  return new EnvkitError(error.code, `${error.message}; ${said}`, {
    hint: `${error.hint ? `${error.hint}; then ` : 'once it is fixed, '}initialize again: it keeps every value already written`,
    reason: 'partly-written',
    issues: error.issues,
    ...(error.path ? { path: error.path } : {}),
    cause: error,
  });
}

/** Options of {@link initProjectWithKeyring}. */
export interface InitWithKeyringOptions extends InitOptions {
  /** The store the secrets are copied into after the env file is written (opened by the caller). */
  store: SecretStore;
  /** The keyring project id; default `defaultProjectId` of the project. */
  projectId?: string;
}

/** What {@link initProjectWithKeyring} did: init's result plus the keyring copy. Never carries a value. */
export interface InitWithKeyringResult extends InitResult {
  /**
   * The keyring copy of the secrets: `stored`, or `failed` with the KEYRING error that stopped it (the env
   * file is written either way, so init's result is never lost to a keyring failure); `off` for a dry run.
   */
  keyring: KeyringCopy;
}

/**
 * {@link initProject}, then a copy of every secret that has a valid value into `store` (service
 * `envkit:<project id>`, account = variable name), after the env file is written.
 *
 * @example
 * const store = await openOsStore();
 * try { await initProjectWithKeyring({ cwd, schema: memuSchema, store }); } finally { await store.close(); }
 */
export async function initProjectWithKeyring(options: InitWithKeyringOptions): Promise<InitWithKeyringResult> {
  const result = initProject(options);
  if (options.dryRun) return { ...result, keyring: { status: 'off' } };
  try {
    return { ...result, keyring: { status: 'stored', backup: await backupSecrets(options) } };
  } catch (error) {
    if (error instanceof EnvkitError && error.code === 'KEYRING') return { ...result, keyring: { status: 'failed', error } };
    throw error;
  }
}


/**
 * A generated secret that is missing while a value derived from it is present was lost, not never set: a
 * database created with it still has it. Generating a new one would lock the application out.
 */
function refuseRegenerating(schema: EnvSchema, key: string, values: Readonly<Record<string, string>>): void {
  for (const [derivedKey, spec] of Object.entries(schema.vars)) {
    if (!spec.derive?.from.includes(key) || !isPresent(values[derivedKey])) continue;
    throw new EnvkitError('REFUSED', `${key} is empty but ${derivedKey} was derived from an earlier value: envkit will not generate a new one`, {
      issues: [{ key, message: 'a database created with the old value still has it; a new value would lock the application out' }],
      hint: 'bring the old value back (from the keyring, or give it), or rotate it properly',
      reason: 'secret-lost',
      data: { key },
    });
  }
}

/** A value `envkit init` asks the user for on a terminal. */
export interface InitPrompt {
  key: string;
  description: string;
  example: string | undefined;
  optional: boolean;
  /** Whether the answer is a secret (asked for with hidden input). */
  secret: boolean;
  /** What an empty answer takes, for a default that is one deployment's value (spec.confirmDefault). */
  default?: string;
}

/**
 * The variables init asks for on a terminal, in schema order, when still empty and not given: user-supplied
 * ones (spec.prompt) and those whose default is one deployment's value (spec.confirmDefault).
 */
export function promptsForInit(options: ProjectOptions & { values?: Record<string, string> }): InitPrompt[] {
  const { doc } = readEnvFile(projectPaths(options));
  return Object.entries(options.schema.vars)
    .filter(([key, spec]) => (spec.prompt || (spec.confirmDefault && spec.default !== undefined)) && !isPresent(doc.get(key)) && !isPresent(options.values?.[key]))
    .map(([key, spec]) => ({
      key,
      description: spec.description,
      example: spec.example,
      optional: safeParse(spec.type, undefined).success,
      secret: spec.secret,
      ...(spec.confirmDefault && spec.default !== undefined ? { default: spec.default } : {}),
    }));
}

/**
 * {@link assertValidValues} for the values given to init: the way out is another value or none (init fills in
 * the default or generates the secret), not an edit of an env file that may not exist yet, so the issues carry
 * no fix of their own (`reason` `init-given-invalid`, `data.keys`: the keys given).
 */
function assertGivenValid(schema: EnvSchema, given: Record<string, string>, context: Record<string, string>): void {
  try {
    assertValidValues(schema, given, context);
  } catch (error) {
    if (!isEnvkitError(error, 'VALIDATION')) throw error;
    throw new EnvkitError('VALIDATION', error.message, {
      issues: error.issues.map(({ fix: _fix, ...issue }) => issue),
      hint: 'give valid values, or leave them out for init to fill in; nothing was written',
      reason: 'init-given-invalid',
      data: { keys: [...new Set(error.issues.map((issue) => issue.key).filter((key): key is string => key !== undefined))] },
    });
  }
}
