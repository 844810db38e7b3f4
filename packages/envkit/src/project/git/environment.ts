import { isAbsolute, join } from 'node:path';

/**
 * GIT_* variables that cannot change which repository, index, config or excludes git reads: editors, pagers,
 * identities, prompts and transport. Any other one set (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE,
 * GIT_CONFIG_GLOBAL, GIT_CEILING_DIRECTORIES, GIT_EXEC_PATH, …, and any name not listed here) means "ask git".
 */
const HARMLESS = /^GIT_(EDITOR|SEQUENCE_EDITOR|PAGER|SSH|SSH_COMMAND|SSH_VARIANT|(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|TERMINAL_PROMPT|ASKPASS|MERGE_AUTOEDIT|MERGE_VERBOSITY|SSL_[A-Z_]+|HTTP_[A-Z_]+|PS1_[A-Z_]+)$/;

/** Where git looks for the user's files, from HOME and XDG_CONFIG_HOME (git-config(1) FILES, gitignore(5)). */
export interface UserPaths {
  home: string;
  /** `$XDG_CONFIG_HOME/git` when that is set and not empty, else `~/.config/git`. */
  xdgGit: string;
}

/**
 * The user's paths when the environment leaves git's reading of the repository to the files alone,
 * `undefined` when a variable could change it (or HOME is unset or relative, where git's `~` is not plain).
 */
export function plainEnvironment(env: NodeJS.ProcessEnv): UserPaths | undefined {
  for (const name of Object.keys(env)) if (name.startsWith('GIT_') && !HARMLESS.test(name)) return undefined;
  const home = env.HOME;
  if (home === undefined || !isAbsolute(home)) return undefined;
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg !== undefined && xdg !== '' && !isAbsolute(xdg)) return undefined;
  return { home, xdgGit: xdg ? join(xdg, 'git') : join(home, '.config', 'git') };
}
