import type { EnvSchema } from '../schema/define.js';
import { renderExample, exampleDrift, type ExampleDrift } from '../files/example.js';
import { syncGitignoreText, gitignoreRules } from '../files/gitignore.js';
import { readTextFile, writeFileAtomic } from '../files/write-file.js';
import { basename } from 'node:path';
import { withLock } from '../files/lock.js';
import type { ProjectPaths } from './context.js';
import type { FileChange } from '../files/file-change.js';


/**
 * Write `.env.example` from the schema (ordinary mode 0644), under the project lock like every writer (so a
 * run that holds it may remove stale temps of this file). A dry run takes no lock.
 */
export function syncExample(paths: ProjectPaths, schema: EnvSchema, options: { dryRun?: boolean } = {}): FileChange {
  return options.dryRun ? writeExample(paths, schema, true) : withLock(paths.lock, 'example', () => writeExample(paths, schema, false));
}

/** {@link syncExample} for a caller that holds the project lock (init). */
export function writeExample(paths: ProjectPaths, schema: EnvSchema, dryRun: boolean): FileChange {
  return writeIfChanged(paths.example, renderExample(schema), 0o644, dryRun);
}

/** Compare `.env.example` on disk with what the schema renders. Missing file: every key is "added". */
export function checkExample(paths: ProjectPaths, schema: EnvSchema): ExampleDrift & { exists: boolean } {
  const text = readTextFile(paths.example);
  return { ...exampleDrift(schema, text ?? ''), exists: text !== undefined };
}

/**
 * Make sure `.gitignore` ignores the env file and envkit's own files and keeps the example visible, under
 * the project lock like every writer. A dry run takes no lock.
 */
export function syncGitignore(paths: ProjectPaths, options: { dryRun?: boolean } = {}): FileChange {
  return options.dryRun ? writeGitignore(paths, true) : withLock(paths.lock, 'gitignore', () => writeGitignore(paths, false));
}

/** {@link syncGitignore} for a caller that holds the project lock (init). */
export function writeGitignore(paths: ProjectPaths, dryRun: boolean): FileChange {
  const existing = readTextFile(paths.gitignore);
  const result = syncGitignoreText(existing, gitignoreRules(basename(paths.env)));
  const change = writeIfChanged(paths.gitignore, result.text, 0o644, dryRun, existing);
  return result.added.length > 0 ? { ...change, added: result.added } : change;
}

function writeIfChanged(path: string, text: string, mode: number, dryRun = false, existing = readTextFile(path)): FileChange {
  if (existing === text) return { path, action: 'unchanged' };
  if (!dryRun) writeFileAtomic(path, text, { mode });
  return { path, action: existing === undefined ? 'created' : 'updated' };
}
