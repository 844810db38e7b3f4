import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

/** A work tree whose repository is the plain `.git` directory at its top. */
export interface Repository {
  root: string;
  gitDir: string;
}

/**
 * The repository git would find from `dir`, when finding it is plain: walking up from `dir` (a real path, as
 * git's getcwd() gives it) to the first `.git`, which is a directory that is a usable git directory owned by
 * this user, without crossing a filesystem boundary or passing a directory that is itself a git directory (a
 * bare repository, or `dir` inside `.git`). `undefined` for anything else, which git must answer: a `.git`
 * file (worktree, submodule) or symlink, a `.git` directory git would skip, safe.directory's ownership rule
 * (git-config(1) safe.directory), a mount point (GIT_DISCOVERY_ACROSS_FILESYSTEM in git(1)).
 */
export function discoverRepository(dir: string, env: NodeJS.ProcessEnv): Repository | undefined {
  const start = statOf(dir, statSync);
  if (!start?.isDirectory() || realpathSync.native(dir) !== dir) return undefined;
  for (let at = dir; ; ) {
    const dotGit = join(at, '.git');
    const found = statOf(dotGit, lstatSync);
    if (found === null) return undefined;
    if (found !== undefined) {
      if (!found.isDirectory() || !isGitDirectory(dotGit) || !ownedByUser([at, dotGit], env)) return undefined;
      return { root: at, gitDir: dotGit };
    }
    if (statOf(join(at, 'HEAD'), lstatSync) !== undefined) return undefined;
    const parent = dirname(at);
    if (parent === at || statOf(parent, statSync)?.dev !== start.dev) return undefined;
    at = parent;
  }
}

/** The stats of `path`; `undefined` when it does not exist, `null` when it cannot be told. */
function statOf(path: string, stat: typeof lstatSync): Stats | undefined | null {
  try {
    return stat(path, { throwIfNoEntry: false }) ?? undefined;
  } catch {
    return null;
  }
}

/**
 * What git's is_git_directory() asks of a `.git` directory (gitrepository-layout(5)): `HEAD` a symbolic ref
 * into refs/ or an object name, `objects/` and `refs/` directories. A `commondir` (the private directory of
 * a linked worktree) is left to git.
 */
function isGitDirectory(gitDir: string): boolean {
  if (statOf(join(gitDir, 'commondir'), lstatSync) !== undefined) return false;
  if (!statOf(join(gitDir, 'objects'), statSync)?.isDirectory() || !statOf(join(gitDir, 'refs'), statSync)?.isDirectory()) return false;
  const head = statOf(join(gitDir, 'HEAD'), lstatSync);
  if (!head?.isFile()) return false;
  try {
    return /^(ref: refs\/\S+|[0-9a-f]{40})\n?$/.test(readFileSync(join(gitDir, 'HEAD'), 'latin1'));
  } catch {
    return false;
  }
}

/**
 * Whether git ≥ 2.35.2 would use the repository without a safe.directory entry: the work tree and `.git`
 * owned by this user. Under sudo git takes SUDO_UID as the user; that is left to git.
 */
function ownedByUser(paths: string[], env: NodeJS.ProcessEnv): boolean {
  const uid = process.geteuid?.();
  if (uid === undefined || (uid === 0 && env.SUDO_UID !== undefined)) return false;
  return paths.every((path) => statOf(path, lstatSync)?.uid === uid);
}
