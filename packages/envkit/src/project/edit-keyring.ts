import { EnvkitError, isEnvkitError } from '../errors.js';
import { serviceName, type SecretStore } from '../keyring/store.js';
import { projectPaths, type ProjectOptions } from './context.js';
import { readEnvFile } from './env-file.js';
import { setValues, unsetKeys, type EditResult, type SetOptions } from './edit.js';
import { keepRotatedSecret, resolveProjectId, type BackupResult, type KeyringTarget } from './keyring.js';
import { isPresent } from './plan.js';

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

/**
 * What happened to the keyring copy of the secrets an edit changed: `stored` (new values stored, each
 * previous one kept as history, as a rotation does), `removed` (secrets that left the env file left the
 * keyring, history included), both, `failed` (the env file was written all the same), or `off` (no
 * store, a dry run, or no secret changed).
 */
export type EditKeyringCopy =
  | ({ status: 'updated'; backup?: BackupResult; removed: string[] } & KeyringTarget)
  | { status: 'failed'; error: EnvkitError }
  | { status: 'off' };

/** Result of {@link setValuesWithKeyring} and {@link unsetKeysWithKeyring}. Holds no value. */
export interface EditWithKeyringResult extends EditResult {
  keyring: EditKeyringCopy;
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
): Promise<EditKeyringCopy> {
  const { store, schema } = options;
  const secrets = result.keys.filter((k) => schema.vars[k.key]?.secret === true && k.action !== 'missing').map((k) => k.key);
  if (!store || options.dryRun || secrets.length === 0) return { status: 'off' };
  try {
    const projectId = resolveProjectId(options);
    const target: KeyringTarget = { projectId, service: serviceName(projectId), backend: store.backend };
    const now = readEnvFile(projectPaths(options)).doc.toObject();
    const kept = secrets.filter((key) => isPresent(now[key]));
    const removed: string[] = [];
    for (const key of secrets.filter((k) => !isPresent(now[k]))) {
      if (await store.delete(projectId, key)) removed.push(key);
    }
    let backup: BackupResult | undefined;
    for (const key of kept) {
      // keepRotatedSecret keeps the replaced value as history, as `rotate` does; one call per key.
      const one = await keepRotatedSecret({ cwd: options.cwd, envFile: options.envFile, schema, store, projectId, key, previous: previous[key] });
      backup = backup === undefined ? one : { ...backup, keys: [...backup.keys, ...one.keys] };
    }
    return { status: 'updated', ...target, ...(backup ? { backup } : {}), removed };
  } catch (error) {
    if (isEnvkitError(error)) return { status: 'failed', error };
    throw error;
  }
}
