import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gitignoreRules, syncGitignore, type GitignoreRules } from '../files/gitignore.js';
import { readTextFile, writeFileAtomic } from '../files/write-file.js';
import type { FileChange } from '../project/sync.js';

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
 * What `.gitignore` must say once a project has environments: every plaintext `.env.*` ignored (a
 * decrypted copy, a working file), and visible again the committed ones — `.env.example` and each
 * environment's `.env.<name>.age` and `.env.<name>.recipients`.
 */
export function environmentGitignoreRules(names: readonly string[]): GitignoreRules {
  const base = gitignoreRules('.env');
  return {
    ignore: [...base.ignore, '.env.*'],
    keep: [...base.keep, ...names.flatMap((n) => [`.env.${n}.age`, `.env.${n}.recipients`])],
  };
}

/** Make the project's `.gitignore` follow {@link environmentGitignoreRules} for its environments (plus `extra`). */
export function syncEnvironmentGitignore(dir: string, extra: readonly string[] = [], options: { dryRun?: boolean } = {}): FileChange {
  const path = join(resolve(dir), '.gitignore');
  const names = [...new Set([...environmentNames(dir), ...extra])].sort();
  const existing = readTextFile(path);
  const result = syncGitignore(existing, environmentGitignoreRules(names));
  if (!result.changed) return { path, action: 'unchanged' };
  if (!options.dryRun) writeFileAtomic(path, result.text, { mode: 0o644 });
  return { path, action: existing === undefined ? 'created' : 'updated', added: result.added };
}
