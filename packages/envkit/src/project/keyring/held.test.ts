import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../keyring/memory-store.js';
import { counted } from '../../../../../test/helpers/counted-store.js';
import { currentValues, readHeld } from './held.js';

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

describe('currentValues', () => {
  it('reads nothing until asked, then the whole project once where the store has a snapshot; what the command stores answers after', async () => {
    const { store, calls } = counted(await project(), { snapshot: true });
    const current = currentValues(store, 'p');
    expect(calls).toEqual([]);
    expect(await current.get('POSTGRES_PASSWORD')).toBe('new');
    expect(await current.get('MEMU_DB_URL')).toBeUndefined();
    expect(await current.get('OPENAI_API_KEY')).toBe('');
    current.stored('POSTGRES_PASSWORD', 'newer');
    expect(await current.get('POSTGRES_PASSWORD')).toBe('newer');
    expect(calls).toEqual(['snapshot']);
    await expect(current.get('BAD@history')).rejects.toThrow(/invalid variable name/);
  });

  it('key by key where it has none: every get asks the store, as a read of one key', async () => {
    const { store, calls } = counted(await project(), { snapshot: false });
    const current = currentValues(store, 'p');
    expect(await current.get('POSTGRES_PASSWORD')).toBe('new');
    current.stored('POSTGRES_PASSWORD', 'newer');
    expect(await current.get('POSTGRES_PASSWORD')).toBe('new');
    expect(calls).toEqual(['get POSTGRES_PASSWORD', 'get POSTGRES_PASSWORD']);
  });

  it('a failed listing fails the get that made it, as a failed read would', async () => {
    const failure = new Error('the keyring is locked');
    const { store } = counted(await project(), { snapshot: true, fail: (call) => (call === 'snapshot' ? failure : undefined) });
    await expect(currentValues(store, 'p').get('POSTGRES_PASSWORD')).rejects.toBe(failure);
  });
});
