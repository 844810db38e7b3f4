import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * For the tests of a file that reads a repository as git does: HOME a fresh directory of its own (none of the
 * developer's ~/.gitconfig or global excludes), no XDG_CONFIG_HOME, and no GIT_* variable (GIT_DIR, GIT_CONFIG_*,
 * … send envkit's question to git itself), for the file's tests; the environment is restored after them.
 * Returns the HOME directory's path (valid once the tests run).
 */
export function isolatedGitUser(): () => string {
  const saved = new Map<string, string | undefined>();
  let home = '';
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'envkit-home-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('GIT_')) saved.set(name, process.env[name]);
    for (const name of ['HOME', 'XDG_CONFIG_HOME']) saved.set(name, process.env[name]);
    for (const name of saved.keys()) delete process.env[name];
    process.env.HOME = home;
  });
  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });
  return () => home;
}
