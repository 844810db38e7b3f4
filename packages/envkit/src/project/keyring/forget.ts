import { targetOf, type KeyringProjectOptions, type KeyringTarget } from './project-id.js';
import { withDoneBefore } from './done-before.js';

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
    try {
      if (await options.store.delete(target.projectId, key)) removed.push(key);
      else absent.push(key);
    } catch (error) {
      throw withDoneBefore(error, removed, 'removed');
    }
  }
  return { ...target, removed, absent };
}
