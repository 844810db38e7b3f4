import type { MemoryStore } from '../../packages/envkit/src/keyring/memory-store.js';
import type { SecretStore } from '../../packages/envkit/src/keyring/store.js';

/** Options of {@link counted}. */
export interface CountedOptions {
  /** `false` hides the store's snapshot: a store that cannot list with values, read key by key (as on macOS). */
  snapshot: boolean;
  /** The error a call rejects with, by its name as counted (`set POSTGRES_PASSWORD`, `snapshot`); none by default. */
  fail?: (call: string) => Error | undefined;
}

/**
 * `store` with every call counted, in order, as `get KEY`, `set KEY`, `delete KEY`, `history KEY`, `list` and
 * `snapshot`: what a command asked of the keyring, one call a request (a Secret Service session each).
 */
export function counted(store: MemoryStore, options: CountedOptions): { store: SecretStore; calls: string[] } {
  const calls: string[] = [];
  const call = <T>(name: string, operation: () => Promise<T>): Promise<T> => {
    calls.push(name);
    const error = options.fail?.(name);
    return error === undefined ? operation() : Promise.reject(error);
  };
  const wrapped: SecretStore = {
    backend: store.backend,
    get: (p, k) => call(`get ${k}`, () => store.get(p, k)),
    set: (p, k, v) => call(`set ${k}`, () => store.set(p, k, v)),
    delete: (p, k) => call(`delete ${k}`, () => store.delete(p, k)),
    history: (p, k) => call(`history ${k}`, () => store.history(p, k)),
    list: (p) => call('list', () => store.list(p)),
  };
  if (options.snapshot) wrapped.snapshot = (p) => call('snapshot', () => store.snapshot(p));
  return { store: wrapped, calls };
}
