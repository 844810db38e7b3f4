import { EnvkitError } from '../../errors.js';
import { assertKeyName, type SecretStore, type StoredEntry } from '../../keyring/store.js';

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

/** The current values of a project's keys as a command that stores them reads them: see {@link currentValues}. */
export interface CurrentValues {
  /** The current value of `key`, or `undefined` when none is stored. */
  get(key: string): Promise<string | undefined>;
  /** Says that the command stored `value` as the current value of `key`, so a later `get` answers it. */
  stored(key: string, value: string): void;
}

/**
 * The reads of a command that compares keys with the store and then stores some (backup, and the keyring copy of
 * init, set and a rotation): where the store has a snapshot, the first `get` reads the whole project in one
 * request and later ones answer from it and from what the command stored since (see {@link readHeld} for why);
 * elsewhere each `get` asks the store, as a read of one key. Created per command, it reads nothing until asked.
 */
export function currentValues(store: SecretStore, projectId: string): CurrentValues {
  if (store.snapshot === undefined) return { get: (key) => store.get(projectId, key), stored: () => undefined };
  const snapshot = store.snapshot.bind(store);
  const written = new Map<string, string>();
  let listing: Promise<Map<string, StoredEntry>> | undefined;
  return {
    async get(key) {
      assertKeyName(key);
      if (written.has(key)) return written.get(key);
      listing ??= snapshot(projectId);
      return (await listing).get(key)?.value;
    },
    stored: (key, value) => void written.set(key, value),
  };
}
