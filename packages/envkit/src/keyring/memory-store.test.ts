import { describe, expect, it } from 'vitest';
import { EnvkitError } from '../errors.js';
import { MemoryStore } from './memory-store.js';

describe('MemoryStore', () => {
  it('behaves like the OS store: current value, history newest first, list, delete', async () => {
    const store = new MemoryStore();
    expect(store.backend).toBe('memory');
    await store.set('memu', 'POSTGRES_PASSWORD', 'one');
    await store.set('memu', 'POSTGRES_PASSWORD', 'two');
    await store.set('memu', 'OPENAI_API_KEY', 'sk-x');
    expect(await store.get('memu', 'POSTGRES_PASSWORD')).toBe('two');
    expect(await store.history('memu', 'POSTGRES_PASSWORD')).toEqual(['one']);
    expect(await store.list('memu')).toEqual(['OPENAI_API_KEY', 'POSTGRES_PASSWORD']);
    expect(store.entries.get('envkit:memu')?.get('POSTGRES_PASSWORD@history')).toBe('["one"]');
    expect(await store.delete('memu', 'POSTGRES_PASSWORD')).toBe(true);
    expect(await store.list('memu')).toEqual(['OPENAI_API_KEY']);
    expect(await store.get('other', 'OPENAI_API_KEY')).toBeUndefined();
  });

  it('can stand in for a failing keyring, and heal', async () => {
    const failure = new EnvkitError('KEYRING', 'OS keyring failed: the keyring is locked');
    const store = new MemoryStore({ failWith: failure });
    await expect(store.set('memu', 'K', 'v')).rejects.toBe(failure);
    await expect(store.get('memu', 'K')).rejects.toBe(failure);
    store.failWith = undefined;
    await store.set('memu', 'K', 'v');
    expect(await store.get('memu', 'K')).toBe('v');
  });
});
