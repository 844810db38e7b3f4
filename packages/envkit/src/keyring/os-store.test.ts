import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { keyringStatus, openOsStore } from './os-store.js';
import type { OsSecretStore } from './os-store.js';
import { rejected } from '../../../../test/helpers/errors.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { hasSecretService, SECRET_SERVICE_INSTALL, startSecretService, startStuckBus, withSecretService } from '../../../../test/helpers/secret-service.js';
import type { SecretServiceHandle } from '../../../../test/helpers/secret-service.js';

const enabled =
  process.platform === 'linux' &&
  requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);

// Unique per run, so parallel runs and leftovers of a crashed run never meet.
const project = `envkit-test-${process.pid}-${randomBytes(4).toString('hex')}`;
const service = `envkit:${project}`;

/** The KEYRING error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<EnvkitError> {
  const error = await rejected(promise);
  expect(error.code).toBe('KEYRING');
  return error;
}

function report(label: string, ms: number): void {
  process.stderr.write(`[keyring] ${label}: ${ms.toFixed(0)} ms\n`);
}

describe.skipIf(!enabled)('OS store against a real gnome-keyring', () => {
  let keyring: SecretServiceHandle;
  let store: OsSecretStore;
  let reported = false;
  // A gnome-keyring and a store of their own for each test (withSecretService: once more when the daemon died
  // of its own race, which a daemon shared by the file would have turned into failures of every later test).
  const withStore = (body: () => Promise<void>) => () =>
    withSecretService(async (handle) => {
      keyring = handle;
      store = await openOsStore({ env: handle.env });
      if (!reported) report('probe (helper start + round trip)', store.probeMs);
      reported = true;
      try {
        await body();
      } finally {
        await store.close();
      }
    });

  it('uses the Secret Service, and lists nothing for a new project', withStore(async () => {
    expect(store.backend).toBe('secret-service');
    expect(await store.list?.(project)).toEqual([]);
    expect(await store.get(project, 'NOTHING')).toBeUndefined();
  }));

  it('writes what secret-tool reads (service envkit:<project>, username KEY)', withStore(async () => {
    const value = `pw-${randomBytes(12).toString('base64url')}`;
    await store.set(project, 'POSTGRES_PASSWORD', value);
    expect(keyring.lookup(service, 'POSTGRES_PASSWORD')).toBe(value);
    expect(await store.get(project, 'POSTGRES_PASSWORD')).toBe(value);
  }));

  it('reads what secret-tool wrote', withStore(async () => {
    const value = `sk-${randomBytes(12).toString('hex')}`;
    keyring.secretTool(['store', '--label=by secret-tool', 'service', service, 'username', 'OPENAI_API_KEY'], value);
    expect(await store.get(project, 'OPENAI_API_KEY')).toBe(value);
    expect(await store.list?.(project)).toContain('OPENAI_API_KEY');
  }));

  it('round-trips values with quotes, spaces, newlines and unicode', withStore(async () => {
    const value = `a "b" 'c' $d \\e\nf\tg ünï€ode 🔑`;
    await store.set(project, 'ODD_VALUE', value);
    expect(await store.get(project, 'ODD_VALUE')).toBe(value);
    expect(keyring.lookup(service, 'ODD_VALUE')).toBe(value);
  }));

  it('keeps previous values newest first, at most 5, in KEY@history', withStore(async () => {
    for (let i = 1; i <= 7; i++) await store.set(project, 'ROTATED', `value-${i}`);
    expect(await store.get(project, 'ROTATED')).toBe('value-7');
    expect(await store.history(project, 'ROTATED')).toEqual(['value-6', 'value-5', 'value-4', 'value-3', 'value-2']);
    expect(JSON.parse(keyring.lookup(service, 'ROTATED@history') ?? 'null')).toEqual([
      'value-6',
      'value-5',
      'value-4',
      'value-3',
      'value-2',
    ]);
    expect(await store.list?.(project)).not.toContain('ROTATED@history');
  }));

  it('a snapshot reads every key of the project with its value and history in one listing', withStore(async () => {
    await store.set(project, 'A_KEY', 'first');
    await store.set(project, 'A_KEY', 'second');
    keyring.secretTool(['store', '--label=by secret-tool', 'service', service, 'username', 'B_KEY'], 'line one\nünï€ode');
    keyring.secretTool(['store', '--label=elsewhere', 'service', `${service}-other`, 'username', 'C_KEY'], 'not this project');
    const snapshot = await store.snapshot!(project);
    expect(Object.fromEntries(snapshot)).toEqual({
      A_KEY: { value: 'second', history: ['first'] },
      B_KEY: { value: 'line one\nünï€ode', history: [] },
    });
  }));

  it('a snapshot takes the value get reads when another tool left a second item with the same account', withStore(async () => {
    await store.set(project, 'TWICE', 'by-envkit');
    // A second item for the account: same service and username, one attribute more (a tool of its own).
    keyring.secretTool(['store', '--label=another tool', 'service', service, 'username', 'TWICE', 'tool', 'other'], 'by-another-tool');
    // Which of the two the Secret Service lists first is its own choice; get and the snapshot agree on it.
    const got = await store.get(project, 'TWICE');
    expect(['by-envkit', 'by-another-tool']).toContain(got);
    expect((await store.snapshot!(project)).get('TWICE')?.value).toBe(got);
  }));

  it('deletes a key with its history, and says false the second time', withStore(async () => {
    await store.set(project, 'GONE', 'one');
    await store.set(project, 'GONE', 'two');
    expect(await store.delete(project, 'GONE')).toBe(true);
    expect(keyring.lookup(service, 'GONE')).toBeUndefined();
    expect(keyring.lookup(service, 'GONE@history')).toBeUndefined();
    expect(await store.delete(project, 'GONE')).toBe(false);
  }));

  it('never puts a value in any process argv', withStore(async () => {
    const value = `argv-probe-${randomBytes(16).toString('hex')}`;
    await store.set(project, 'ARGV_CHECK', value);
    const seen = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(value);
        } catch {
          return false;
        }
      });
    expect(seen).toEqual([]);
    await store.delete(project, 'ARGV_CHECK');
  }));

  it('reports status with the backend', withStore(async () => {
    const status = await keyringStatus({ env: keyring.env });
    expect(status).toMatchObject({ available: true, backend: 'secret-service' });
    report('keyringStatus', status.probeMs);
  }));

  it('measures operation cost', withStore(async () => {
    let started = performance.now();
    await store.set(project, 'TIMED', 'x1');
    report('set (first value)', performance.now() - started);
    started = performance.now();
    await store.set(project, 'TIMED', 'x2');
    report('set (with history)', performance.now() - started);
    started = performance.now();
    await store.get(project, 'TIMED');
    report('get', performance.now() - started);
    await store.delete(project, 'TIMED');
  }));

  it('cleans up the probe entry', withStore(async () => {
    const items = keyring.secretTool(['search', '--all', 'username', 'probe']);
    expect(items).not.toMatch(/envkit-probe:/);
  }));
});

describe.skipIf(!enabled)('OS store failures: one clear KEYRING error, in bounded time', () => {
  it('no bus address at all: fails at once, without starting anything', async () => {
    const env = { PATH: process.env.PATH };
    const started = performance.now();
    const error = await failure(openOsStore({ env }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(error.message).toBe('OS keyring unavailable: no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set');
    expect(error.hint).toMatch(/dbus-run-session/);
    expect(error.hint).toMatch(/; or do without the keyring$/);
    expect(error.reason).toBe('keyring-unusable');
    expect(await keyringStatus({ env })).toMatchObject({ available: false, problem: 'no-bus' });
  });

  it('a socket path that does not exist: fails at once, naming it', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/envkit-bus' };
    const error = await failure(openOsStore({ env }));
    expect(error.message).toMatch(/no D-Bus session bus: the socket \/nonexistent\/envkit-bus .* does not exist/);
  });

  it('an abstract socket nobody listens on: the probe says no bus', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: `unix:abstract=/envkit-none-${randomBytes(6).toString('hex')}` };
    const started = performance.now();
    const status = await keyringStatus({ env });
    report('no bus (abstract socket, through the probe)', performance.now() - started);
    expect(status).toMatchObject({ available: false, problem: 'no-bus' });
  });

  it('a bus that accepts and never answers: stuck, within the probe timeout', async () => {
    const stuck = await startStuckBus();
    try {
      const started = performance.now();
      const error = await failure(openOsStore({ env: stuck.env, probeTimeoutMs: 1500 }));
      const elapsed = performance.now() - started;
      report('stuck bus (probeTimeoutMs 1500)', elapsed);
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(4000);
      expect(error.message).toContain('did not answer within 1500 ms');
      expect(error.message).toContain(stuck.address);
      expect(error.hint).toMatch(/stale DBUS_SESSION_BUS_ADDRESS/);
    } finally {
      await stuck.stop();
    }
  });

  describe('a bus without a Secret Service', () => {
    let bare: SecretServiceHandle;
    beforeAll(async () => {
      bare = await startSecretService({ keyring: 'none' });
    });
    afterAll(async () => bare?.stop());

    it('is refused with no-service, not silently stored in keyutils', async () => {
      const started = performance.now();
      const error = await failure(openOsStore({ env: bare.env }));
      report('no Secret Service', performance.now() - started);
      expect(error.message).toMatch(/no Secret Service answers on the D-Bus session bus/);
      expect(error.hint).toMatch(/gnome-keyring-daemon --start/);
      expect(await keyringStatus({ env: bare.env })).toMatchObject({ available: false, problem: 'no-service' });
    });

    it('with allowKeyutils falls back to keyutils, or says keyutils refused', async () => {
      const status = await keyringStatus({ env: bare.env, allowKeyutils: true });
      // Containers (and this CI's VM) refuse keyutils; a plain host accepts it. Both are answers, not hangs.
      if (status.available) expect(status.backend).toBe('keyutils');
      else expect(status).toMatchObject({ problem: 'denied', reason: expect.stringMatching(/keyutils store refused/) });
    });
  });

  describe('a Secret Service with no keyring yet', () => {
    let empty: SecretServiceHandle;
    beforeAll(async () => {
      empty = await startSecretService({ keyring: 'empty' });
    });
    afterAll(async () => empty?.stop());

    it('says there is no default keyring and how to create one', async () => {
      const error = await failure(openOsStore({ env: empty.env }));
      expect(error.message).toMatch(/no default keyring/);
      expect(error.hint).toMatch(/--unlock/);
    });
  });

  describe('a locked keyring', () => {
    let locked: SecretServiceHandle;
    beforeAll(async () => {
      locked = await startSecretService({ keyring: 'locked' });
    });
    afterAll(async () => locked?.stop());

    it('says locked and how to unlock, within bounded time', async () => {
      const started = performance.now();
      const error = await failure(openOsStore({ env: locked.env }));
      report('locked keyring', performance.now() - started);
      expect(performance.now() - started).toBeLessThan(3500);
      expect(error.message).toMatch(/the keyring is locked/);
      expect(error.hint).toMatch(/unlock/);
    });
  });

  describe('a keyring that changes under an open store', () => {
    let live: SecretServiceHandle;
    let store: OsSecretStore;
    const secret = `never-in-errors-${randomBytes(8).toString('hex')}`;
    beforeAll(async () => {
      live = await startSecretService();
      store = await openOsStore({ env: live.env });
      await store.set(project, 'KEPT', secret);
    });
    afterAll(async () => {
      await store?.close();
      await live?.stop();
    });

    it('locked after opening: reads and writes fail with locked, never with the value', async () => {
      await live.lock();
      const read = await failure(store.get(project, 'KEPT'));
      expect(read.message).toMatch(/failed reading KEPT .*the keyring is locked/);
      const write = await failure(store.set(project, 'OTHER', secret));
      expect(write.message).toMatch(/the keyring is locked/);
      for (const error of [read, write]) {
        expect(error.message).not.toContain(secret);
        expect(error.hint ?? '').not.toContain(secret);
      }
    });

    it('Secret Service gone after opening: a write is refused, not diverted to keyutils', async () => {
      await live.stopKeyring();
      const error = await failure(store.set(project, 'DIVERTED', secret));
      expect(error.message).toMatch(/no Secret Service/);
      expect(error.message).not.toContain(secret);
    });

    it('closed: operations reject at once with USAGE', async () => {
      await store.close();
      const started = performance.now();
      const error = await store.get(project, 'KEPT').catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(100);
      expect(isEnvkitError(error, 'USAGE')).toBe(true);
    });
  });
});
