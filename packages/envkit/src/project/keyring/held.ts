import { EnvkitError } from '../../errors.js';
import type { SecretStore } from '../../keyring/store.js';

/** What the keyring holds for a project, read by {@link readHeld}. */
export interface Held {
  /** The current value of each key that has one: `keys`, and every other key where the store can enumerate. */
  values: Map<string, string>;
  /** Previous values of each of `keys` (empty when none); `undefined` when unreadable. Filled only when asked. */
  histories: Map<string, string[] | undefined>;
  /** Every key with a current value, sorted, where the store can enumerate. */
  listed: string[] | undefined;
}

/**
 * Reads what the store holds for the project at once: one request to the keyring where the store can
 * enumerate (each request is a session with the Secret Service: about 10 ms, and one more chance for
 * gnome-keyring's own race, see docs/keyring.md), else key by key. `histories` only when asked.
 */
export async function readHeld(store: SecretStore, projectId: string, keys: readonly string[], options: { histories?: boolean } = {}): Promise<Held> {
  const held: Held = { values: new Map(), histories: new Map(), listed: undefined };
  if (store.snapshot !== undefined) {
    const snapshot = await store.snapshot(projectId);
    for (const [key, entry] of snapshot) if (entry.value !== undefined) held.values.set(key, entry.value);
    held.listed = [...held.values.keys()].sort();
    if (options.histories) {
      for (const key of keys) {
        const entry = snapshot.get(key);
        held.histories.set(key, entry === undefined ? [] : entry.history);
      }
    }
    return held;
  }
  for (const key of keys) {
    const value = await store.get(projectId, key);
    if (value !== undefined) held.values.set(key, value);
    if (options.histories) held.histories.set(key, await readableHistory(store, projectId, key));
  }
  held.listed = await store.list?.(projectId);
  for (const key of held.listed ?? []) {
    if (held.values.has(key)) continue;
    const value = await store.get(projectId, key);
    if (value !== undefined) held.values.set(key, value);
  }
  return held;
}

async function readableHistory(store: SecretStore, projectId: string, key: string): Promise<string[] | undefined> {
  try {
    return await store.history(projectId, key);
  } catch (error) {
    if (error instanceof EnvkitError && error.code === 'KEYRING' && error.reason === 'history-unreadable') return undefined;
    throw error;
  }
}
