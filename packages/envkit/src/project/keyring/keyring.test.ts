import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvkitError, isEnvkitError } from '../../errors.js';
import { parseDocument } from '../../dotenv/document.js';
import { MemoryStore } from '../../keyring/memory-store.js';
import type { SecretStore } from '../../keyring/store.js';
import { memuSchema } from '../../schema/memu.js';
import { buildPostgresUrl } from '../../secrets/derive.js';
import { gitignoreRules, matchGitignore, syncGitignoreText } from '../../files/gitignore.js';
import { initProject, initProjectWithKeyring } from '../init.js';
import { backupSecrets } from './backup.js';
import { defaultProjectId, resolveProjectId, secretKeys } from './project-id.js';
import { forgetSecrets } from './forget.js';
import { restoreEnv } from './restore.js';
import { storeStatus } from './status.js';
import { counted } from '../../../../../test/helpers/counted-store.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name = 'memu'): string {
  const parent = mkdtempSync(join(tmpdir(), 'envkit-keyring-'));
  made.push(parent);
  const dir = join(parent, name);
  mkdirSync(dir);
  return dir;
}

const PASSWORD = 'Kq3vXr9ZtL2mWp8sYd4nBf7hJc6gTe5a';
const OTHER_PASSWORD = 'Zz9yXx8wWv7uUt6sSr5qQp4oOn3mMl2k';
const OPENAI = 'sk-proj-AbCdEfGhIjKlMnOpQrStUv';

function url(password: string, user = 'memu_production_user', host = 'db'): string {
  return buildPostgresUrl({ user, password, database: 'memu_db', host, port: 5432 });
}

function envText(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

/** A memu project whose .env holds a known password; returns its dir and a store holding nothing yet. */
function project(extra: Record<string, string> = {}): { cwd: string; store: MemoryStore; id: string } {
  const cwd = tempDir();
  writeFileSync(join(cwd, '.env'), envText({ POSTGRES_PASSWORD: PASSWORD, MEMU_DB_URL: url(PASSWORD), ...extra }), { mode: 0o600 });
  return { cwd, store: new MemoryStore(), id: defaultProjectId({ cwd }) };
}

async function rejection(promise: Promise<unknown>): Promise<EnvkitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEnvkitError(error)) throw new Error(`expected an EnvkitError, got ${String(error)}`);
  return error;
}

function expectNoValues(thing: unknown, ...values: string[]): void {
  const text = thing instanceof Error ? `${thing.message} ${(thing as EnvkitError).hint ?? ''} ${JSON.stringify((thing as EnvkitError).issues)}` : JSON.stringify(thing);
  for (const value of values) expect(text).not.toContain(value);
}

describe('project ids', () => {
  it('is the directory name and 8 hex digits of its path, stable, and differs for alike names in other places', () => {
    const a = tempDir('memu');
    const b = tempDir('memu');
    const id = defaultProjectId({ cwd: a });
    expect(id).toMatch(/^memu-[0-9a-f]{8}$/);
    expect(defaultProjectId({ cwd: a })).toBe(id);
    expect(defaultProjectId({ cwd: `${a}/./` })).toBe(id);
    expect(defaultProjectId({ cwd: b })).not.toBe(id);
    expect(defaultProjectId({ cwd: b }).startsWith('memu-')).toBe(true);
  });

  it('reduces odd directory names to what a keyring service name allows', () => {
    expect(defaultProjectId({ cwd: tempDir('My Project (prod)') })).toMatch(/^My-Project-prod-[0-9a-f]{8}$/);
    expect(defaultProjectId({ cwd: tempDir('..hidden') })).toMatch(/^hidden-[0-9a-f]{8}$/);
    expect(defaultProjectId({ cwd: tempDir('ÄÖÜ') })).toMatch(/^project-[0-9a-f]{8}$/);
    expect(defaultProjectId({ cwd: tempDir('x'.repeat(200)) }).length).toBeLessThanOrEqual(100);
  });

  it('keeps a second env file of the same directory apart, and treats .env given explicitly as the default', () => {
    const cwd = tempDir();
    const id = defaultProjectId({ cwd });
    expect(defaultProjectId({ cwd, envFile: '.env' })).toBe(id);
    expect(defaultProjectId({ cwd, envFile: join(cwd, '.env') })).toBe(id);
    expect(defaultProjectId({ cwd, envFile: '.env.staging' })).not.toBe(id);
  });

  it('takes a given id over the default and rejects one the keyring cannot name', () => {
    const cwd = tempDir();
    expect(resolveProjectId({ cwd, projectId: 'memu-prod' })).toBe('memu-prod');
    expect(resolveProjectId({ cwd, projectId: '  ' })).toBe(defaultProjectId({ cwd }));
    expect(resolveProjectId({ cwd })).toBe(defaultProjectId({ cwd }));
    expect(() => resolveProjectId({ cwd, projectId: 'a b' })).toThrow(/invalid project id/);
    expect(() => resolveProjectId({ cwd, projectId: '-x' })).toThrow(EnvkitError);
  });

  it('lists the secrets of the schema, derived ones included', () => {
    expect(secretKeys(memuSchema)).toEqual(['OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL']);
  });
});

describe('backupSecrets', () => {
  it('stores each secret with a value under envkit:<id>, skips empty ones, and is a no-op the second time', async () => {
    const { cwd, store, id } = project();
    const result = await backupSecrets({ cwd, schema: memuSchema, store });
    expect(result).toMatchObject({ projectId: id, service: `envkit:${id}`, backend: 'memory' });
    expect(result.keys).toEqual([
      { key: 'OPENAI_API_KEY', action: 'skipped', why: 'empty', reason: 'empty in .env' },
      { key: 'OPENROUTER_API_KEY', action: 'skipped', why: 'empty', reason: 'empty in .env' },
      { key: 'POSTGRES_PASSWORD', action: 'stored' },
      { key: 'MEMU_DB_URL', action: 'stored' },
    ]);
    expect(store.entries.get(`envkit:${id}`)?.get('POSTGRES_PASSWORD')).toBe(PASSWORD);
    expect(store.entries.get(`envkit:${id}`)?.get('MEMU_DB_URL')).toBe(url(PASSWORD));
    expect([...(store.entries.get(`envkit:${id}`)?.keys() ?? [])].sort()).toEqual(['MEMU_DB_URL', 'POSTGRES_PASSWORD']);
    expectNoValues(result, PASSWORD);

    const again = await backupSecrets({ cwd, schema: memuSchema, store });
    expect(again.keys.filter((k) => k.action !== 'skipped').map((k) => k.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('replaces a changed value and keeps the old one as history', async () => {
    const { cwd, store, id } = project();
    await store.set(id, 'POSTGRES_PASSWORD', OTHER_PASSWORD);
    const result = await backupSecrets({ cwd, schema: memuSchema, store, keys: ['POSTGRES_PASSWORD'] });
    expect(result.keys).toEqual([{ key: 'POSTGRES_PASSWORD', action: 'stored', replaced: true }]);
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(PASSWORD);
    expect(await store.history(id, 'POSTGRES_PASSWORD')).toEqual([OTHER_PASSWORD]);
  });

  it('does not let an invalid value push the good copy into the history', async () => {
    const { cwd, store, id } = project();
    await store.set(id, 'POSTGRES_PASSWORD', PASSWORD);
    writeFileSync(join(cwd, '.env'), envText({ POSTGRES_PASSWORD: 'short', MEMU_DB_URL: url('short') }));
    const result = await backupSecrets({ cwd, schema: memuSchema, store });
    const entry = result.keys.find((k) => k.key === 'POSTGRES_PASSWORD');
    expect(entry?.action).toBe('skipped');
    expect(entry?.reason).toMatch(/^invalid in \.env \(.*\); the keyring copy was left as it was$/);
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(PASSWORD);
    expect(await store.history(id, 'POSTGRES_PASSWORD')).toEqual([]);
    expectNoValues(result, 'short');
  });

  it('a keyring that fails mid-way: the error says which keys were stored before it, and a second backup stores the rest', async () => {
    const { cwd, store, id } = project({ OPENAI_API_KEY: OPENAI });
    let sets = 0;
    const dying: SecretStore = {
      backend: store.backend,
      get: (p, k) => store.get(p, k),
      set: async (p, k, v) => {
        if (++sets === 2) throw new EnvkitError('KEYRING', 'OS keyring failed writing POSTGRES_PASSWORD: the Secret Service went away while answering', { hint: 'start it again', reason: 'keyring-unusable' });
        return store.set(p, k, v);
      },
      delete: (p, k) => store.delete(p, k),
      history: (p, k) => store.history(p, k),
    };
    const error = await rejection(backupSecrets({ cwd, schema: memuSchema, store: dying }));
    const [first] = [...store.entries.get(`envkit:${id}`)!.keys()];
    expect(error.message).toBe(`OS keyring failed writing POSTGRES_PASSWORD: the Secret Service went away while answering; ${first} was stored before that`);
    expect(error.hint).toBe('start it again');
    expect(error.reason).toBe('keyring-unusable');
    expect(error.data.storedBefore).toEqual([first]);
    expectNoValues(error, PASSWORD, OPENAI);
    const again = await backupSecrets({ cwd, schema: memuSchema, store });
    expect(again.keys.filter((k) => k.action === 'stored').length).toBeGreaterThan(0);
    expect(again.keys.find((k) => k.key === first)?.action).toBe('unchanged');
  });

  // The Secret Service store lists the project with its values (a snapshot); a store without one is read key by key.
  const bothWays = async (
    setup: (p: { cwd: string; store: MemoryStore; id: string }) => Promise<void>,
    options: { keys?: string[]; dryRun?: boolean; fail?: (call: string, calls: string[]) => Error | undefined } = {},
  ) =>
    Promise.all(
      [true, false].map(async (snapshot) => {
        const p = project({ OPENAI_API_KEY: OPENAI });
        await setup(p);
        const { store, calls } = counted(p.store, { snapshot, ...(options.fail ? { fail: (call) => options.fail!(call, calls) } : {}) });
        const outcome = await backupSecrets({ cwd: p.cwd, schema: memuSchema, store, ...(options.keys ? { keys: options.keys } : {}), ...(options.dryRun ? { dryRun: true } : {}) }).then(
          (result) => ({ result: result.keys }),
          (error: unknown) => ({ error }),
        );
        return { outcome, calls, entries: Object.fromEntries(p.store.entries.get(`envkit:${p.id}`) ?? []) };
      }),
    );

  it('compares with one listing where the store has a snapshot, key by key elsewhere: the same result and the same keyring', async () => {
    const changed = async ({ store, id }: { store: MemoryStore; id: string }) => {
      await store.set(id, 'POSTGRES_PASSWORD', OTHER_PASSWORD);
      await store.set(id, 'MEMU_DB_URL', url(PASSWORD));
    };
    for (const options of [{}, { keys: ['POSTGRES_PASSWORD', 'OPENAI_API_KEY', 'POSTGRES_PASSWORD'] }, { dryRun: true }]) {
      const [listed, byKey] = await bothWays(changed, options);
      expect(listed!.outcome).toEqual(byKey!.outcome);
      expect(listed!.entries).toEqual(byKey!.entries);
      expect(listed!.calls.filter((call) => !call.startsWith('set '))).toEqual(['snapshot']);
      expect(byKey!.calls).toContain('get POSTGRES_PASSWORD');
    }
    const [listed] = await bothWays(changed);
    expect(listed!.calls).toEqual(['snapshot', 'set OPENAI_API_KEY', 'set POSTGRES_PASSWORD']);
    expect(listed!.outcome).toEqual({
      result: [
        { key: 'OPENAI_API_KEY', action: 'stored' },
        { key: 'OPENROUTER_API_KEY', action: 'skipped', why: 'empty', reason: 'empty in .env' },
        { key: 'POSTGRES_PASSWORD', action: 'stored', replaced: true },
        { key: 'MEMU_DB_URL', action: 'unchanged' },
      ],
    });
  });

  it('fails first where it would key by key, with the same error and the same storedBefore', async () => {
    const locked = new EnvkitError('KEYRING', 'OS keyring failed: the keyring is locked', { reason: 'keyring-locked' });
    const gone = new EnvkitError('KEYRING', 'OS keyring failed writing POSTGRES_PASSWORD: the Secret Service went away while answering', { reason: 'keyring-unusable' });
    const nothing = async () => undefined;
    const cases: Array<{ keys?: string[]; fail: (call: string, calls: string[]) => Error | undefined }> = [
      // Locked from the start: the first read fails (the listing where there is one); a non-secret named first comes before it.
      { fail: () => locked },
      { keys: ['POSTGRES_USER', 'POSTGRES_PASSWORD'], fail: () => locked },
      { keys: ['POSTGRES_PASSWORD', 'POSTGRES_USER'], fail: (call) => (call.startsWith('set') ? locked : undefined) },
      { keys: ['POSTGRES_PASSWORD', 'POSTGRES_USER'], fail: () => undefined },
      // Gone after the first store: the next write fails, naming what was stored before it.
      { fail: (call, calls) => (call.startsWith('set') && calls.filter((c) => c.startsWith('set')).length === 2 ? gone : undefined) },
    ];
    for (const { keys, fail } of cases) {
      const [listed, byKey] = await bothWays(nothing, { ...(keys ? { keys } : {}), fail });
      expect('error' in listed!.outcome, JSON.stringify(keys)).toBe(true);
      expect(listed!.outcome).toEqual(byKey!.outcome);
      const [error, other] = [listed!.outcome, byKey!.outcome].map((o) => ('error' in o ? (o.error as EnvkitError) : undefined));
      expect([error?.code, error?.message, error?.data]).toEqual([other?.code, other?.message, other?.data]);
      expect(listed!.entries).toEqual(byKey!.entries);
    }
    const [afterOne] = await bothWays(nothing, { fail: cases[4]!.fail });
    expect(((afterOne!.outcome as { error: EnvkitError }).error).data.storedBefore).toEqual(['OPENAI_API_KEY']);
  });

  it('writes nothing in a dry run, and uses the given project id', async () => {
    const { cwd, store } = project();
    const result = await backupSecrets({ cwd, schema: memuSchema, store, projectId: 'memu-prod', dryRun: true });
    expect(result.service).toBe('envkit:memu-prod');
    expect(result.keys.filter((k) => k.action === 'stored').map((k) => k.key)).toEqual(['POSTGRES_PASSWORD', 'MEMU_DB_URL']);
    expect(store.entries.size).toBe(0);
  });

  it('refuses without an env file, for a non-secret key, and passes a keyring failure on', async () => {
    const cwd = tempDir();
    const store = new MemoryStore();
    const missing = await rejection(backupSecrets({ cwd, schema: memuSchema, store }));
    expect(missing.code).toBe('FILE');
    expect(missing.message).toBe('.env does not exist: nothing to back up');

    const p = project();
    const usage = await rejection(backupSecrets({ cwd: p.cwd, schema: memuSchema, store, keys: ['POSTGRES_USER'] }));
    expect(usage.code).toBe('USAGE');

    p.store.failWith = new EnvkitError('KEYRING', 'OS keyring failed: the keyring is locked');
    expect((await rejection(backupSecrets({ cwd: p.cwd, schema: memuSchema, store: p.store }))).code).toBe('KEYRING');
  });
});

describe('storeStatus', () => {
  it('compares every secret with the env file by state, never by value', async () => {
    const { cwd, store, id } = project({ OPENAI_API_KEY: OPENAI });
    await store.set(id, 'POSTGRES_PASSWORD', OTHER_PASSWORD);
    await store.set(id, 'POSTGRES_PASSWORD', PASSWORD); // equal now, with one previous value
    await store.set(id, 'MEMU_DB_URL', url(OTHER_PASSWORD)); // different
    await store.set(id, 'OPENROUTER_API_KEY', 'sk-or-v1-0123456789abcdef0123'); // keyring only
    await store.set(id, 'LEGACY_TOKEN', 'x'.repeat(20));
    const status = await storeStatus({ cwd, schema: memuSchema, store });
    expect(status).toMatchObject({ projectId: id, service: `envkit:${id}`, backend: 'memory', env: 'valid', other: ['LEGACY_TOKEN'] });
    expect(status.keys).toEqual([
      { key: 'OPENAI_API_KEY', state: 'not-stored', history: 0 },
      { key: 'OPENROUTER_API_KEY', state: 'keyring-only', history: 0 },
      { key: 'POSTGRES_PASSWORD', state: 'equal', history: 1 },
      { key: 'MEMU_DB_URL', state: 'different', history: 0 },
    ]);
    expectNoValues(status, PASSWORD, OTHER_PASSWORD, OPENAI);
  });

  it('reports a missing, an unparsable and an invalid env file', async () => {
    const { cwd, store, id } = project();
    await store.set(id, 'POSTGRES_PASSWORD', PASSWORD);
    writeFileSync(join(cwd, '.env'), 'POSTGRES_PASSWORD=short\n');
    expect((await storeStatus({ cwd, schema: memuSchema, store })).env).toBe('invalid');
    writeFileSync(join(cwd, '.env'), `POSTGRES_PASSWORD=${PASSWORD}\nBROKEN="open\n`);
    const unparsable = await storeStatus({ cwd, schema: memuSchema, store });
    expect(unparsable.env).toBe('unparsable');
    expect(unparsable.keys.find((k) => k.key === 'POSTGRES_PASSWORD')?.state).toBe('equal');
    rmSync(join(cwd, '.env'));
    const missing = await storeStatus({ cwd, schema: memuSchema, store });
    expect(missing.env).toBe('missing');
    expect(missing.keys.map((k) => k.state)).toEqual(['absent', 'absent', 'keyring-only', 'absent']);
  });
});

describe('restoreEnv', () => {
  async function backedUp(extra: Record<string, string> = {}): Promise<{ cwd: string; store: MemoryStore; id: string }> {
    const p = project(extra);
    await backupSecrets({ cwd: p.cwd, schema: memuSchema, store: p.store });
    return p;
  }

  it('a valid env file that lacks a secret the keyring holds is refused (never a success that restores less)', async () => {
    const { cwd, store, id } = await backedUp();
    await store.set(id, 'OPENAI_API_KEY', OPENAI);
    const before = readFileSync(join(cwd, '.env'), 'utf8');
    const refused = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(refused.code).toBe('REFUSED');
    expect(refused.message).toBe('.env is valid but lacks OPENAI_API_KEY, which the keyring holds: nothing was restored');
    // The way out is a forced restore (the CLI names its flag for this reason).
    expect(refused).toMatchObject({ reason: 'env-incomplete', data: { kept: '.env.envkit-backup' }, hint: expect.stringContaining('forced restore') });
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe(before);
    const forced = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    expect(forced.keys.find((k) => k.key === 'OPENAI_API_KEY')?.source).toBe('keyring');
    expect(parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).get('OPENAI_API_KEY')).toBe(OPENAI);
  });

  it('gives back keyring entries that are not secrets of the schema, as variables of their own', async () => {
    const { cwd, store, id } = await backedUp();
    await store.set(id, 'OLD_SECRET', 'kept-in-the-keyring-1234');
    rmSync(join(cwd, '.env'));
    const result = await restoreEnv({ cwd, schema: memuSchema, store });
    expect(parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).get('OLD_SECRET')).toBe('kept-in-the-keyring-1234');
    expect(result.notes.map((n) => n.text).join(' ')).toContain('restored from the keyring (not variables of the memu schema): OLD_SECRET');
  });

  it('an entry another tool stored under a name that is no variable name is refused as such, nothing written', async () => {
    const { cwd, store, id } = await backedUp();
    store.entries.get(`envkit:${id}`)!.set('my key', 'kept-in-the-keyring-1234');
    rmSync(join(cwd, '.env'));
    const error = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('invalid variable name "my key" for the keyring');
    expectNoValues(error, 'kept-in-the-keyring-1234');
    expect(existsSync(join(cwd, '.env'))).toBe(false);
  });

  it('rebuilds a missing env file: secrets from the keyring, defaults, derived values; 0600', async () => {
    const { cwd, store } = await backedUp({ OPENAI_API_KEY: OPENAI });
    rmSync(join(cwd, '.env'));
    const result = await restoreEnv({ cwd, schema: memuSchema, store });
    expect(result.previous).toBe('missing');
    expect(result.file).toEqual({ path: join(cwd, '.env'), action: 'created' });
    expect(result.backup).toBeUndefined();
    expect(Object.fromEntries(result.keys.map((k) => [k.key, k.source]))).toEqual({
      OPENAI_API_KEY: 'keyring',
      OPENROUTER_API_KEY: 'empty',
      OPENROUTER_BASE_URL: 'default',
      OLLAMA_API_BASE_URL: 'default',
      POSTGRES_DB: 'default',
      POSTGRES_USER: 'default',
      POSTGRES_PASSWORD: 'keyring',
      MEMU_DB_URL: 'derived',
      MEMU_MEMORY_LIMIT: 'default',
      DB_MEMORY_LIMIT: 'default',
    });
    expect(result.notes).toEqual([]);
    const text = readFileSync(join(cwd, '.env'), 'utf8');
    const values = parseDocument(text).toObject();
    expect(values.POSTGRES_PASSWORD).toBe(PASSWORD);
    expect(values.MEMU_DB_URL).toBe(url(PASSWORD));
    expect(values.OPENAI_API_KEY).toBe(OPENAI);
    expect(values.POSTGRES_USER).toBe('memu_production_user');
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, '.env.envkit-lock'))).toBe(false);
    expectNoValues(result, PASSWORD, OPENAI);
    // The same layout init writes, so a restored project looks like a fresh one.
    expect(text).toContain('# --- Database ---');
  });

  it('treats an empty file as missing', async () => {
    const { cwd, store } = await backedUp();
    writeFileSync(join(cwd, '.env'), '\n');
    const result = await restoreEnv({ cwd, schema: memuSchema, store });
    expect(result.previous).toBe('empty');
    expect(result.backup).toBeUndefined();
    expect(parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).get('POSTGRES_PASSWORD')).toBe(PASSWORD);
  });

  it('a valid env file with every stored secret: nothing to restore (not a failure), untouched; --force replaces it, keeping a copy', async () => {
    const { cwd, store, id } = await backedUp();
    await store.set(id, 'POSTGRES_PASSWORD', OTHER_PASSWORD);
    const before = readFileSync(join(cwd, '.env'), 'utf8');
    const nothing = await restoreEnv({ cwd, schema: memuSchema, store });
    expect(nothing.upToDate).toBe(true);
    expect(nothing.file).toEqual({ path: join(cwd, '.env'), action: 'unchanged' });
    expect(nothing.notes.map((n) => n.text).join(' ')).toContain('the keyring holds other values of POSTGRES_PASSWORD');
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe(before);
    expectNoValues(nothing, PASSWORD, OTHER_PASSWORD);

    const result = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    expect(result.previous).toBe('valid');
    expect(result.backup).toBe(join(cwd, '.env.envkit-backup'));
    expect(readFileSync(join(cwd, '.env.envkit-backup'), 'utf8')).toBe(before);
    expect(statSync(join(cwd, '.env.envkit-backup')).mode & 0o777).toBe(0o600);
    const values = parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).toObject();
    expect(values.POSTGRES_PASSWORD).toBe(OTHER_PASSWORD);
    // The stored URL still has the old password: recomputed, and the note says which part differed.
    expect(values.MEMU_DB_URL).toBe(url(OTHER_PASSWORD));
    expect(result.notes.map((n) => n.text)).toEqual([
      'POSTGRES_PASSWORD: the keyring value replaces a different value of the old .env (kept in .env.envkit-backup)',
      'MEMU_DB_URL: recomputed from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; in the keyring copy the password does not match POSTGRES_PASSWORD',
    ]);
    expectNoValues(result, PASSWORD, OTHER_PASSWORD);
  });

  it('says a damaged file is damaged, restores it with force and keeps its good settings', async () => {
    const { cwd, store } = await backedUp();
    const damaged = `POSTGRES_USER=memu_admin\nPOSTGRES_PASSWORD=short\nMY_OWN_FLAG=on\nDB_MEMORY_LIMIT=lots\nBROKEN="open\n`;
    writeFileSync(join(cwd, '.env'), damaged);
    const refused = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(refused.code).toBe('REFUSED');
    expect(refused.message).toMatch(/^\.env exists but is damaged \(1 syntax error; invalid: .*POSTGRES_PASSWORD.*\): nothing was restored$/);
    expect(refused).toMatchObject({ reason: 'env-damaged', hint: expect.stringContaining('forced restore') });
    expect(refused.issues.some((i) => i.location?.startsWith('.env:5:'))).toBe(true);
    expectNoValues(refused, 'short', 'memu_admin');

    const result = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    expect(result.previous).toBe('damaged');
    expect(readFileSync(join(cwd, '.env.envkit-backup'), 'utf8')).toBe(damaged);
    const values = parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).toObject();
    expect(values.POSTGRES_PASSWORD).toBe(PASSWORD);
    expect(values.POSTGRES_USER).toBe('memu_admin'); // valid setting of the old file kept
    expect(values.DB_MEMORY_LIMIT).toBe('1g'); // invalid one replaced by the default
    expect(values.MEMU_DB_URL).toBe(url(PASSWORD, 'memu_admin'));
    expect(values.MY_OWN_FLAG).toBe('on');
    expect(result.keys.find((k) => k.key === 'POSTGRES_USER')?.source).toBe('file');
    expect(values.BROKEN).toBeUndefined();
    expect(result.notes.map((n) => n.text)).toEqual([
      // The URL stored at backup time named the default user; the kept user wins and the note says so.
      'MEMU_DB_URL: recomputed from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; in the keyring copy the user does not match POSTGRES_USER',
      'kept from the old .env (not in the schema): MY_OWN_FLAG',
      'not kept (only in .env.envkit-backup): BROKEN',
    ]);
  });

  it('a second forced restore keeps the first backup: the other copy gets a UTC timestamp, 0600, git-ignored', async () => {
    const { cwd, store } = await backedUp();
    const first = `POSTGRES_PASSWORD=short\nMY_NOTE=the original damaged file\n`;
    writeFileSync(join(cwd, '.env'), first);
    const one = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    expect(one.backup).toBe(join(cwd, '.env.envkit-backup'));
    expect(readFileSync(join(cwd, '.env.envkit-backup'), 'utf8')).toBe(first);

    const second = `POSTGRES_PASSWORD=short\nMY_NOTE=damaged again\n`;
    writeFileSync(join(cwd, '.env'), second);
    const refused = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(refused.hint).toMatch(/kept as \.env\.envkit-backup-<UTC time>/);
    const started = new Date();
    const two = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    // The first backup, the original damaged file, is untouched.
    expect(readFileSync(join(cwd, '.env.envkit-backup'), 'utf8')).toBe(first);
    expect(two.backup).toMatch(/\/\.env\.envkit-backup-\d{8}T\d{6}(\.\d{3})?Z$/);
    const stamp = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(two.backup!)!;
    const when = Date.UTC(Number(stamp[1]), Number(stamp[2]) - 1, Number(stamp[3]), Number(stamp[4]), Number(stamp[5]), Number(stamp[6]));
    expect(Math.abs(when - started.getTime())).toBeLessThan(5_000);
    expect(readFileSync(two.backup!, 'utf8')).toBe(second);
    expect(statSync(two.backup!).mode & 0o777).toBe(0o600);
    expect(two.notes.map((n) => n.text)).toContain(`kept from the old .env (not in the schema): MY_NOTE`);
    const name = two.backup!.slice(cwd.length + 1);
    expect(matchGitignore(syncGitignoreText(undefined, gitignoreRules('.env')).text, name).ignored).toBe(true);

    // The same content again is not copied twice.
    writeFileSync(join(cwd, '.env'), first);
    const three = await restoreEnv({ cwd, schema: memuSchema, store, force: true });
    expect(three.backup).toBe(join(cwd, '.env.envkit-backup'));
    expect(readFileSync(join(cwd, '.env.envkit-backup'), 'utf8')).toBe(first);
  });

  it('keeps the host of a stored URL, takes given settings, and refuses values for derived keys', async () => {
    const p = project();
    writeFileSync(join(p.cwd, '.env'), envText({ POSTGRES_USER: 'memu_admin', POSTGRES_PASSWORD: PASSWORD, MEMU_DB_URL: url(PASSWORD, 'memu_admin', '10.0.0.5') }));
    await backupSecrets({ cwd: p.cwd, schema: memuSchema, store: p.store });
    rmSync(join(p.cwd, '.env'));
    const result = await restoreEnv({ cwd: p.cwd, schema: memuSchema, store: p.store, values: { POSTGRES_USER: 'memu_admin' } });
    const values = parseDocument(readFileSync(join(p.cwd, '.env'), 'utf8')).toObject();
    expect(values.MEMU_DB_URL).toBe(url(PASSWORD, 'memu_admin', '10.0.0.5'));
    expect(result.keys.find((k) => k.key === 'POSTGRES_USER')?.source).toBe('given');
    expect(result.notes).toEqual([]);

    rmSync(join(p.cwd, '.env'));
    const noUser = await restoreEnv({ cwd: p.cwd, schema: memuSchema, store: p.store });
    // Without the user, the default user is written and the note names the part the stored URL disagrees on.
    expect(noUser.notes.map((n) => n.text)).toEqual([
      'MEMU_DB_URL: recomputed from POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; in the keyring copy the user does not match POSTGRES_USER',
    ]);

    rmSync(join(p.cwd, '.env'));
    expect((await rejection(restoreEnv({ cwd: p.cwd, schema: memuSchema, store: p.store, values: { MEMU_DB_URL: 'x' } }))).code).toBe('USAGE');
    expect((await rejection(restoreEnv({ cwd: p.cwd, schema: memuSchema, store: p.store, values: { NOPE: 'x' } }))).code).toBe('UNKNOWN_KEY');
    expect(existsSync(join(p.cwd, '.env'))).toBe(false);
  });

  it('fails clearly when the keyring holds nothing for the project, or not the required secret', async () => {
    const { cwd, store, id } = project();
    rmSync(join(cwd, '.env'));
    const nothing = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(nothing.code).toBe('KEYRING');
    expect(nothing.message).toBe(`nothing is stored in the OS keyring (memory) for project ${id} (service envkit:${id})`);
    // The way out is the project id that was used (the CLI names --project and ENVKIT_PROJECT for this reason).
    expect(nothing).toMatchObject({ reason: 'nothing-stored', hint: expect.stringContaining('if the project moved or the id was set, give that id') });

    await store.set(id, 'OPENAI_API_KEY', OPENAI);
    const partial = await rejection(restoreEnv({ cwd, schema: memuSchema, store }));
    expect(partial.code).toBe('VALIDATION');
    expect(partial.issues.find((i) => i.key === 'POSTGRES_PASSWORD')?.message).toBe(
      `POSTGRES_PASSWORD: is not stored in the keyring (envkit:${id}) and has no default`,
    );
    expect(existsSync(join(cwd, '.env'))).toBe(false);
    expectNoValues(partial, OPENAI);
  });

  it('plans without writing in a dry run, and notes an interrupted rotation', async () => {
    const { cwd, store } = await backedUp();
    rmSync(join(cwd, '.env'));
    writeFileSync(join(cwd, '.env.envkit-pending'), 'pending', { mode: 0o600 });
    const result = await restoreEnv({ cwd, schema: memuSchema, store, dryRun: true });
    expect(result.file.action).toBe('created');
    expect(existsSync(join(cwd, '.env'))).toBe(false);
    expect(result.notes.map((n) => n.text)).toEqual([
      'a rotation was interrupted (.env.envkit-pending exists): the restored file has the values from before it; run the same rotation again to finish it',
    ]);
  });

  it('waits for nobody: a held project lock is BUSY', async () => {
    const { cwd, store } = await backedUp();
    rmSync(join(cwd, '.env'));
    const { acquireLock } = await import('../../files/lock.js');
    const lock = acquireLock(join(cwd, '.env.envkit-lock'), { purpose: 'test' });
    try {
      expect((await rejection(restoreEnv({ cwd, schema: memuSchema, store }))).code).toBe('BUSY');
    } finally {
      lock.release();
    }
    expect(existsSync(join(cwd, '.env'))).toBe(false);
  });
});

describe('forgetSecrets', () => {
  it('deletes every entry of the project, history included, and leaves other projects alone', async () => {
    const { cwd, store, id } = project();
    await backupSecrets({ cwd, schema: memuSchema, store });
    await store.set(id, 'POSTGRES_PASSWORD', OTHER_PASSWORD);
    await store.set(id, 'LEGACY_TOKEN', 'x'.repeat(20));
    await store.set('someone-else', 'POSTGRES_PASSWORD', PASSWORD);
    const result = await forgetSecrets({ cwd, schema: memuSchema, store });
    expect(result.removed.sort()).toEqual(['LEGACY_TOKEN', 'MEMU_DB_URL', 'POSTGRES_PASSWORD']);
    expect(store.entries.has(`envkit:${id}`)).toBe(false);
    expect(await store.get('someone-else', 'POSTGRES_PASSWORD')).toBe(PASSWORD);
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toContain(PASSWORD);
  });

  it('a keyring that fails mid-way: the error says which keys were removed before it', async () => {
    const { cwd, store, id } = project();
    await backupSecrets({ cwd, schema: memuSchema, store });
    let deletes = 0;
    const dying: SecretStore = {
      backend: store.backend,
      get: (p, k) => store.get(p, k),
      set: (p, k, v) => store.set(p, k, v),
      delete: async (p, k) => {
        if (++deletes === 2) throw new EnvkitError('KEYRING', `OS keyring failed removing ${k}: the Secret Service went away while answering`, { reason: 'keyring-unusable' });
        return store.delete(p, k);
      },
      history: (p, k) => store.history(p, k),
    };
    const error = await rejection(forgetSecrets({ cwd, schema: memuSchema, store: dying, keys: ['POSTGRES_PASSWORD', 'MEMU_DB_URL'] }));
    expect(error.message).toBe('OS keyring failed removing MEMU_DB_URL: the Secret Service went away while answering; POSTGRES_PASSWORD was removed before that');
    expect(error.data.removedBefore).toEqual(['POSTGRES_PASSWORD']);
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBeUndefined();
    expect(await store.get(id, 'MEMU_DB_URL')).toBeDefined();
  });

  it('deletes only the named keys', async () => {
    const { cwd, store, id } = project();
    await backupSecrets({ cwd, schema: memuSchema, store });
    const result = await forgetSecrets({ cwd, schema: memuSchema, store, keys: ['MEMU_DB_URL', 'OPENAI_API_KEY'] });
    expect(result).toMatchObject({ removed: ['MEMU_DB_URL'], absent: ['OPENAI_API_KEY'] });
    expect(await store.get(id, 'POSTGRES_PASSWORD')).toBe(PASSWORD);
  });
});

describe('initProjectWithKeyring', () => {
  it('writes the env file, then stores the generated password', async () => {
    const cwd = tempDir();
    const store = new MemoryStore();
    const result = await initProjectWithKeyring({ cwd, schema: memuSchema, store, projectId: 'memu-test' });
    expect(result.created).toBe(true);
    const password = parseDocument(readFileSync(join(cwd, '.env'), 'utf8')).get('POSTGRES_PASSWORD');
    expect(password).toMatch(/^.{32,}$/);
    expect(await store.get('memu-test', 'POSTGRES_PASSWORD')).toBe(password);
    expect(result.keyring).toMatchObject({ status: 'stored', backup: { projectId: 'memu-test', service: 'envkit:memu-test', backend: 'memory' } });
    expectNoValues(result, password as string);
  });

  it('keeps the written env file and reports the error when the keyring fails; stores nothing in a dry run', async () => {
    const cwd = tempDir();
    const failing = new MemoryStore({ failWith: new EnvkitError('KEYRING', 'OS keyring failed writing: the keyring is locked') });
    const result = await initProjectWithKeyring({ cwd, schema: memuSchema, store: failing });
    expect(existsSync(join(cwd, '.env'))).toBe(true);
    expect(result.keyring.status === 'failed' ? result.keyring.error.code : undefined).toBe('KEYRING');

    const dry = tempDir();
    const store = new MemoryStore();
    const planned = await initProjectWithKeyring({ cwd: dry, schema: memuSchema, store, dryRun: true });
    expect(planned.keyring).toEqual({ status: 'off' });
    expect(store.entries.size).toBe(0);
  });

  it('leaves initProject as it was', () => {
    const cwd = tempDir();
    expect(initProject({ cwd, schema: memuSchema }).created).toBe(true);
  });
});
