import { withHistory } from './history.js';
import type { CredentialBackend, SecretStore, StoredEntry } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Every operation rejects with this error: stands in for a keyring that breaks mid-way. */
  failWith?: Error;
}

/**
 * A {@link SecretStore} in memory, with the same layout and history rules as the OS keyring.
 * For tests of the layers above the keyring (init, rotate, restore); it is never chosen at run time.
 *
 * @example
 * const store = new MemoryStore();
 * await store.set('memu', 'POSTGRES_PASSWORD', 'a');
 * await store.set('memu', 'POSTGRES_PASSWORD', 'b');
 * await store.history('memu', 'POSTGRES_PASSWORD'); // ['a']
 */
export class MemoryStore implements SecretStore {
  readonly backend = 'memory';
  /** The raw entries: service → account → stored string (history accounts included). */
  readonly entries = new Map<string, Map<string, string>>();
  /** Set to make every following operation reject with this error; `undefined` heals the store. */
  failWith: Error | undefined;
  readonly #store: SecretStore;

  constructor(options: MemoryStoreOptions = {}) {
    this.failWith = options.failWith;
    const check = (): void => {
      if (this.failWith !== undefined) throw this.failWith;
    };
    const raw: CredentialBackend = {
      backend: 'memory',
      read: async (service, account) => {
        check();
        return this.entries.get(service)?.get(account);
      },
      write: async (service, account, value) => {
        check();
        let accounts = this.entries.get(service);
        if (accounts === undefined) this.entries.set(service, (accounts = new Map()));
        accounts.set(account, value);
      },
      remove: async (service, account) => {
        check();
        const accounts = this.entries.get(service);
        const removed = accounts?.delete(account) ?? false;
        if (accounts !== undefined && accounts.size === 0) this.entries.delete(service);
        return removed;
      },
      accounts: async (service) => {
        check();
        return [...(this.entries.get(service)?.keys() ?? [])];
      },
      entries: async (service) => {
        check();
        return new Map(this.entries.get(service));
      },
    };
    this.#store = withHistory(raw);
  }

  /** {@inheritDoc SecretStore.get} */
  get(project: string, key: string): Promise<string | undefined> {
    return this.#store.get(project, key);
  }

  /** {@inheritDoc SecretStore.set} */
  set(project: string, key: string, value: string): Promise<void> {
    return this.#store.set(project, key, value);
  }

  /** {@inheritDoc SecretStore.delete} */
  delete(project: string, key: string): Promise<boolean> {
    return this.#store.delete(project, key);
  }

  /** {@inheritDoc SecretStore.history} */
  history(project: string, key: string): Promise<string[]> {
    return this.#store.history(project, key);
  }

  /** {@inheritDoc SecretStore.list} */
  list(project: string): Promise<string[]> {
    // withHistory always provides list and snapshot for a backend with `accounts` and `entries`.
    return this.#store.list!(project);
  }

  /** {@inheritDoc SecretStore.snapshot} */
  snapshot(project: string): Promise<Map<string, StoredEntry>> {
    return this.#store.snapshot!(project);
  }
}
