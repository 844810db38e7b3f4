import { projectPaths } from '../context.js';
import { readEnvFile } from '../env-file.js';
import { isPresent } from '../plan.js';
import { backupReading, type BackupResult } from './backup.js';
import { currentValues, type CurrentValues } from './held.js';
import { targetOf, type KeyringProjectOptions } from './project-id.js';

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
export async function keepRotatedSecret(options: KeepRotatedOptions, held?: CurrentValues): Promise<KeepRotatedResult> {
  const target = targetOf(options);
  const { store, key, previous, schema } = options;
  // One listing for the reads here and in the backup, where the store has one (held.ts); shared by a caller's keys.
  const current = held ?? currentValues(store, target.projectId);
  const keys = [...new Set([key, ...(options.changed ?? [])])].filter((k) => schema.vars[k]?.secret);
  let history = false;
  if (schema.vars[key]?.secret && isPresent(previous)) {
    const now = readEnvFile(projectPaths(options)).doc.toObject()[key];
    if (previous !== now) {
      const stored = await current.get(key);
      if (stored !== previous && stored !== now) {
        await store.set(target.projectId, key, previous);
        current.stored(key, previous);
      }
      history = true;
    }
  }
  const backup = await backupReading({ ...options, projectId: target.projectId, keys }, current);
  return { ...backup, history };
}
