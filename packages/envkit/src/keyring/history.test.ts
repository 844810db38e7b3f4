import { describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { decodeHistory, encodeHistory, historyAccount, isHistoryAccount, nextHistory, withHistory } from './history.js';
import type { CredentialBackend } from './store.js';

function mapBackend(options: { enumerate?: boolean } = {}): CredentialBackend & { data: Map<string, string>; writes: string[] } {
  const data = new Map<string, string>();
  const writes: string[] = [];
  const backend: CredentialBackend & { data: Map<string, string>; writes: string[] } = {
    backend: 'test',
    data,
    writes,
    read: async (service, account) => data.get(`${service}/${account}`),
    write: async (service, account, value) => {
      writes.push(account);
      data.set(`${service}/${account}`, value);
    },
    remove: async (service, account) => data.delete(`${service}/${account}`),
  };
  if (options.enumerate !== false) {
    const entries = async (service: string) =>
      new Map([...data].filter(([k]) => k.startsWith(`${service}/`)).map(([k, v]) => [k.slice(service.length + 1), v]));
    backend.entries = entries;
    backend.accounts = async (service) => [...(await entries(service)).keys()];
  }
  return backend;
}

describe('history encoding', () => {
  it('names the history account KEY@history and recognises it', () => {
    expect(historyAccount('DB_PASSWORD')).toBe('DB_PASSWORD@history');
    expect(isHistoryAccount('DB_PASSWORD@history')).toBe(true);
    expect(isHistoryAccount('DB_PASSWORD')).toBe(false);
  });

  it('round-trips any strings, order kept', () => {
    const values = ['a', '', 'with "quotes"\nand newline', 'ünï€ode', '[1,2]'];
    expect(decodeHistory(encodeHistory(values))).toEqual(values);
  });

  it.each(['', 'nope', '{"a":1}', '[1]', '["a",null]', 'null'])('rejects %j as damaged', (text) => {
    expect(decodeHistory(text)).toBeUndefined();
  });
});

describe('nextHistory', () => {
  it('puts the replaced value first', () => {
    expect(nextHistory('b', ['a'], 'c')).toEqual(['b', 'a']);
  });

  it('keeps at most the limit, dropping the oldest', () => {
    expect(nextHistory('f', ['e', 'd', 'c', 'b', 'a'], 'g')).toEqual(['f', 'e', 'd', 'c', 'b']);
    expect(nextHistory('c', ['b', 'a'], 'd', 2)).toEqual(['c', 'b']);
  });

  it('does not change for a first value or the same value', () => {
    expect(nextHistory(undefined, [], 'a')).toEqual([]);
    expect(nextHistory('a', ['z'], 'a')).toEqual(['z']);
  });
});

describe('withHistory', () => {
  it('stores the current value as is and previous values newest first, capped at 5', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    for (const value of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']) await store.set('p', 'KEY', value);
    expect(backend.data.get('envkit:p/KEY')).toBe('v7');
    expect(await store.get('p', 'KEY')).toBe('v7');
    expect(await store.history('p', 'KEY')).toEqual(['v6', 'v5', 'v4', 'v3', 'v2']);
    expect(JSON.parse(backend.data.get('envkit:p/KEY@history') ?? 'null')).toEqual(['v6', 'v5', 'v4', 'v3', 'v2']);
  });

  it('writes the history before the current value', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await store.set('p', 'KEY', 'old');
    backend.writes.length = 0;
    await store.set('p', 'KEY', 'new');
    expect(backend.writes).toEqual(['KEY@history', 'KEY']);
  });

  it('writes nothing when the value is already current, and no history for a first value', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await store.set('p', 'KEY', 'same');
    expect(backend.writes).toEqual(['KEY']);
    await store.set('p', 'KEY', 'same');
    expect(backend.writes).toEqual(['KEY']);
    expect(await store.history('p', 'KEY')).toEqual([]);
  });

  it('set reads the value it replaces and its history in one listing where the backend lists with values, in two reads elsewhere', async () => {
    for (const enumerate of [true, false]) {
      const backend = mapBackend({ enumerate });
      const reads: string[] = [];
      const { read, entries } = backend;
      backend.read = (service, account) => (reads.push(`read ${account}`), read(service, account));
      if (entries) backend.entries = (service) => (reads.push('entries'), entries(service));
      const store = withHistory(backend);
      await store.set('p', 'KEY', 'a');
      await store.set('p', 'KEY', 'b');
      reads.length = 0;
      await store.set('p', 'KEY', 'c');
      await store.set('p', 'KEY', 'c');
      expect(reads).toEqual(enumerate ? ['entries', 'entries'] : ['read KEY', 'read KEY@history', 'read KEY']);
      expect(await store.get('p', 'KEY')).toBe('c');
      expect(await store.history('p', 'KEY')).toEqual(['b', 'a']);
    }
  });

  it('serialises concurrent sets so no previous value is lost', async () => {
    const store = withHistory(mapBackend());
    await Promise.all(['a', 'b', 'c', 'd'].map((value) => store.set('p', 'KEY', value)));
    expect(await store.get('p', 'KEY')).toBe('d');
    expect(await store.history('p', 'KEY')).toEqual(['c', 'b', 'a']);
  });

  it('delete removes value and history and says whether anything was there', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await store.set('p', 'KEY', 'a');
    await store.set('p', 'KEY', 'b');
    expect(await store.delete('p', 'KEY')).toBe(true);
    expect(backend.data.size).toBe(0);
    expect(await store.get('p', 'KEY')).toBeUndefined();
    expect(await store.history('p', 'KEY')).toEqual([]);
    expect(await store.delete('p', 'KEY')).toBe(false);
  });

  it('lists keys without history accounts, sorted, per project', async () => {
    const store = withHistory(mapBackend());
    await store.set('p', 'ZED', '1');
    await store.set('p', 'ALPHA', '1');
    await store.set('p', 'ALPHA', '2');
    await store.set('other', 'OTHER', '1');
    expect(await store.list?.('p')).toEqual(['ALPHA', 'ZED']);
  });

  it('has no list and no snapshot when the backend cannot enumerate', () => {
    const store = withHistory(mapBackend({ enumerate: false }));
    expect(store.list).toBeUndefined();
    expect(store.snapshot).toBeUndefined();
  });

  it('lists without a snapshot where the backend lists names only (keys are then read one by one)', async () => {
    const backend = mapBackend();
    delete backend.entries;
    const store = withHistory(backend);
    await store.set('p', 'KEY', '1');
    expect(await store.list?.('p')).toEqual(['KEY']);
    expect(store.snapshot).toBeUndefined();
  });

  it('a snapshot: every key of the project with its value and history, from one listing', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await store.set('p', 'A', '1');
    await store.set('p', 'A', '2');
    await store.set('p', 'B', 'only');
    await store.set('p', 'GONE', 'x');
    await store.set('p', 'GONE', 'y');
    await backend.remove('envkit:p', 'GONE');
    await backend.write('envkit:p', 'BAD@history', 'not json');
    await store.set('other', 'OTHER', '1');
    const snapshot = await store.snapshot!('p');
    expect(Object.fromEntries(snapshot)).toEqual({
      A: { value: '2', history: ['1'] },
      B: { value: 'only', history: [] },
      GONE: { value: undefined, history: ['x'] },
      BAD: { value: undefined, history: undefined },
    });
    // The same answers as key by key.
    expect(await store.get('p', 'A')).toBe('2');
    expect(await store.history('p', 'A')).toEqual(['1']);
    await expect(store.history('p', 'BAD')).rejects.toThrow(/not readable/);
  });

  it('reports a damaged history with KEYRING and without its content; set restarts it', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await store.set('p', 'KEY', 'current-value');
    backend.data.set('envkit:p/KEY@history', 'not json: secret-ish');
    const error = await store.history('p', 'KEY').catch((e: unknown) => e);
    expect(isEnvkitError(error, 'KEYRING')).toBe(true);
    expect(String((error as Error).message)).toContain('KEY');
    expect(String((error as Error).message)).not.toContain('secret-ish');
    await store.set('p', 'KEY', 'next');
    expect(await store.history('p', 'KEY')).toEqual(['current-value']);
  });

  it('validates project and key before touching the backend', async () => {
    const backend = mapBackend();
    const store = withHistory(backend);
    await expect(store.set('bad project', 'KEY', 'v')).rejects.toThrow(/invalid project id/);
    await expect(store.get('p', 'KEY@history')).rejects.toThrow(/invalid variable name/);
    expect(backend.writes).toEqual([]);
  });
});
