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
