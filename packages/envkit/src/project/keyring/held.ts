import { EnvkitError } from '../../errors.js';
import type { SecretStore } from '../../keyring/store.js';

/** What the keyring holds for a project, read by {@link readHeld}. */
export interface Held {
  /** The current value of each of `keys` that has one, and of the other keys when asked for their values. */
  values: Map<string, string>;
  /** Previous values of each of `keys` (empty when none); `undefined` when unreadable. Filled only when asked. */
  histories: Map<string, string[] | undefined>;
  /** Every key with a current value, sorted, where the store can enumerate and the other keys were asked for. */
  listed: string[] | undefined;
}

/** What {@link readHeld} reads besides the current values of its keys. */
export interface HeldOptions {
  /** The histories of the keys. */
  histories?: boolean;
  /** The project's other keys: their `names` (listed), or their `values` too. */
  others?: 'names' | 'values';
}

/**
 * Reads what the store holds for the project at once: one request to the keyring where the store has a snapshot
 * (each request is a session with the Secret Service: about 10 ms, and one more chance for gnome-keyring's own
 * race, see docs/keyring.md), else key by key, reading no more than asked for.
 */
export async function readHeld(store: SecretStore, projectId: string, keys: readonly string[], options: HeldOptions = {}): Promise<Held> {
  const held: Held = { values: new Map(), histories: new Map(), listed: undefined };
  if (store.snapshot !== undefined) {
    const snapshot = await store.snapshot(projectId);
    for (const [key, entry] of snapshot) {
      if (entry.value !== undefined && (options.others === 'values' || keys.includes(key))) held.values.set(key, entry.value);
    }
    if (options.others !== undefined) held.listed = [...snapshot].filter(([, entry]) => entry.value !== undefined).map(([key]) => key).sort();
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
  if (options.others === undefined) return held;
  held.listed = await store.list?.(projectId);
  if (options.others === 'names') return held;
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
