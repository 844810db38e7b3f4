import { describe, expect, it } from 'vitest';
import { requireTool } from './require.js';
import { SECRET_SERVICE_INSTALL, UPSTREAM_KEYRING_RACE, hasSecretService, startSecretService, withSecretService, type SecretServiceHandle } from './secret-service.js';

/*
 * withSecretService runs an attempt once more only when gnome-keyring died of its upstream race. The daemon
 * cannot be made to hit that race on demand, so these tests kill it with SIGTRAP (how the race ends) and
 * pass a pattern that takes that death for the race; the real pattern is checked against the daemon's own words.
 */

const enabled = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);
const SIGTRAP_DEATH = /signal SIGTRAP/;

async function crash(keyring: SecretServiceHandle): Promise<void> {
  process.kill(keyring.keyringPid!, 'SIGTRAP');
  const deadline = Date.now() + 5000;
  while (keyring.unexpectedExit() === undefined) {
    if (Date.now() > deadline) throw new Error('gnome-keyring-daemon outlived SIGTRAP');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.runIf(enabled)('withSecretService', () => {
  it('a daemon dead of the race: the attempt runs once more, against a new daemon, and its result counts', async () => {
    const pids: Array<number | undefined> = [];
    const result = await withSecretService(
      async (keyring) => {
        pids.push(keyring.keyringPid);
        if (pids.length === 1) {
          await crash(keyring);
          throw new Error('what the test saw of the crash');
        }
        return 'second';
      },
      {},
      SIGTRAP_DEATH,
    );
    expect(result).toBe('second');
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
  });

  it('the race twice: fails with how the daemon died', async () => {
    let attempts = 0;
    await expect(
      withSecretService(async (keyring) => {
        attempts += 1;
        await crash(keyring);
      }, {}, SIGTRAP_DEATH),
    ).rejects.toThrow(/exited on its own: code null, signal SIGTRAP/);
    expect(attempts).toBe(2);
  });

  it('a failure with the daemon alive is not run again: the failure is the result', async () => {
    let attempts = 0;
    await expect(
      withSecretService(async () => {
        attempts += 1;
        throw new Error('a real failure');
      }, {}, SIGTRAP_DEATH),
    ).rejects.toThrow('a real failure');
    expect(attempts).toBe(1);
  });

  it('a daemon dead some other way is not run again: the death is the result, the failure its cause', async () => {
    let attempts = 0;
    const failure = await withSecretService(async (keyring) => {
      attempts += 1;
      await crash(keyring);
      throw new Error('what the test saw');
    }).catch((error: unknown) => error as Error);
    expect(attempts).toBe(1);
    expect(failure.message).toMatch(/exited on its own: code null, signal SIGTRAP/);
    expect((failure.cause as Error).message).toBe('what the test saw');
  });

  it('called: true once the calls were made, false when aborted first, and a rejection (not a wait) when the bus goes away', async () => {
    const keyring = await startSecretService();
    try {
      const seen = keyring.called('OpenSession', { timeoutMs: 10_000, times: 2 });
      let settled = false;
      void seen.finally(() => (settled = true));
      // dbus-monitor needs a moment to attach: look up until two calls were seen.
      while (!settled) {
        keyring.lookup('envkit:called', 'KEY');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await seen).toBe(true);
      const stop = new AbortController();
      const aborted = keyring.called('OpenSession', { timeoutMs: 10_000, signal: stop.signal });
      stop.abort();
      expect(await aborted).toBe(false);
      const waiting = keyring.called('OpenSession', { timeoutMs: 60_000 }).catch((error: unknown) => error as Error);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await keyring.stop();
      expect(((await waiting) as Error).message).toMatch(/^dbus-monitor exited .* before 1 OpenSession calls$/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await keyring.stop();
    }
  });

  it('count: every call made between its start and done(), none missed, none from before or after', async () => {
    const keyring = await startSecretService();
    try {
      const one = await keyring.count('OpenSession');
      keyring.lookup('envkit:count', 'KEY');
      const single = await one.done();
      expect(single).toBeGreaterThan(0);
      keyring.lookup('envkit:count', 'KEY');
      const three = await keyring.count('OpenSession');
      for (let i = 0; i < 3; i += 1) keyring.lookup('envkit:count', 'KEY');
      const counted = await three.done();
      keyring.lookup('envkit:count', 'KEY');
      expect(counted).toBe(3 * single);
    } finally {
      await keyring.stop();
    }
  });

  it('restartKeyring: what was stored is there again, under a new daemon whose own death is still reported', async () => {
    const keyring = await startSecretService();
    try {
      keyring.secretTool(['store', '--label=restart check', 'service', 'envkit:restart', 'username', 'KEY'], 'kept');
      const before = keyring.keyringPid;
      await keyring.restartKeyring();
      expect(keyring.keyringPid).not.toBe(before);
      expect(keyring.unexpectedExit()).toBeUndefined();
      expect(keyring.lookup('envkit:restart', 'KEY')).toBe('kept');
      await crash(keyring);
      expect(keyring.unexpectedExit()).toMatch(new RegExp(`pid ${keyring.keyringPid}\\) exited on its own: code null, signal SIGTRAP`));
    } finally {
      await keyring.stop();
    }
  });

  it('the race pattern matches what gnome-keyring 42 prints when it hits the race (CI, 2026-12-06)', () => {
    const said = `gnome-keyring-daemon (pid 31739) exited on its own: code null, signal SIGTRAP; its stderr: ** (gnome-keyring-daemon:31739): CRITICAL **: 10:50:29.735: gkd_secret_service_get_pkcs11_session: assertion 'client' failed`;
    expect(UPSTREAM_KEYRING_RACE.test(said)).toBe(true);
    expect(UPSTREAM_KEYRING_RACE.test('gnome-keyring-daemon (pid 1) exited on its own: code null, signal SIGSEGV; its stderr: (nothing)')).toBe(false);
    // The assertion logged, then a death of another kind: not the race.
    expect(UPSTREAM_KEYRING_RACE.test(said.replace('signal SIGTRAP', 'signal SIGSEGV'))).toBe(false);
    expect(UPSTREAM_KEYRING_RACE.test(said.replace('code null, signal SIGTRAP', 'code 1, signal null'))).toBe(false);
  });
});
