import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { EnvkitError, type ErrorIssue } from '../../errors.js';
import { validateValues } from '../../schema/load.js';
import { parseDocument } from '../../dotenv/document.js';
import { renderEnvTemplate } from '../../files/example.js';
import { withLockAsync } from '../../files/lock.js';
import { cleanStaleTemps, writeSecretFile } from '../../files/write-file.js';
import { readRegularFile } from '../../files/safe-read.js';
import { describeWrite, type FileChange } from '../../files/file-change.js';
import { projectPaths, type ProjectPaths } from '../context.js';
import { applyDerived, isPresent } from '../plan.js';
import { assertKeyName } from '../../keyring/store.js';
import { readHeld } from './held.js';
import { inspectEnvFile, type InspectedEnv } from './inspect.js';
import { secretKeys, targetOf, type KeyringProjectOptions, type KeyringTarget } from './project-id.js';

/** Where a restored value came from. */
export type RestoreSource = 'keyring' | 'file' | 'given' | 'default' | 'derived' | 'empty';

/** One variable of a restored env file. Never the value. */
export interface RestoredKey {
  key: string;
  source: RestoreSource;
  secret: boolean;
}

/** Options of {@link restoreEnv}. */
export interface RestoreOptions extends KeyringProjectOptions {
  /** Replace an env file that exists and is not empty (a damaged one, or even a valid one). */
  force?: boolean;
  /** Values to use for variables the keyring does not hold (non-secret settings that differ from the defaults). */
  values?: Record<string, string>;
  /** Plan only: read the keyring, write nothing. */
  dryRun?: boolean;
}

/**
 * One thing to know about a restore: `reason` and the `keys` it is about, and `text`, one sentence in the
 * library's words. `replaced`: a keyring value replaced a different one of the old file; `recomputed`: a
 * derived value was computed anew; `others-restored`: keyring entries that are not variables of the schema;
 * `extra-kept` / `extra-lost`: the old file's own variables kept, or only in the backup; `rotation-pending`: a
 * rotation was interrupted (finish it by running it again); `keyring-differs`: the keyring holds other values
 * than the (valid, untouched) env file (a backup or a forced restore brings them together).
 */
export interface RestoreNote {
  reason: 'replaced' | 'recomputed' | 'others-restored' | 'extra-kept' | 'extra-lost' | 'rotation-pending' | 'keyring-differs';
  keys: string[];
  /** The file it is about, for `rotation-pending` (the pending file) and `keyring-differs` (the env file). */
  file?: string;
  text: string;
}

/** Result of {@link restoreEnv}. */
export interface RestoreResult extends KeyringTarget {
  /** The env file before: `missing`, `empty`, `damaged` (syntax errors or values the schema rejects) or `valid`. */
  previous: 'missing' | 'empty' | 'damaged' | 'valid';
  file: FileChange;
  /**
   * Where the previous file was copied (mode 0600) before it was replaced: the project's backup file
   * (`.env.envkit-backup`), or `.env.envkit-backup-<UTC time>` when that already holds another copy.
   */
  backup?: string;
  keys: RestoredKey[];
  /** Things to know, never a value. */
  notes: RestoreNote[];
  /** The env file was valid and had every secret the keyring holds: nothing to restore, nothing written. */
  upToDate?: boolean;
}

/**
 * Rebuild the env file from the keyring (`envkit restore`): secrets from the store, other variables from
 * `values`, from the previous file where it held a valid value, or from the schema defaults; derived values
 * recomputed (a stored derived value lends them what is not derived, such as a URL's host). Nothing is
 * generated: a new password would not be the one the database has.
 *
 * Entries of the project that are not secrets of the schema come back as variables of their own: a restore
 * never gives back less than the keyring holds, or it fails.
 *
 * Under the project lock; one atomic write, mode 0600. A missing or empty file is simply restored. A valid file
 * that has every secret the keyring holds is left alone (`upToDate`: nothing to restore); one that lacks a
 * stored secret, or a damaged one, is replaced only with `force` (REFUSED otherwise), after a copy
 * of it is written to the project's backup file (0600); a backup file that holds something else (the original
 * damaged file of an earlier restore) is kept, and the copy goes to `<backup>-<UTC time>` beside it, which the
 * same ignore rule (`.env.envkit-*`) covers. The result must pass the schema, else nothing is
 * written (VALIDATION naming each key). Throws KEYRING when the store holds nothing for the project.
 *
 * @example
 * await restoreEnv({ cwd: '/srv/memu', schema: memuSchema, store: await openOsStore() });
 */
export async function restoreEnv(options: RestoreOptions): Promise<RestoreResult> {
  const target = targetOf(options);
  const paths = projectPaths(options);
  const run = (): Promise<RestoreResult> => restoreLocked(options, target, paths);
  return options.dryRun ? run() : withLockAsync(paths.lock, 'restore', run);
}

async function restoreLocked(options: RestoreOptions, target: KeyringTarget, paths: ProjectPaths): Promise<RestoreResult> {
  const { schema, store } = options;
  const file = inspectEnvFile(paths, schema);
  const previous = file.state;
  const backupPath = file.text === undefined ? paths.backup : backupPathFor(paths, file.text, new Date());
  // The time in the name is the time of the restore that writes it.
  const kept = backupPath === paths.backup ? basename(paths.backup) : `${basename(paths.backup)}-<UTC time>`;
  if (previous === 'damaged' && !options.force) {
    throw new EnvkitError('REFUSED', `${paths.envName} exists but is damaged (${file.summary}): nothing was restored`, {
      path: paths.env,
      issues: file.issues,
      hint: `rebuild it with a forced restore; the damaged file is kept as ${kept} (mode 0600)`,
      reason: 'env-damaged',
      data: { kept },
    });
  }

  const secrets = secretKeys(schema);
  const held = await readHeld(store, target.projectId, secrets, { others: 'values' });
  const stored = new Map<string, string>();
  // Entries of the project that are not secrets of the schema (a secret of an earlier schema): part of
  // what the keyring holds, so part of what a restore gives back, as variables of their own.
  const others = new Map<string, string>();
  for (const key of secrets) {
    const value = held.values.get(key);
    if (isPresent(value)) stored.set(key, value);
  }
  for (const key of held.listed ?? []) {
    if (key in schema.vars) continue;
    // An account another tool stored under a name no reader takes as a variable: said as such.
    assertKeyName(key);
    const value = held.values.get(key);
    if (isPresent(value)) others.set(key, value);
  }
  if (previous === 'valid' && !options.force) return upToDate(paths, target, file, stored, others, kept);
  if (stored.size === 0 && others.size === 0) {
    throw new EnvkitError('KEYRING', `nothing is stored in the OS keyring (${target.backend}) for project ${target.projectId} (service ${target.service})`, {
      hint: `the default project id comes from the directory (${paths.dir}); if the project moved or the id was set, give that id`,
      reason: 'nothing-stored',
      data: { dir: paths.dir },
    });
  }

  // The previous file's valid values: a damaged file still holds good settings worth keeping.
  const old = file.doc?.toObject() ?? {};
  const usable = (key: string): string | undefined => (isPresent(old[key]) && !file.invalidKeys.has(key) ? old[key] : undefined);
  const given = options.values ?? {};
  for (const key of Object.keys(given)) {
    if (!(key in schema.vars)) {
      throw new EnvkitError('UNKNOWN_KEY', `${key} is not a variable of the ${schema.name} schema`, { reason: 'unknown-key', data: { key } });
    }
    if (schema.vars[key]?.derive) {
      throw new EnvkitError('USAGE', `${key} is derived from ${schema.vars[key].derive.from.join(', ')}; give those instead`);
    }
  }

  const values: Record<string, string> = {};
  const keys: RestoredKey[] = [];
  const notes: RestoreNote[] = [];
  const backupName = basename(backupPath);
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (spec.derive) continue;
    let source: RestoreSource = 'empty';
    const fromKeyring = stored.get(key);
    const fromFile = usable(key);
    if (isPresent(given[key])) {
      source = 'given';
      values[key] = given[key];
    } else if (spec.secret && fromKeyring !== undefined) {
      source = 'keyring';
      values[key] = fromKeyring;
      if (fromFile !== undefined && fromFile !== fromKeyring) {
        notes.push({ reason: 'replaced', keys: [key], text: `${key}: the keyring value replaces a different value of the old ${paths.envName} (kept in ${backupName})` });
      }
    } else if (fromFile !== undefined) {
      source = 'file';
      values[key] = fromFile;
    } else if (spec.default !== undefined) {
      source = 'default';
      values[key] = spec.default;
    }
    keys.push({ key, source, secret: spec.secret });
  }
  // A stored (or kept) derived value is the "current" one: compute keeps what is not derived from it.
  const derivedFrom = new Map<string, 'keyring' | 'file'>();
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (!spec.derive) continue;
    const current = (spec.secret ? stored.get(key) : undefined) ?? usable(key);
    if (current !== undefined) {
      values[key] = current;
      derivedFrom.set(key, stored.get(key) === current ? 'keyring' : 'file');
    }
  }
  const before = { ...values };
  applyDerived(schema, parseDocument(''), values);
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (!spec.derive) continue;
    const from = derivedFrom.get(key);
    if (from !== undefined && before[key] !== values[key]) {
      const why = spec.derive.check?.(before[key] as string, values);
      const where = from === 'keyring' ? 'the keyring copy' : `the old ${paths.envName}`;
      notes.push({ reason: 'recomputed', keys: [key], text: `${key}: recomputed from ${spec.derive.from.join(', ')}${why === undefined ? '' : `; in ${where} the ${why}`}` });
    }
    keys.push({ key, source: isPresent(values[key]) ? 'derived' : 'empty', secret: spec.secret });
  }
  const order = Object.keys(schema.vars);
  keys.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));

  const check = validateValues(schema, values);
  if (check.issues.length > 0) {
    const issues: ErrorIssue[] = check.issues.map((issue) => {
      const key = issue.key;
      const source = keys.find((k) => k.key === key)?.source;
      if (key !== undefined && source === 'empty') {
        const spec = schema.vars[key];
        const where = spec?.secret ? `is not stored in the keyring (${target.service})` : 'has no value in the keyring or the old file';
        // A setting the keyring never holds can be given instead (`values`): `no-value` lets the caller say how.
        return { key, message: `${key}: ${where} and has no default`, ...(spec?.secret ? {} : { reason: 'no-value' }) };
      }
      return issue;
    });
    throw new EnvkitError('VALIDATION', `cannot restore ${paths.envName}: ${issues.length} variable${issues.length === 1 ? '' : 's'} would be invalid: ${issues.map((i) => i.key).join(', ')}`, {
      issues,
      hint: 'nothing was written; check what the keyring holds for this project id',
      reason: 'restore-invalid',
    });
  }

  let text = renderEnvTemplate(schema, { kind: 'env', values });
  if (others.size > 0) {
    const doc = parseDocument(text);
    const unwritable: string[] = [];
    for (const [key, value] of others) {
      try {
        doc.set(key, value);
      } catch {
        unwritable.push(key);
      }
    }
    // Never a success that gives back less than the keyring holds.
    if (unwritable.length > 0) {
      throw new EnvkitError('REFUSED', `cannot restore ${unwritable.join(', ')} from the keyring: no form of the value reads the same in every reader`, {
        hint: `nothing was written; once ${unwritable.length === 1 ? 'it is' : 'they are'} dropped from the keyring, restore gives back the rest`,
        reason: 'unwritable',
        data: { keys: unwritable },
      });
    }
    text = doc.toString();
    notes.push({ reason: 'others-restored', keys: [...others.keys()], text: `restored from the keyring (not variables of the ${schema.name} schema): ${[...others.keys()].join(', ')}` });
  }
  // Variables of the old file that the schema does not know are the user's own: keep them.
  const extra = Object.keys(old).filter((key) => !(key in schema.vars) && !others.has(key) && isPresent(old[key]));
  if (extra.length > 0) {
    const doc = parseDocument(text);
    const broken = new Set(file.doc?.problems.filter((p) => p.kind === 'syntax').map((p) => p.key) ?? []);
    const lost: string[] = [];
    for (const key of extra) {
      if (broken.has(key)) {
        lost.push(key);
        continue;
      }
      try {
        doc.set(key, old[key] as string);
      } catch {
        lost.push(key);
      }
    }
    text = doc.toString();
    const kept = extra.filter((key) => !lost.includes(key));
    if (kept.length > 0) notes.push({ reason: 'extra-kept', keys: kept, text: `kept from the old ${paths.envName} (not in the schema): ${kept.join(', ')}` });
    if (lost.length > 0) notes.push({ reason: 'extra-lost', keys: lost, text: `not kept (only in ${backupName}): ${lost.join(', ')}` });
  }
  if (existsSync(paths.pending)) {
    notes.push({
      reason: 'rotation-pending',
      keys: [],
      file: basename(paths.pending),
      text: `a rotation was interrupted (${basename(paths.pending)} exists): the restored file has the values from before it; run the same rotation again to finish it`,
    });
  }

  const result: RestoreResult = { ...target, previous, file: { path: paths.env, action: previous === 'missing' ? 'created' : 'updated' }, keys, notes };
  if (options.dryRun) return result;
  if (previous === 'valid' || previous === 'damaged') {
    writeSecretFile(backupPath, file.text as string);
    result.backup = backupPath;
  }
  cleanStaleTemps(paths.env);
  result.file = describeWrite(writeSecretFile(paths.env, text));
  return result;
}

/**
 * Restore on a valid env file, without `force`: nothing to restore when the file has a value for every
 * secret the keyring holds (a success, the file untouched; a keyring value that differs is a note, since
 * the file is what the application uses). A secret the keyring holds and the file lacks is REFUSED: the
 * file is not complete, and only `--force` may replace a valid file.
 */
function upToDate(
  paths: ProjectPaths,
  target: KeyringTarget,
  file: InspectedEnv,
  stored: ReadonlyMap<string, string>,
  others: ReadonlyMap<string, string>,
  kept: string,
): RestoreResult {
  const values = file.doc?.toObject() ?? {};
  const lacking = [...stored.keys(), ...others.keys()].filter((key) => !isPresent(values[key]));
  if (lacking.length > 0) {
    throw new EnvkitError('REFUSED', `${paths.envName} is valid but lacks ${lacking.join(', ')}, which the keyring holds: nothing was restored`, {
      path: paths.env,
      hint: `rebuild it from the keyring with a forced restore (a copy of the current file is kept as ${kept})`,
      reason: 'env-incomplete',
      data: { kept },
    });
  }
  const differ = [...stored.keys(), ...others.keys()].filter((key) => (stored.get(key) ?? others.get(key)) !== values[key]);
  const notes: RestoreNote[] = differ.length > 0
    ? [{ reason: 'keyring-differs', keys: differ, file: paths.envName, text: `the keyring holds other values of ${differ.join(', ')}; ${paths.envName} is what the application reads: a backup copies it into the keyring, a forced restore replaces it from there` }]
    : [];
  return { ...target, previous: 'valid', file: { path: paths.env, action: 'unchanged' }, keys: [], notes, upToDate: true };
}

/**
 * Where restore copies the env file `text` before replacing it: the project's backup file when it is
 * missing or holds the same text; otherwise that file is an earlier copy (the original damaged file of a
 * first `restore --force`), and a new name beside it carries the UTC time, `.env.envkit-backup-20250102T030405Z`
 * (`-2`, `-3`, … for a second copy within the same second).
 */
function backupPathFor(paths: ProjectPaths, text: string, now: Date): string {
  if (contentIs(paths.backup, text) !== false) return paths.backup;
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
  const base = `${paths.backup}-${stamp}`;
  let path = base;
  for (let n = 2; contentIs(path, text) === false; n++) path = `${base}-${n}`;
  return path;
}

/** Whether the file at `path` holds exactly `text`; `undefined` when there is no file (anything unreadable counts as different). */
function contentIs(path: string, text: string): boolean | undefined {
  try {
    const read = readRegularFile(path);
    return read === undefined ? undefined : read.bytes.equals(Buffer.from(text, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return false;
  }
}
