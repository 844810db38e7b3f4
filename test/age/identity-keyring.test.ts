import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { envkit, type CliResult } from '../helpers/cli.js';
import { SECRET_SERVICE_INSTALL, hasSecretService, withSecretService, type SecretServiceHandle } from '../helpers/secret-service.js';
import { HAS_AGE, memuEnvText } from './support.js';

const enabled =
  process.platform === 'linux' && requireTool('age', HAS_AGE, 'apt-get install age') && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);

/** A project, an XDG config of its own, and the identity `envkit identity` made (in the keyring). */
async function start(keyring: SecretServiceHandle): Promise<{ dir: string; config: string; env: NodeJS.ProcessEnv; made: CliResult }> {
  const dir = testdir();
  const config = testdir();
  const env = { ...keyring.env, XDG_CONFIG_HOME: config };
  const made = await envkit(dir, ['identity'], { env, timeoutMs: 30_000 });
  expect(made.code, made.all).toBe(0);
  return { dir, config, env, made };
}

/** Environment production of `dir`: yourself as recipient, memuEnvText() encrypted. */
async function encryptProduction(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  expect((await envkit(dir, ['recipients', 'add', '--env', 'production'], { env, timeoutMs: 30_000 })).code).toBe(0);
  const source = join(testdir(), 's.env');
  writeFileSync(source, memuEnvText());
  expect((await envkit(dir, ['encrypt', '--env', 'production', '--from', source], { env, timeoutMs: 30_000 })).code).toBe(0);
}

describe.runIf(enabled)('envkit identity in the OS keyring (private gnome-keyring)', () => {
  it('creates the identity in the keyring (no file), shows the same recipient again, and decrypts with it', () =>
    withSecretService(async (keyring) => {
      const { dir, config, env, made } = await start(keyring);
      expect(made.stderr).toMatch(/created a new age X25519 identity, kept in the OS keyring \(secret-service, service envkit:identity\)/);
      expect(existsSync(join(config, 'envkit', 'identity.txt'))).toBe(false);
      // What secret-tool reads back (service envkit:identity, username AGE_SECRET_KEY) is the identity whose recipient envkit printed (age-keygen -y agrees).
      const stored = keyring.lookup('envkit:identity', 'AGE_SECRET_KEY') ?? '';
      expect(stored).toMatch(/^AGE-SECRET-KEY-1/);
      const keyFile = join(testdir(), 'k');
      writeFileSync(keyFile, `${stored}\n`);
      expect(spawnSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).stdout).toBe(made.stdout);
      expect(made.all).not.toContain(stored);
      const again = await envkit(dir, ['identity'], { env, timeoutMs: 30_000 });
      expect(again.stdout).toBe(made.stdout);
      await encryptProduction(dir, env);
      const got = await envkit(dir, ['get', 'POSTGRES_USER', '--env', 'production'], { env, timeoutMs: 30_000 });
      expect(got.stdout).toBe('memu_production_user\n');
    }),
  );

  it('identity --no-keyring with the identity in the keyring: copied into the file (same recipient), not replaced by a new one that could not decrypt', () =>
    withSecretService(async (keyring) => {
      const { dir, config, env, made } = await start(keyring);
      await encryptProduction(dir, env);
      const file = await envkit(dir, ['identity', '--no-keyring'], { env, timeoutMs: 30_000 });
      expect(file.code, file.all).toBe(0);
      expect(file.stdout).toBe(made.stdout);
      const path = join(config, 'envkit', 'identity.txt');
      expect(file.stderr).toContain(`your age identity, copied from the OS keyring (secret-service, service envkit:identity) into ${path} (mode 0600)`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(spawnSync('age-keygen', ['-y', path], { encoding: 'utf8' }).stdout).toBe(made.stdout);
      // The file is read first from now on: still the recipient of the environment.
      const got = await envkit(dir, ['get', 'POSTGRES_USER', '--env', 'production'], { env, timeoutMs: 30_000 });
      expect(got.stdout, got.all).toBe('memu_production_user\n');
      expect(spawnSync('age', ['-d', '-i', path, join(dir, '.env.production.age')], { encoding: 'utf8' }).stdout).toBe(memuEnvText());
    }),
  );

  it('a post-quantum identity in the keyring: refused, and the way it names (`envkit identity --no-keyring`) makes an X25519 one that is used from then on', () =>
    withSecretService(async (keyring) => {
      const dir = testdir();
      const config = testdir();
      const env = { ...keyring.env, XDG_CONFIG_HOME: config };
      keyring.secretTool(['store', '--label=envkit identity', 'service', 'envkit:identity', 'username', 'AGE_SECRET_KEY'], `AGE-SECRET-KEY-PQ-1${'Q'.repeat(60)}`);
      const refused = await envkit(dir, ['identity'], { env, timeoutMs: 30_000 });
      expect(refused.code, refused.all).toBe(3);
      expect(refused.stderr).toContain("keyring: a post-quantum hybrid identity: age 1.1.1 cannot use it; create an X25519 one with age-keygen or `envkit identity --no-keyring` (a file)");
      expect(refused.all).not.toContain('QQQQQQ');
      const made = await envkit(dir, ['identity', '--no-keyring'], { env, timeoutMs: 30_000 });
      expect(made.code, made.all).toBe(0);
      expect(made.stderr).toMatch(/created a new age X25519 identity, kept in .*identity\.txt/);
      const again = await envkit(dir, ['identity'], { env, timeoutMs: 30_000 });
      expect(again.code, again.all).toBe(0);
      expect(again.stdout).toBe(made.stdout);
    }),
  );
});
