import { lstatSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { findExecutable } from '../../database/compose-command.js';
import type { GitStatus } from '../git.js';
import { scanConfig } from './config.js';
import { discoverRepository } from './discover.js';
import { plainEnvironment } from './environment.js';
import { isIgnored, readPatterns, type IgnoreSources } from './exclude.js';
import { readIndexPaths } from './index-file.js';

/**
 * What `git ls-files`/`git check-ignore` would say about `file` (absolute, in `dir` or below it), read from
 * the repository's files — or `undefined`: not sure, ask git. It answers only the common case, an env file
 * that is not in the index of a plain repository (see discoverRepository, scanConfig, readIndexPaths,
 * readPatterns for what is plain); a file in the index (tracked, or added with `git add -N`) goes to git,
 * which alone tells whether the rules would also match it. Any error reading is an `undefined`. `git` is the
 * git on PATH (none: `undefined`), whose build chose where its system config file is.
 */
export function readGitStatus(dir: string, file: string, env: NodeJS.ProcessEnv = process.env, git = findExecutable('git', env)): GitStatus | undefined {
  if (git === undefined) return undefined;
  try {
    const ignored = readIgnored(dir, file, env, git);
    return ignored === undefined ? undefined : { available: true, inRepo: true, tracked: false, ignored };
  } catch {
    return undefined;
  }
}

function readIgnored(dir: string, file: string, env: NodeJS.ProcessEnv, git: string): boolean | undefined {
  if (process.platform === 'win32' || !isAbsolute(file) || resolve(file) !== file || relative(dir, file).startsWith('..')) return undefined;
  const user = plainEnvironment(env);
  const repo = user && discoverRepository(dir, env);
  if (!user || !repo) return undefined;
  const path = relative(repo.root, file);
  const parts = path.split('/');
  // Printable ASCII, where `ignore`'s characters are git's bytes; no component git treats specially.
  if (!/^[\x20-\x5b\x5d-\x7e]+$/.test(path) || parts.some((part) => part === '' || part === '.' || part === '..' || part === '.git')) return undefined;
  // The directories down to the file's are real directories (git will not look past a symlink) and hold no
  // repository of their own; the file is a regular file or missing (git lists nothing else as untracked).
  for (let depth = 1; depth < parts.length; depth++) {
    const directory = join(repo.root, ...parts.slice(0, depth));
    if (!lstatSync(directory).isDirectory() || lstatSync(join(directory, '.git'), { throwIfNoEntry: false })) return undefined;
  }
  const own = lstatSync(file, { throwIfNoEntry: false });
  if (own !== undefined && !own.isFile()) return undefined;

  const config = scanConfig(repo.gitDir, user, git);
  const indexed = readIndexPaths(repo.gitDir);
  const index = indexed && new Set(indexed);
  if (!config || !index || touchesIndex(index, parts)) return undefined;
  const sources: IgnoreSources = { perDirectory: [], files: [] };
  for (let depth = 0; depth < parts.length; depth++) {
    const gitignore = [...parts.slice(0, depth), '.gitignore'].join('/');
    const rules = readPatterns(join(repo.root, gitignore), true);
    // A `.gitignore` missing from the work tree but in the index may be read from the index (sparse checkout).
    if (rules === undefined || (rules === null && index.has(gitignore))) return undefined;
    sources.perDirectory.push(rules);
  }
  for (const excludes of [join(repo.gitDir, 'info', 'exclude'), config.excludesFile ?? join(user.xdgGit, 'ignore')]) {
    const rules = readPatterns(excludes, false);
    if (rules === undefined) return undefined;
    if (rules !== null) sources.files.push(rules);
  }
  return isIgnored(sources, path);
}

/**
 * Whether the index has the path (tracked), something below it (git would take it for a directory), or one
 * of its directories (a submodule, or a file where the work tree has a directory).
 */
function touchesIndex(indexed: Set<string>, parts: string[]): boolean {
  for (let depth = 1; depth <= parts.length; depth++) if (indexed.has(parts.slice(0, depth).join('/'))) return true;
  const below = `${parts.join('/')}/`;
  for (const path of indexed) if (path.startsWith(below)) return true;
  return false;
}
