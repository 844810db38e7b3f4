import { projectPaths } from '../context.js';
import { isPresent } from '../plan.js';
import { readHeld } from './held.js';
import { inspectEnvFile } from './inspect.js';
import { secretKeys, targetOf, type KeyringProjectOptions, type KeyringTarget } from './project-id.js';

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
  /** The env file's value fails the schema: `backup` will not store it (the keyring copy may be the good one). */
  invalid?: true;
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
  const held = await readHeld(options.store, target.projectId, secrets, { histories: true, others: 'names' });
  for (const key of secrets) {
    const stored = held.values.get(key);
    const inEnv = values[key];
    const state: SecretState =
      stored === undefined
        ? isPresent(inEnv) ? 'not-stored' : 'absent'
        : !isPresent(inEnv) ? 'keyring-only' : stored === inEnv ? 'equal' : 'different';
    const status: SecretStatus = { key, state, ...(isPresent(inEnv) && file.invalidKeys.has(key) ? { invalid: true as const } : {}) };
    const history = held.histories.get(key);
    if (history !== undefined) status.history = history.length;
    keys.push(status);
  }
  const other = (held.listed ?? []).filter((key) => !secrets.includes(key));
  const env = file.state === 'missing' || file.state === 'empty' ? 'missing' : file.state === 'damaged' ? (file.syntax ? 'unparsable' : 'invalid') : 'valid';
  return { ...target, env, keys, other };
}
