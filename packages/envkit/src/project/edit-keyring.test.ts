import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvkitError } from '../errors.js';
import { MemoryStore } from '../keyring/memory-store.js';
import type { SecretStore } from '../keyring/store.js';
import { memuSchema } from '../schema/memu.js';
import { setValuesWithKeyring, unsetKeysWithKeyring } from './edit-keyring.js';
import { initProject } from './init.js';
import { backupSecrets } from './keyring/backup.js';
import { counted } from '../../../../test/helpers/counted-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const OPENAI = 'sk-proj-AbCdEfGhIjKlMnOpQrStUv';
const OPENROUTER = 'sk-or-v1-0123456789abcdef0123456789abcdef';

describe('setValuesWithKeyring', () => {
  it('a keyring that fails part-way: the failure says which secrets it had stored by then, never a value', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'envkit-edit-keyring-'));
    dirs.push(cwd);
    initProject({ cwd, schema: memuSchema });
    const memory = new MemoryStore();
    const failing: SecretStore = {
      backend: memory.backend,
      get: (p, k) => memory.get(p, k),
      set: async (p, k, v) => {
        if (k === 'OPENROUTER_API_KEY') throw new EnvkitError('KEYRING', `OS keyring failed writing ${k}: the Secret Service went away while answering`, { reason: 'keyring-unusable' });
        return memory.set(p, k, v);
      },
      delete: (p, k) => memory.delete(p, k),
      history: (p, k) => memory.history(p, k),
    };
    const result = await setValuesWithKeyring({ cwd, schema: memuSchema, values: { OPENAI_API_KEY: OPENAI, OPENROUTER_API_KEY: OPENROUTER }, store: failing, projectId: 'p' });
    expect(result.keyring.status).toBe('failed');
    if (result.keyring.status !== 'failed') return;
    expect(result.keyring.error.message).toBe('OS keyring failed writing OPENROUTER_API_KEY: the Secret Service went away while answering; OPENAI_API_KEY was stored before that');
    expect(result.keyring.error.data.storedBefore).toEqual(['OPENAI_API_KEY']);
    expect(await memory.get('p', 'OPENAI_API_KEY')).toBe(OPENAI);
    expect(JSON.stringify(result)).not.toContain(OPENAI);
    expect(JSON.stringify(result)).not.toContain(OPENROUTER);
  });

  it('reads the keyring once for all the secrets it copies where the store has a snapshot: the same keyring as key by key', async () => {
    const password = 'Kq3vXr9ZtL2mWp8sYd4nBf7hJc6gTe5a';
    const [listed, byKey] = await Promise.all(
      [true, false].map(async (snapshot) => {
        const cwd = mkdtempSync(join(tmpdir(), 'envkit-edit-keyring-'));
        dirs.push(cwd);
        initProject({ cwd, schema: memuSchema, values: { POSTGRES_PASSWORD: `${password}0`, OPENAI_API_KEY: OPENAI, OPENROUTER_API_KEY: OPENROUTER } });
        const memory = new MemoryStore();
        // OPENROUTER_API_KEY is in the file only: its previous value is stored first, to be kept as its history.
        await backupSecrets({ cwd, schema: memuSchema, store: memory, projectId: 'p', keys: ['OPENAI_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL'] });
        const { store, calls } = counted(memory, { snapshot });
        // The password and the URL recomputed from it, each keeping the value it replaced as its history.
        const values = { POSTGRES_PASSWORD: password, OPENAI_API_KEY: `${OPENAI}2`, OPENROUTER_API_KEY: `${OPENROUTER}2` };
        const result = await setValuesWithKeyring({ cwd, schema: memuSchema, values, force: true, store, projectId: 'p' });
        const snapshotAfter = Object.fromEntries(await memory.snapshot('p'));
        return { keyring: result.keyring, calls, snapshotAfter };
      }),
    );
    expect(listed!.keyring.status).toBe('stored');
    expect(listed!.keyring).toEqual(byKey!.keyring);
    expect(listed!.snapshotAfter).toEqual(byKey!.snapshotAfter);
    for (const key of ['POSTGRES_PASSWORD', 'MEMU_DB_URL', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY']) expect(listed!.snapshotAfter[key]?.history, key).toHaveLength(1);
    expect(listed!.calls).toEqual(['snapshot', 'set POSTGRES_PASSWORD', 'set OPENAI_API_KEY', 'set OPENROUTER_API_KEY', 'set OPENROUTER_API_KEY', 'set MEMU_DB_URL']);
    expect(byKey!.calls.filter((call) => call.startsWith('get')).length).toBe(8);
  });
});

describe('unsetKeysWithKeyring', () => {
  it('a keyring that fails removing: the failure names what it removed and what it still holds (a backup would leave that)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'envkit-edit-keyring-'));
    dirs.push(cwd);
    initProject({ cwd, schema: memuSchema, values: { OPENAI_API_KEY: OPENAI, OPENROUTER_API_KEY: OPENROUTER } });
    const memory = new MemoryStore();
    await memory.set('p', 'OPENAI_API_KEY', OPENAI);
    await memory.set('p', 'OPENROUTER_API_KEY', OPENROUTER);
    const failing: SecretStore = {
      backend: memory.backend,
      get: (p, k) => memory.get(p, k),
      set: (p, k, v) => memory.set(p, k, v),
      delete: async (p, k) => {
        if (k === 'OPENROUTER_API_KEY') throw new EnvkitError('KEYRING', `OS keyring failed removing ${k}: the Secret Service went away while answering`, { reason: 'keyring-unusable' });
        return memory.delete(p, k);
      },
      history: (p, k) => memory.history(p, k),
    };
    const result = await unsetKeysWithKeyring({ cwd, schema: memuSchema, keys: ['OPENAI_API_KEY', 'OPENROUTER_API_KEY'], store: failing, projectId: 'p' });
    expect(result.keyring.status).toBe('failed');
    if (result.keyring.status !== 'failed') return;
    expect(result.keyring.error.message).toBe('OS keyring failed removing OPENROUTER_API_KEY: the Secret Service went away while answering; OPENAI_API_KEY was removed before that');
    expect(result.keyring.error.data.removedBefore).toEqual(['OPENAI_API_KEY']);
    expect(result.keyring.error.data.notRemoved).toEqual(['OPENROUTER_API_KEY']);
    expect(await memory.get('p', 'OPENAI_API_KEY')).toBeUndefined();
    expect(await memory.get('p', 'OPENROUTER_API_KEY')).toBe(OPENROUTER);
    expect(JSON.stringify(result)).not.toContain(OPENROUTER);
  });
});
