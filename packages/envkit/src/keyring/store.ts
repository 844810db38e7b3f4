import { EnvkitError } from '../errors.js';

/**
 * Where envkit keeps a copy of a project's secrets: the OS keyring, or memory in tests.
 *
 * Entries are namespaced per project: service `envkit:<project>`, account = variable name. Setting a key
 * keeps the value it replaces as history (newest first, at most {@link HISTORY_LIMIT}), so a rotation can be
 * rolled back. No method ever puts a value into an error.
 *
 * @example
 * const store = await openOsStore();
 * await store.set('memu', 'POSTGRES_PASSWORD', generated);
 * await store.history('memu', 'POSTGRES_PASSWORD'); // → [the previous password, …]
 */
export interface SecretStore {
  /** `'secret-service' | 'keychain' | 'windows' | 'keyutils' | 'memory'`. */
  readonly backend: string;
  /** The current value of `key`, or `undefined` when none is stored. */
  get(project: string, key: string): Promise<string | undefined>;
  /** Stores `value` as the current value; a different previous value moves into the history. */
  set(project: string, key: string, value: string): Promise<void>;
  /** Removes the current value and its history; `true` when anything was removed. */
  delete(project: string, key: string): Promise<boolean>;
  /** Previous values of `key`, newest first (empty when none). */
  history(project: string, key: string): Promise<string[]>;
  /** The keys that have a current value, sorted; only where the backend can enumerate. */
  list?(project: string): Promise<string[]>;
  /**
   * Everything the project holds, in one read of the keyring instead of one per key: each key with its current
   * value (absent when only a history is left) and its history (`undefined` when unreadable); only where the
   * backend can enumerate.
   */
  snapshot?(project: string): Promise<Map<string, StoredEntry>>;
}

/** One key of {@link SecretStore.snapshot}. */
export interface StoredEntry {
  value: string | undefined;
  /** Previous values, newest first; `undefined` when the stored history is not readable. */
  history: string[] | undefined;
}

/** How many previous values a key keeps. */
export const HISTORY_LIMIT = 5;

/**
 * The lowest layer a backend implements: one string per (service, account), nothing else.
 * `withHistory` (history.ts) builds a {@link SecretStore} on top of it.
 */
export interface CredentialBackend {
  /** Name reported as {@link SecretStore.backend}. */
  readonly backend: string;
  /** The stored string, or `undefined`. */
  read(service: string, account: string): Promise<string | undefined>;
  /** Creates or replaces. */
  write(service: string, account: string, value: string): Promise<void>;
  /** `true` when something was removed. */
  remove(service: string, account: string): Promise<boolean>;
  /** Every account of `service`; absent when the backend cannot enumerate. */
  accounts?(service: string): Promise<string[]>;
  /**
   * Every account of `service` with its string, in one request: what {@link read} gives for each, no less.
   * Absent where a listing could leave out what a read would report (an item the platform would not let it read).
   */
  entries?(service: string): Promise<Map<string, string>>;
}

// Project ids end up in keyring attributes and in messages; keep them to a set that reads the same everywhere.
const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// Variable names as every .env reader accepts them; `@` stays free for history accounts.
const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The keyring service name of a project: `envkit:<project>`.
 * Throws USAGE for an id outside `[A-Za-z0-9._-]` (1–100 characters, not starting with `.`, `_` or `-`).
 */
export function serviceName(project: string): string {
  if (!PROJECT_ID.test(project)) {
    throw new EnvkitError('USAGE', `invalid project id ${JSON.stringify(project)} for the keyring`, {
      hint: 'use 1-100 characters from A-Z a-z 0-9 . _ - starting with a letter or digit',
    });
  }
  return `envkit:${project}`;
}

/** Throws USAGE unless `key` is a variable name (`[A-Za-z_][A-Za-z0-9_]*`). */
export function assertKeyName(key: string): void {
  if (!KEY_NAME.test(key)) {
    throw new EnvkitError('USAGE', `invalid variable name ${JSON.stringify(key)} for the keyring`, {
      hint: 'variable names are letters, digits and _ and do not start with a digit',
    });
  }
}
