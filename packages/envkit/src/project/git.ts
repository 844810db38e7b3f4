import { spawnSync } from 'node:child_process';

/** What git says about one file. `undefined` fields: git is missing or the dir is not a work tree. */
export interface GitStatus {
  available: boolean;
  inRepo: boolean;
  ignored?: boolean;
  tracked?: boolean;
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string; missing: boolean } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: result.status, stdout: result.stdout ?? '', missing };
}

/** Ask git whether `file` (absolute) is ignored and whether it is tracked. Paths only reach argv, never values. */
export function gitFileStatus(dir: string, file: string): GitStatus {
  const top = git(dir, ['rev-parse', '--is-inside-work-tree']);
  if (top.missing) return { available: false, inRepo: false };
  if (top.status !== 0 || top.stdout.trim() !== 'true') return { available: true, inRepo: false };
  // --no-index: whether the rules ignore it, tracked or not. Without it a tracked file never counts as
  // ignored, and "run `envkit gitignore`" was suggested for a .gitignore that already had the rule.
  const ignored = git(dir, ['check-ignore', '-q', '--no-index', '--', file]).status === 0;
  const tracked = git(dir, ['ls-files', '--error-unmatch', '--', file]).status === 0;
  return { available: true, inRepo: true, ignored, tracked };
}
