import { EnvkitError, isEnvkitError } from '../errors.js';
import { serviceName, type SecretStore } from '../keyring/store.js';
import { projectPaths, type ProjectOptions } from './context.js';
import { readEnvFile } from './env-file.js';
import { setValues, unsetKeys, type EditResult, type SetOptions } from './edit.js';
import { rotateSecret, type RotateFileOptions } from './edit.js';
import { keepRotatedSecret } from './keyring/keep-rotated.js';
import { currentValues } from './keyring/held.js';
import { resolveProjectId } from './keyring/project-id.js';
import type { BackupResult } from './keyring/backup.js';
import type { KeyringCopy } from './keyring/copy.js';
import { isPresent } from './plan.js';
import { externalGuard } from '../schema/external.js';
import { withDoneBefore, withNotRemoved } from './keyring/done-before.js';

/*
 * `set` and `unset` with the keyring copy kept in step, under the rules init and rotate follow: the env file
 * is written first (it is what the application reads), then the keyring; a keyring failure is returned, not
 * thrown, because the file already changed; a dry run, or no store, leaves the keyring alone. Without this a
 * secret set by hand was missing from the keyring, and `restore` brought it back empty.
 */

/** Where the keyring copy is kept; without a store the keyring is left alone (`off`). */
export interface EditKeyringOptions {
  store?: SecretStore;
  /** The project id in `store`; default defaultProjectId of the project. */
  projectId?: string;
}

/** Result of {@link setValuesWithKeyring} and {@link unsetKeysWithKeyring}. Holds no value. */
export interface EditWithKeyringResult extends EditResult {
  /** `stored`: new values stored (each previous one kept as history), `removed` those that left the file. */
  keyring: KeyringCopy;
}

/**
 * {@link setValues}, then the keyring copy of every secret it touched (given or recomputed): the new value
 * stored, the one it replaced kept as its history; a secret set to empty is removed from the keyring, as
 * `unset` does, so `restore` cannot bring back what the user cleared.
 *
 * @example
 * const result = await setValuesWithKeyring({ cwd, schema: memuSchema, values: { OPENAI_API_KEY: key }, store });
 * if (result.keyring.status === 'failed') console.warn(result.keyring.error.message);
 */
export async function setValuesWithKeyring(options: SetOptions & EditKeyringOptions): Promise<EditWithKeyringResult> {
  const { store } = options;
  // Read before the edit replaces them; only the keyring history uses them.
  const previous = store && !options.dryRun ? readEnvFile(projectPaths(options)).doc.toObject() : {};
  const result = setValues(options);
  return { ...result, keyring: await keepInStep(options, result, previous) };
}

/**
 * {@link unsetKeys}, then the same for the keyring: a removed secret is deleted there too (with its history),
 * and a secret recomputed from what was removed is stored anew.
 */
export async function unsetKeysWithKeyring(
  options: ProjectOptions & EditKeyringOptions & { keys: string[]; dryRun?: boolean; force?: boolean },
): Promise<EditWithKeyringResult> {
  const result = unsetKeys(options);
  return { ...result, keyring: await keepInStep(options, result, {}) };
}

async function keepInStep(
  options: ProjectOptions & EditKeyringOptions & { dryRun?: boolean },
  result: EditResult,
  previous: Record<string, string>,
): Promise<KeyringCopy> {
  const { store, schema } = options;
  const secrets = result.keys.filter((k) => schema.vars[k.key]?.secret === true && k.action !== 'missing').map((k) => k.key);
  if (!store || options.dryRun || secrets.length === 0) return { status: 'off' };
  const removed: string[] = [];
  const stored: string[] = [];
  // Secrets that left the file and are still to be removed from the keyring: a `backup` does not remove them.
  let notRemoved: string[] = [];
  try {
    const projectId = resolveProjectId(options);
    const now = readEnvFile(projectPaths(options)).doc.toObject();
    const kept = secrets.filter((key) => isPresent(now[key]));
    notRemoved = secrets.filter((k) => !isPresent(now[k]));
    for (const key of [...notRemoved]) {
      if (await store.delete(projectId, key)) removed.push(key);
      notRemoved = notRemoved.slice(1);
    }
    let backup: BackupResult = { projectId, service: serviceName(projectId), backend: store.backend, keys: [] };
    // Read once for all the keys where the store has a snapshot (held.ts).
    const held = currentValues(store, projectId);
    for (const key of kept) {
      // keepRotatedSecret keeps the replaced value as history, as `rotate` does; one call per key.
      const one = await keepRotatedSecret({ cwd: options.cwd, envFile: options.envFile, schema, store, projectId, key, previous: previous[key] }, held);
      backup = { ...backup, keys: [...backup.keys, ...one.keys] };
      stored.push(...one.keys.filter((k) => k.action === 'stored').map((k) => k.key));
    }
    return { status: 'stored', backup, removed };
  } catch (error) {
    // A keyring that failed part-way says what it had taken by then.
    const said = withNotRemoved(withDoneBefore(withDoneBefore(error, removed, 'removed'), stored, 'stored'), notRemoved);
    if (isEnvkitError(said)) return { status: 'failed', error: said };
    throw error;
  }
}

/** Options of {@link rotateSecretWithKeyring}. */
export interface RotateSecretWithKeyringOptions extends RotateFileOptions, EditKeyringOptions {}

/** Result of {@link rotateSecretWithKeyring}. Holds no value. */
export interface SecretRotationResult extends EditResult {
  generated: boolean;
  keyring: KeyringCopy;
  /** The variable also lives outside the env file (rotated with `force`): only the file changed. */
  livesElsewhere: boolean;
}

/**
 * Rotate a secret that lives in the env file only (an API key; rotateSecret) and keep the keyring copy in
 * step: the new value, the previous one as its history (keepRotatedSecret, as rotatePassword does), and
 * any secret recomputed from it. A keyring failure (an EnvkitError) is returned, not thrown: the env file
 * already holds the new value. A dry run, or no `store`, leaves the keyring alone.
 *
 * @example
 * const result = await rotateSecretWithKeyring({ cwd, schema: memuSchema, key: 'OPENAI_API_KEY', value, store });
 * if (result.keyring.status === 'failed') console.warn(result.keyring.error.message);
 */
export async function rotateSecretWithKeyring(options: RotateSecretWithKeyringOptions): Promise<SecretRotationResult> {
  const { store } = options;
  const livesElsewhere = externalGuard(options.schema, options.key) !== undefined;
  // Read before the rotation replaces it; only the keyring history uses it.
  const previous = store && !options.dryRun ? readEnvFile(projectPaths(options)).doc.toObject()[options.key] : undefined;
  const result = { ...rotateSecret(options), livesElsewhere };
  if (!store || options.dryRun) return { ...result, keyring: { status: 'off' } };
  const changed = result.keys.map((k) => k.key).filter((k) => k !== options.key);
  if (![options.key, ...changed].some((k) => options.schema.vars[k]?.secret)) return { ...result, keyring: { status: 'off' } };
  try {
    const backup = await keepRotatedSecret({ cwd: options.cwd, envFile: options.envFile, schema: options.schema, store, projectId: options.projectId, key: options.key, previous, changed });
    return { ...result, keyring: { status: 'stored', backup } };
  } catch (error) {
    if (isEnvkitError(error)) return { ...result, keyring: { status: 'failed', error } };
    throw error;
  }
}
