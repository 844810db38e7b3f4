import type { EnvSchema } from '../schema/define.js';
import { renderExample, exampleDrift, type ExampleDrift } from '../files/example.js';
import { syncGitignore as syncGitignoreText, gitignoreRules } from '../files/gitignore.js';
import { readTextFile, writeFileAtomic } from '../files/write-file.js';
import { basename } from 'node:path';
import type { ProjectPaths } from './context.js';
import type { FileChange } from '../files/file-change.js';

export type { FileChange } from '../files/file-change.js';

/** Write `.env.example` from the schema (ordinary mode 0644). */
export function syncExample(paths: ProjectPaths, schema: EnvSchema, options: { dryRun?: boolean } = {}): FileChange {
  return writeIfChanged(paths.example, renderExample(schema), 0o644, options.dryRun);
}

/** Compare `.env.example` on disk with what the schema renders. Missing file: every key is "added". */
export function checkExample(paths: ProjectPaths, schema: EnvSchema): ExampleDrift & { exists: boolean } {
  const text = readTextFile(paths.example);
  return { ...exampleDrift(schema, text ?? ''), exists: text !== undefined };
}

/** Make sure `.gitignore` ignores the env file and envkit's own files and keeps the example visible. */
export function syncGitignore(paths: ProjectPaths, options: { dryRun?: boolean } = {}): FileChange {
  const existing = readTextFile(paths.gitignore);
  const result = syncGitignoreText(existing, gitignoreRules(basename(paths.env)));
  const change = writeIfChanged(paths.gitignore, result.text, 0o644, options.dryRun, existing);
  return result.added.length > 0 ? { ...change, added: result.added } : change;
}

function writeIfChanged(path: string, text: string, mode: number, dryRun = false, existing = readTextFile(path)): FileChange {
  if (existing === text) return { path, action: 'unchanged' };
  if (!dryRun) writeFileAtomic(path, text, { mode });
  return { path, action: existing === undefined ? 'created' : 'updated' };
}
