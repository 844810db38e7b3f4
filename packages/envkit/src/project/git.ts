import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findExecutable } from '../database/compose-command.js';
import { readGitStatus } from './git/status.js';

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

/**
 * Whether `file` (absolute) is ignored by git and whether it is tracked. Paths only reach argv, never values.
 *
 * `envkit check` runs this on every call, and starting git costs more than the rest of the check of the file
 * (docs/startup.md). So outside any repository no git runs at all, and in the common case — a plain `.git`
 * directory, the file not in the index, nothing in the environment or the config files that changes how git
 * reads them — the answer is read from the repository's files (`git/status.ts`: the index, the `.gitignore`
 * files, info/exclude and the global excludes file). Anything else, and anything that reader is not sure of,
 * goes to git: one `ls-files -t -c -o --exclude-standard` lists the file tagged `H` (or another letter) when
 * it is in the index, `?` when it is untracked and not ignored, and not at all when it is ignored — or when
 * it does not exist, the one case that needs `check-ignore` as well. A tracked file counts as not ignored, as
 * `git check-ignore` has it: ignore rules do not apply to it.
 */
export function gitFileStatus(dir: string, file: string): GitStatus {
  if (!mayBeInRepo(dir)) return { available: findExecutable('git') !== undefined, inRepo: false };
  const git = findExecutable('git');
  return (git !== undefined ? readGitStatus(dir, file, process.env, git) : undefined) ?? askGit(dir, file);
}

/** {@link gitFileStatus} from git itself, for a directory in which a `.git` was found. */
export function askGit(dir: string, file: string): GitStatus {
  const listed = git(dir, ['--literal-pathspecs', 'ls-files', '-z', '-t', '-c', '-o', '--exclude-standard', '--', file]);
  if (listed.missing) return { available: false, inRepo: false };
  // Not a work tree (inside .git, a repository git will not use, a path outside it): as before, no repository.
  if (listed.status !== 0) return { available: true, inRepo: false };
  const tag = listed.stdout.slice(0, listed.stdout.indexOf(' '));
  // A tracked file: whether the rules would ignore it is its own question (-i lists tracked files the
  // rules match), so that "run `git rm --cached`" and not "add the rule" is suggested when they do.
  if (tag !== '' && tag !== '?') {
    const ignoredTracked = git(dir, ['--literal-pathspecs', 'ls-files', '-z', '-c', '-i', '--exclude-standard', '--', file]);
    return { available: true, inRepo: true, tracked: true, ignored: ignoredTracked.status === 0 && ignoredTracked.stdout !== '' };
  }
  if (tag === '?') return { available: true, inRepo: true, tracked: false, ignored: false };
  const ignored = existsSync(file) || git(dir, ['check-ignore', '-q', '--', file]).status === 0;
  return { available: true, inRepo: true, tracked: false, ignored };
}

/**
 * Whether git could find a repository for `dir`: a `.git` (directory, or file of a worktree or submodule)
 * in it or above it, or GIT_DIR / GIT_WORK_TREE set. False means git would say "not a git repository".
 */
function mayBeInRepo(dir: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return true;
    if (dirname(at) === at) return false;
  }
}

