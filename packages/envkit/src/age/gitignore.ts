import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gitignoreRules, syncGitignoreText, type GitignoreRules } from '../files/gitignore.js';
import { readTextFile, writeFileAtomic } from '../files/write-file.js';
import { withLock } from '../files/lock.js';
import { projectFiles } from '../files/names.js';
import type { FileChange } from '../files/file-change.js';

const ENVIRONMENT_FILE = /^\.env\.([A-Za-z0-9][A-Za-z0-9_-]*)\.(age|recipients)$/;

/** The environments of a project: every `<name>` with a `.env.<name>.age` or `.env.<name>.recipients`, sorted. */
export function environmentNames(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(resolve(dir));
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const file of names) {
    const m = ENVIRONMENT_FILE.exec(file);
    if (m && m[1] !== 'example' && !m[1]!.startsWith('envkit')) found.add(m[1] as string);
  }
  return [...found].sort();
}

/**
 * What `.gitignore` must say for a project's environments: the env file's own rules (`.env`, envkit's
 * working files, `.env.example` visible) and, per environment, its plaintext `.env.<name>` and every
 * working file beside it ignored, its committed `.env.<name>.age` and `.env.<name>.recipients` visible.
 * (Each name is listed: git's last-match rule makes a blanket `.env.*` plus exceptions fragile.)
 */
export function environmentGitignoreRules(names: readonly string[]): GitignoreRules {
  const base = gitignoreRules('.env');
  const ignore = [...base.ignore];
  const keep = [...base.keep];
  for (const name of names) {
    const own = gitignoreRules(`.env.${name}`);
    ignore.push(...own.ignore, `${own.ignore[0]}.age.envkit-*`, `${own.ignore[0]}.recipients.envkit-*`);
    keep.push(`.env.${name}.age`, `.env.${name}.recipients`);
  }
  return { ignore, keep };
}

/**
 * Make the project's `.gitignore` follow {@link environmentGitignoreRules} for its environments (plus
 * `extra`), under the project lock like every writer. A dry run takes no lock.
 */
export function syncEnvironmentGitignore(dir: string, extra: readonly string[] = [], options: { dryRun?: boolean } = {}): FileChange {
  if (options.dryRun) return writeEnvironmentGitignore(dir, extra, true);
  return withLock(projectFiles(join(resolve(dir), '.env')).lock, 'gitignore', () => writeEnvironmentGitignore(dir, extra, false));
}

function writeEnvironmentGitignore(dir: string, extra: readonly string[], dryRun: boolean): FileChange {
  const path = join(resolve(dir), '.gitignore');
  const names = [...new Set([...environmentNames(dir), ...extra])].sort();
  const existing = readTextFile(path);
  const result = syncGitignoreText(existing, environmentGitignoreRules(names));
  if (!result.changed) return { path, action: 'unchanged' };
  if (!dryRun) writeFileAtomic(path, result.text, { mode: 0o644 });
  return { path, action: existing === undefined ? 'created' : 'updated', added: result.added };
}
