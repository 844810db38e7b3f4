import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EnvkitError, type ErrorIssue } from '../errors.js';
import type { EnvSchema } from '../schema/define.js';
import { validateValues } from '../schema/load.js';
import { parseDocument, type EnvDocument } from '../dotenv/document.js';
import { renderEnvTemplate } from '../files/example.js';
import { withLockAsync } from '../files/lock.js';
import { cleanStaleTemps, readTextFile, writeSecretFile } from '../files/write-file.js';
import { readRegularFile } from '../files/safe-read.js';
import { serviceName, type SecretStore } from '../keyring/store.js';
import { projectPaths, type ProjectOptions, type ProjectPaths } from './context.js';
import { readEnvFile } from './env-file.js';
import { describeWrite } from './init.js';
import { applyDerived, isPresent } from './plan.js';
import type { FileChange } from './sync.js';

/*
 * The keyring side of a project: which entries belong to it (the project id), copying the secrets of `.env`
 * into a SecretStore, comparing the two, rebuilding `.env` from the store, and forgetting the entries.
 * Every function takes the store as an argument, so the OS keyring and MemoryStore behave the same here.
 * Nothing returned or thrown ever holds a value.
 */

/** Options shared by the functions that pair a project with its keyring entries. */
export interface KeyringProjectOptions extends ProjectOptions {
  /** Where the secrets are kept: the OS keyring (`openOsStore`) or a `MemoryStore`. */
  store: SecretStore;
  /** The project id (service `envkit:<id>`); default {@link defaultProjectId} of the project. */
  projectId?: string;
}

/** Which keyring entries a result is about. */
export interface KeyringTarget {
  projectId: string;
  /** `envkit:<projectId>`. */
  service: string;
  /** The store's backend: `secret-service`, `keychain`, `windows`, `keyutils` or `memory`. */
  backend: string;
}

const MAX_NAME = 60;

/**
 * The project id envkit uses when none is given: the project directory's name, reduced to
 * `[A-Za-z0-9._-]`, then `-` and the first 8 hex digits of the SHA-256 of its absolute path. Two deployments
 * named alike in different directories never share keyring entries, and the id needs nothing from `.env`,
 * so it survives the loss of that file. A moved or renamed directory gets a new id: pass the old one
 * (`--project`, `ENVKIT_PROJECT`) to reach the old entries.
 *
 * An env file other than `<dir>/.env` is hashed by its own absolute path instead, so `.env` and
 * `.env.staging` of one directory keep apart.
 *
 * @example
 * defaultProjectId({ cwd: '/srv/memu' }); // 'memu-' + 8 hex digits
 */
export function defaultProjectId(options: Pick<ProjectOptions, 'cwd' | 'envFile'>): string {
  const dir = resolve(options.cwd);
  const env = projectPaths(options).env;
  const hashed = env === resolve(dir, '.env') ? dir : env;
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
  const name = basename(dir)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_NAME)
    .replace(/[._-]+$/, '');
  return `${name === '' ? 'project' : name}-${hash}`;
}

/**
 * The project id to use: `given` (from `--project` or `ENVKIT_PROJECT`) when it is not empty, else
 * {@link defaultProjectId}. Throws USAGE for an id the keyring cannot name (see `serviceName`).
 */
export function resolveProjectId(options: Pick<ProjectOptions, 'cwd' | 'envFile'> & { projectId?: string | undefined }): string {
  const given = options.projectId?.trim();
  const id = given === undefined || given === '' ? defaultProjectId(options) : given;
  serviceName(id);
  return id;
}

/** The variables a project keeps in the keyring: the schema's secrets, in schema order (derived ones included). */
export function secretKeys(schema: EnvSchema): string[] {
  return Object.entries(schema.vars)
    .filter(([, spec]) => spec.secret)
    .map(([key]) => key);
}

function targetOf(options: Pick<KeyringProjectOptions, 'cwd' | 'envFile' | 'store' | 'projectId'>): KeyringTarget {
  const projectId = resolveProjectId(options);
  return { projectId, service: serviceName(projectId), backend: options.store.backend };
}

// ---------------------------------------------------------------------------------------------------------
// backup

/** What {@link backupSecrets} did with one secret. */
export interface BackedUpKey {
  key: string;
  /**
   * `stored`: written (a different previous value moved into the history); `unchanged`: the keyring already
   * had this value; `skipped`: not written, `reason` says why (empty, or invalid in `.env`).
   */
  action: 'stored' | 'unchanged' | 'skipped';
  /** For `stored`: a previous value was replaced and kept as history. */
  replaced?: boolean;
  reason?: string;
}

/** Result of {@link backupSecrets}. */
export interface BackupResult extends KeyringTarget {
  keys: BackedUpKey[];
}

/** Options of {@link backupSecrets}. */
export interface BackupOptions extends KeyringProjectOptions {
  /** Only these secrets (default: every secret of the schema). */
  keys?: string[];
  /** Compare only, write nothing. */
  dryRun?: boolean;
}

/**
 * Copy the secrets of the env file into the store (`envkit backup`; also the last step of `envkit init`).
 * A secret that is empty is skipped, and so is one that fails validation: a broken value must not push the
 * good copy into the history. Throws FILE when the env file is missing, PARSE when it cannot be read
 * completely, KEYRING from the store.
 *
 * @example
 * const result = await backupSecrets({ cwd, schema: memuSchema, store: await openOsStore() });
 * result.keys; // [{ key: 'POSTGRES_PASSWORD', action: 'stored' }, …]
 */
export async function backupSecrets(options: BackupOptions): Promise<BackupResult> {
  const target = targetOf(options);
  const paths = projectPaths(options);
  const { text, doc } = readEnvFile(paths);
  if (text === undefined) {
    throw new EnvkitError('FILE', `${paths.envName} does not exist: nothing to back up`, {
      path: paths.env,
      hint: 'run `envkit init` to create it, or `envkit restore` to rebuild it from the keyring',
    });
  }
  const values = doc.toObject();
  const invalid = issuesByKey(validateValues(options.schema, values).issues);
  const secrets = secretKeys(options.schema);
  const wanted = options.keys ?? secrets;
  const keys: BackedUpKey[] = [];
  for (const key of wanted) {
    if (!secrets.includes(key)) {
      throw new EnvkitError('USAGE', `${key} is not a secret of the ${options.schema.name} schema; only secrets go to the keyring`, {
        hint: `the secrets are: ${secrets.join(', ')}`,
      });
    }
    const value = values[key];
    if (!isPresent(value)) {
      keys.push({ key, action: 'skipped', reason: `empty in ${paths.envName}` });
      continue;
    }
    const issue = invalid.get(key);
    if (issue !== undefined) {
      keys.push({ key, action: 'skipped', reason: `invalid in ${paths.envName} (${stripKey(issue, key)}); the keyring copy was left as it was` });
      continue;
    }
    const current = await options.store.get(target.projectId, key);
    if (current === value) {
      keys.push({ key, action: 'unchanged' });
      continue;
    }
    if (!options.dryRun) await options.store.set(target.projectId, key, value);
    keys.push({ key, action: 'stored', ...(current === undefined ? {} : { replaced: true }) });
  }
  return { ...target, keys };
}

/** Options of {@link keepRotatedSecret}. */
export interface KeepRotatedOptions extends KeyringProjectOptions {
  /** The rotated secret; its new value is the one the env file now holds. */
  key: string;
  /** Its value before the rotation, to keep as the history of the new one; `undefined` when it had none. */
  previous: string | undefined;
  /** Other variables the rotation changed (a URL derived from `key`); the secrets among them are stored too. */
  changed?: readonly string[];
}

/** Result of {@link keepRotatedSecret}. */
export interface KeepRotatedResult extends BackupResult {
  /** The previous value is kept as the history of the new one. */
  history: boolean;
}

/**
 * Bring the keyring up to date after a rotation that already wrote the env file: the new value of `key`
 * (and of the secrets among `changed`) is stored, and `previous` becomes its history. The store keeps
 * history only of what it held, so a previous value it never had (a key set by hand, a keyring added
 * later) is stored first and then replaced. The one keyring step of every rotation: the database password
 * (rotatePassword) and a file-only one (rotateSecretWithKeyring). Throws as {@link backupSecrets}.
 *
 * @example
 * await keepRotatedSecret({ cwd, schema: memuSchema, store, key: 'OPENAI_API_KEY', previous: oldKey });
 * await store.history(projectId, 'OPENAI_API_KEY'); // [oldKey]
 */
export async function keepRotatedSecret(options: KeepRotatedOptions): Promise<KeepRotatedResult> {
  const target = targetOf(options);
  const { store, key, previous, schema } = options;
  const keys = [...new Set([key, ...(options.changed ?? [])])].filter((k) => schema.vars[k]?.secret);
  let history = false;
  if (schema.vars[key]?.secret && isPresent(previous)) {
    const current = readEnvFile(projectPaths(options)).doc.toObject()[key];
    if (previous !== current) {
      const stored = await store.get(target.projectId, key);
      if (stored !== previous && stored !== current) await store.set(target.projectId, key, previous);
      history = true;
    }
  }
  const backup = await backupSecrets({ ...options, projectId: target.projectId, keys });
  return { ...backup, history };
}

// ---------------------------------------------------------------------------------------------------------
// status

/**
 * How one secret in the keyring compares with the env file:
 * `equal` stored and the same; `different` stored but not the same; `not-stored` in the env file only;
 * `keyring-only` stored, while the env file has no value (or no file); `absent` in neither.
 */
export type SecretState = 'equal' | 'different' | 'not-stored' | 'keyring-only' | 'absent';

/** One secret in {@link StoreStatusResult}. Names and counts only. */
export interface SecretStatus {
  key: string;
  state: SecretState;
  /** How many previous values the keyring keeps; absent when the history is unreadable. */
  history?: number;
}

/** Result of {@link storeStatus}. */
export interface StoreStatusResult extends KeyringTarget {
  /** The env file: `missing`, `unparsable` (syntax errors; compared as far as it parses), `invalid` (fails the schema) or `valid`. */
  env: 'missing' | 'unparsable' | 'invalid' | 'valid';
  keys: SecretStatus[];
  /** Keys stored for this project that are not secrets of the schema (where the store can list). */
  other: string[];
}

/**
 * Which of the schema's secrets the store holds for the project, compared with the env file without
 * revealing either (`envkit keyring status`). Reads only.
 */
export async function storeStatus(options: KeyringProjectOptions): Promise<StoreStatusResult> {
  const target = targetOf(options);
  const paths = projectPaths(options);
  const file = inspectEnvFile(paths, options.schema);
  const values = file.doc?.toObject() ?? {};
  const keys: SecretStatus[] = [];
  const secrets = secretKeys(options.schema);
  for (const key of secrets) {
    const stored = await options.store.get(target.projectId, key);
    const inEnv = values[key];
    const state: SecretState =
      stored === undefined
        ? isPresent(inEnv) ? 'not-stored' : 'absent'
        : !isPresent(inEnv) ? 'keyring-only' : stored === inEnv ? 'equal' : 'different';
    const status: SecretStatus = { key, state };
    try {
      status.history = (await options.store.history(target.projectId, key)).length;
    } catch (error) {
      if (!(error instanceof EnvkitError) || error.code !== 'KEYRING') throw error;
    }
    keys.push(status);
  }
  const listed = (await options.store.list?.(target.projectId)) ?? [];
  const other = listed.filter((key) => !secrets.includes(key));
  const env = file.state === 'missing' || file.state === 'empty' ? 'missing' : file.state === 'damaged' ? (file.syntax ? 'unparsable' : 'invalid') : 'valid';
  return { ...target, env, keys, other };
}

// ---------------------------------------------------------------------------------------------------------
// restore

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
  /** Things to know, one sentence each, never a value. */
  notes: string[];
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
      hint: `rebuild it with \`envkit restore --force\`; the damaged file is kept as ${kept} (mode 0600)`,
    });
  }

  const stored = new Map<string, string>();
  for (const key of secretKeys(schema)) {
    const value = await store.get(target.projectId, key);
    if (isPresent(value)) stored.set(key, value);
  }
  // Entries of the project that are not secrets of the schema (a secret of an earlier schema): part of
  // what the keyring holds, so part of what a restore gives back, as variables of their own.
  const others = new Map<string, string>();
  for (const key of (await store.list?.(target.projectId)) ?? []) {
    if (key in schema.vars) continue;
    const value = await store.get(target.projectId, key);
    if (isPresent(value)) others.set(key, value);
  }
  if (previous === 'valid' && !options.force) return upToDate(paths, target, file, stored, others, kept);
  if (stored.size === 0 && others.size === 0) {
    throw new EnvkitError('KEYRING', `nothing is stored in the OS keyring (${target.backend}) for project ${target.projectId} (service ${target.service})`, {
      hint: `the default project id comes from the directory (${paths.dir}); if the project moved or the id was set, pass it with --project or ENVKIT_PROJECT; \`envkit keyring status\` shows what is stored`,
    });
  }

  // The previous file's valid values: a damaged file still holds good settings worth keeping.
  const old = file.doc?.toObject() ?? {};
  const usable = (key: string): string | undefined => (isPresent(old[key]) && !file.invalidKeys.has(key) ? old[key] : undefined);
  const given = options.values ?? {};
  for (const key of Object.keys(given)) {
    if (!(key in schema.vars)) {
      throw new EnvkitError('UNKNOWN_KEY', `${key} is not a variable of the ${schema.name} schema`, { hint: 'run `envkit schema` to list the variables' });
    }
    if (schema.vars[key]?.derive) {
      throw new EnvkitError('USAGE', `${key} is derived from ${schema.vars[key].derive.from.join(', ')}; give those instead`);
    }
  }

  const values: Record<string, string> = {};
  const keys: RestoredKey[] = [];
  const notes: string[] = [];
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
        notes.push(`${key}: the keyring value replaces a different value of the old ${paths.envName} (kept in ${backupName})`);
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
      notes.push(`${key}: recomputed from ${spec.derive.from.join(', ')}${why === undefined ? '' : `; in ${where} the ${why}`}`);
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
        return { key, message: `${key}: ${where} and has no default${spec?.secret ? '' : `; give it with --set ${key}=VALUE`}` };
      }
      return issue;
    });
    throw new EnvkitError('VALIDATION', `cannot restore ${paths.envName}: ${issues.length} variable${issues.length === 1 ? '' : 's'} would be invalid: ${issues.map((i) => i.key).join(', ')}`, {
      issues,
      hint: 'nothing was written; `envkit keyring status` shows what the keyring holds (check the project id)',
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
        hint: `nothing was written; \`envkit keyring forget ${unwritable.join(' ')} --yes\` drops ${unwritable.length === 1 ? 'it' : 'them'} from the keyring, after which restore gives back the rest`,
      });
    }
    text = doc.toString();
    notes.push(`restored from the keyring (not variables of the ${schema.name} schema): ${[...others.keys()].join(', ')}`);
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
    if (kept.length > 0) notes.push(`kept from the old ${paths.envName} (not in the schema): ${kept.join(', ')}`);
    if (lost.length > 0) notes.push(`not kept (only in ${backupName}): ${lost.join(', ')}`);
  }
  if (existsSync(paths.pending)) {
    notes.push(
      `a rotation was interrupted (${basename(paths.pending)} exists): the restored file has the values from before it; run the same \`envkit rotate\` again to finish it`,
    );
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
      hint: `rebuild it from the keyring with \`envkit restore --force\` (a copy of the current file is kept as ${kept})`,
    });
  }
  const differ = [...stored.keys(), ...others.keys()].filter((key) => (stored.get(key) ?? others.get(key)) !== values[key]);
  const notes = differ.length > 0
    ? [`the keyring holds other values of ${differ.join(', ')}; ${paths.envName} is what the application reads: \`envkit backup\` copies it into the keyring, \`envkit restore --force\` replaces it from there`]
    : [];
  return { ...target, previous: 'valid', file: { path: paths.env, action: 'unchanged' }, keys: [], notes, upToDate: true };
}

// ---------------------------------------------------------------------------------------------------------
// forget

/** Options of {@link forgetSecrets}. */
export interface ForgetOptions extends Pick<KeyringProjectOptions, 'cwd' | 'envFile' | 'schema' | 'store' | 'projectId'> {
  /** Only these keys (default: every variable of the schema, plus whatever else the store lists for the project). */
  keys?: string[];
}

/** Result of {@link forgetSecrets}. */
export interface ForgetResult extends KeyringTarget {
  /** Keys whose current value or history was deleted. */
  removed: string[];
  /** Keys that had nothing stored. */
  absent: string[];
}

/**
 * Delete the project's entries from the store, history included (`envkit keyring forget`). The env file is
 * not touched. Irreversible: where the env file is gone, the keyring may hold the only copy.
 */
export async function forgetSecrets(options: ForgetOptions): Promise<ForgetResult> {
  const target = targetOf(options);
  let keys = options.keys;
  if (keys === undefined) {
    const listed = (await options.store.list?.(target.projectId)) ?? [];
    keys = [...new Set([...Object.keys(options.schema.vars), ...listed])];
  }
  const removed: string[] = [];
  const absent: string[] = [];
  for (const key of keys) {
    if (await options.store.delete(target.projectId, key)) removed.push(key);
    else absent.push(key);
  }
  return { ...target, removed, absent };
}

// ---------------------------------------------------------------------------------------------------------
// helpers

interface InspectedEnv {
  state: 'missing' | 'empty' | 'damaged' | 'valid';
  text: string | undefined;
  doc: EnvDocument | undefined;
  /** Syntax errors were found. */
  syntax: boolean;
  /** Keys whose value the schema rejects. */
  invalidKeys: Set<string>;
  issues: ErrorIssue[];
  /** A few words on what is wrong, no value. */
  summary: string;
}

// What state the env file is in, never throwing for content (a FILE error for a symlink or directory stays).
function inspectEnvFile(paths: ProjectPaths, schema: EnvSchema): InspectedEnv {
  const text = readTextFile(paths.env);
  const none = { syntax: false, invalidKeys: new Set<string>(), issues: [], summary: '' };
  if (text === undefined) return { state: 'missing', text, doc: undefined, ...none };
  if (text.trim() === '') return { state: 'empty', text, doc: undefined, ...none };
  const doc = parseDocument(text);
  const syntax = doc.problems.filter((p) => p.kind === 'syntax');
  const issues: ErrorIssue[] = syntax.map((p) => ({ location: `${paths.envName}:${p.line}:${p.column}`, message: p.message }));
  const check = validateValues(schema, doc.toObject());
  const invalidKeys = new Set(check.issues.map((i) => i.key).filter((k): k is string => k !== undefined));
  for (const issue of check.issues) issues.push(issue);
  if (issues.length === 0) return { state: 'valid', text, doc, ...none };
  const parts: string[] = [];
  if (syntax.length > 0) parts.push(`${syntax.length} syntax error${syntax.length === 1 ? '' : 's'}`);
  if (invalidKeys.size > 0) parts.push(`invalid: ${[...invalidKeys].join(', ')}`);
  return { state: 'damaged', text, doc, syntax: syntax.length > 0, invalidKeys, issues, summary: parts.join('; ') };
}

function issuesByKey(issues: readonly ErrorIssue[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const issue of issues) if (issue.key !== undefined && !map.has(issue.key)) map.set(issue.key, issue.message);
  return map;
}

function stripKey(message: string, key: string): string {
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
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
