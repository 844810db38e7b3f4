import { EnvkitError } from '../errors.js';
import { HISTORY_LIMIT, assertKeyName, serviceName } from './store.js';
import type { CredentialBackend, SecretStore, StoredEntry } from './store.js';

/*
 * Layout in the keyring, per project service `envkit:<project>`:
 *   account `KEY`          the current value, as is — `secret-tool lookup service envkit:memu username KEY` prints it
 *   account `KEY@history`  a JSON array of the previous values, newest first, at most HISTORY_LIMIT
 * Two entries per key instead of one per previous value: a rotation costs two writes whatever the history
 * length, and `@` cannot occur in a variable name, so a history account never collides with a key.
 */

const HISTORY_SUFFIX = '@history';

/** The account holding the previous values of `key`: `KEY@history`. */
export function historyAccount(key: string): string {
  return `${key}${HISTORY_SUFFIX}`;
}

/** True for an account made by {@link historyAccount}. */
export function isHistoryAccount(account: string): boolean {
  return account.endsWith(HISTORY_SUFFIX);
}

/** The stored form of a history: a JSON array of strings, newest first. */
export function encodeHistory(previous: readonly string[]): string {
  return JSON.stringify(previous);
}

/** Reads {@link encodeHistory}'s form; `undefined` when the text is not a JSON array of strings. */
export function decodeHistory(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) return undefined;
  return parsed as string[];
}

/** The history a stored text holds: none when there is no text, `undefined` when it is not readable. */
function historyOf(text: string | undefined): string[] | undefined {
  return text === undefined ? [] : decodeHistory(text);
}

/**
 * The history after `next` replaces `current`: `current` goes in front, the oldest fall off past `limit`.
 * Unchanged when there is no current value or it equals `next` (storing the same value twice is not a change).
 */
export function nextHistory(
  current: string | undefined,
  previous: readonly string[],
  next: string,
  limit: number = HISTORY_LIMIT,
): string[] {
  if (current === undefined || current === next) return previous.slice(0, limit);
  return [current, ...previous].slice(0, limit);
}

/**
 * A {@link SecretStore} over a bare (service, account) → string backend, with the layout described above.
 * Methods reject (never throw) on bad arguments. Operations of one store run one after another, so two
 * `set`s of the same key cannot lose a history entry.
 */
export function withHistory(backend: CredentialBackend): SecretStore {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  };

  const readHistory = async (service: string, key: string): Promise<string[] | undefined> => historyOf(await backend.read(service, historyAccount(key)));
  const entries = backend.entries?.bind(backend);

  const store: SecretStore = {
    backend: backend.backend,

    async get(project, key) {
      const service = serviceName(project);
      assertKeyName(key);
      return serial(() => backend.read(service, key));
    },

    async set(project, key, value) {
      const service = serviceName(project);
      assertKeyName(key);
      return serial(async () => {
        // Where the backend lists with values, the value and its history in one request rather than two reads (each
        // a Secret Service session, docs/keyring.md).
        const listed = await entries?.(service);
        const current = listed === undefined ? await backend.read(service, key) : listed.get(key);
        if (current === value) return;
        // An unreadable history cannot be extended; it restarts from the value being replaced.
        const previous = (listed === undefined ? await readHistory(service, key) : historyOf(listed.get(historyAccount(key)))) ?? [];
        const updated = nextHistory(current, previous, value);
        // History first: a crash between the two writes leaves the old value in both places, never in neither.
        if (current !== undefined) await backend.write(service, historyAccount(key), encodeHistory(updated));
        await backend.write(service, key, value);
      });
    },

    async delete(project, key) {
      const service = serviceName(project);
      assertKeyName(key);
      return serial(async () => {
        const removedHistory = await backend.remove(service, historyAccount(key));
        const removedCurrent = await backend.remove(service, key);
        return removedCurrent || removedHistory;
      });
    },

    async history(project, key) {
      const service = serviceName(project);
      assertKeyName(key);
      return serial(async () => {
        const previous = await readHistory(service, key);
        if (previous === undefined) {
          throw new EnvkitError('KEYRING', `the keyring history of ${key} (service ${service}) is not readable`, {
            hint: `remove ${key} from the keyring (this removes the current value too)`,
            reason: 'history-unreadable',
            data: { key },
          });
        }
        return previous;
      });
    },
  };

  const accounts = backend.accounts?.bind(backend);
  if (accounts !== undefined) {
    store.list = async (project) => {
      const service = serviceName(project);
      return serial(async () => (await accounts(service)).filter((account) => !isHistoryAccount(account)).sort());
    };
  }
  if (entries !== undefined) {
    store.snapshot = async (project) => {
      const service = serviceName(project);
      return serial(async () => {
        const found = new Map<string, StoredEntry>();
        const entry = (key: string): StoredEntry => found.get(key) ?? found.set(key, { value: undefined, history: [] }).get(key)!;
        for (const [account, text] of await entries(service)) {
          if (isHistoryAccount(account)) entry(account.slice(0, -HISTORY_SUFFIX.length)).history = decodeHistory(text);
          else entry(account).value = text;
        }
        return found;
      });
    };
  }
  return store;
}
