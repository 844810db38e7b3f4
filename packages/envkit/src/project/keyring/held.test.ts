import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../keyring/memory-store.js';
import type { SecretStore } from '../../keyring/store.js';
import { readHeld } from './held.js';

/** `store` with every call counted; `snapshot: false` hides its snapshot, as a store that cannot enumerate at once. */
function counted(store: MemoryStore, options: { snapshot: boolean }): { store: SecretStore; calls: string[] } {
  const calls: string[] = [];
  const wrapped: SecretStore = {
    backend: store.backend,
    get: (p, k) => (calls.push(`get ${k}`), store.get(p, k)),
    set: (p, k, v) => store.set(p, k, v),
    delete: (p, k) => store.delete(p, k),
    history: (p, k) => (calls.push(`history ${k}`), store.history(p, k)),
    list: (p) => (calls.push('list'), store.list(p)),
  };
  if (options.snapshot) wrapped.snapshot = (p) => (calls.push('snapshot'), store.snapshot(p));
  return { store: wrapped, calls };
}

async function project(): Promise<MemoryStore> {
  const memory = new MemoryStore();
  await memory.set('p', 'POSTGRES_PASSWORD', 'old');
  await memory.set('p', 'POSTGRES_PASSWORD', 'new');
  await memory.set('p', 'OPENAI_API_KEY', '');
  await memory.set('p', 'LEGACY_TOKEN', 'kept');
  memory.entries.get('envkit:p')!.set('MEMU_DB_URL@history', 'not json');
  return memory;
}

describe('readHeld', () => {
  const keys = ['POSTGRES_PASSWORD', 'MEMU_DB_URL', 'OPENAI_API_KEY'];

  it('reads the whole project in one request where the store has a snapshot', async () => {
    const { store, calls } = counted(await project(), { snapshot: true });
    const held = await readHeld(store, 'p', keys, { histories: true, others: 'values' });
    expect(calls).toEqual(['snapshot']);
    expect(Object.fromEntries(held.values)).toEqual({ POSTGRES_PASSWORD: 'new', OPENAI_API_KEY: '', LEGACY_TOKEN: 'kept' });
    expect(Object.fromEntries(held.histories)).toEqual({ POSTGRES_PASSWORD: ['old'], MEMU_DB_URL: undefined, OPENAI_API_KEY: [] });
    expect(held.listed).toEqual(['LEGACY_TOKEN', 'OPENAI_API_KEY', 'POSTGRES_PASSWORD']);
  });

  for (const options of [{ histories: true, others: 'values' }, { others: 'names' }, {}] as const) {
    it(`key by key where it has none, the same answer (${JSON.stringify(options)})`, async () => {
      const memory = await project();
      const { store, calls } = counted(memory, { snapshot: false });
      const byKey = await readHeld(store, 'p', keys, options);
      expect(calls).toContain('get POSTGRES_PASSWORD');
      expect(byKey).toEqual(await readHeld(memory, 'p', keys, options));
    });
  }

  it('reads no more than asked for key by key: the other keys only listed for their names, not listed at all by default', async () => {
    const names = counted(await project(), { snapshot: false });
    const held = await readHeld(names.store, 'p', keys, { others: 'names' });
    expect(names.calls).toEqual(['get POSTGRES_PASSWORD', 'get MEMU_DB_URL', 'get OPENAI_API_KEY', 'list']);
    expect(held.listed).toEqual(['LEGACY_TOKEN', 'OPENAI_API_KEY', 'POSTGRES_PASSWORD']);
    expect(held.values.has('LEGACY_TOKEN')).toBe(false);
    const plain = counted(await project(), { snapshot: false });
    expect((await readHeld(plain.store, 'p', keys)).listed).toBeUndefined();
    expect(plain.calls).toEqual(['get POSTGRES_PASSWORD', 'get MEMU_DB_URL', 'get OPENAI_API_KEY']);
  });

  it('asks for no history unless told to', async () => {
    const { store, calls } = counted(await project(), { snapshot: false });
    const held = await readHeld(store, 'p', keys);
    expect(calls.some((call) => call.startsWith('history'))).toBe(false);
    expect(held.histories.size).toBe(0);
  });
});
