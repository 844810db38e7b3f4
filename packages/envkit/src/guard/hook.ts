import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { EnvkitError } from '../errors.js';
import { writeFileAtomic } from '../files/write-file.js';
import { hooksDirectory, repositoryTop } from './git-objects.js';
import { shellWord } from '../text/shell-word.js';

/** The line that marks a pre-commit hook as envkit's (how `guard install` knows it is already there). */
export const HOOK_MARKER = '# envkit guard hook';
/** The name a hook that was there before gets; envkit's hook runs it first. */
export const CHAINED_HOOK = 'pre-commit.envkit-chained';

/** Options of {@link installGuardHook}. */
export interface InstallHookOptions {
  /** The project directory (inside the repository). */
  cwd: string;
  /** Arguments of `envkit` that run the guard for this project, e.g. `['guard', '--quiet']`. */
  args: readonly string[];
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
}

/** What {@link installGuardHook} did (or would do). */
export interface InstallHookResult {
  /** The hook file (absolute). */
  hook: string;
  /**
   * `installed`: there was no hook; `chained`: the hook that was there now runs first, from
   * {@link CHAINED_HOOK}; `updated`: envkit's hook was rewritten; `unchanged`: it was already as it should be.
   */
  action: 'installed' | 'chained' | 'updated' | 'unchanged';
  /** The previous hook's new path, for `chained` (and for `updated`/`unchanged` when one is chained). */
  chained?: string;
  /** The hooks directory comes from `core.hooksPath`. */
  hooksPath: boolean;
  /** The directory is husky's (`.husky/_`), which husky rewrites: use husky's own file instead. */
  husky: boolean;
}

/**
 * The hook script: run the hook that was there before (its failure stops the commit with its own exit
 * status), then `envkit guard` from the project's node_modules, the repository's, or PATH. A hook that
 * cannot find envkit fails the commit: a guard that silently does nothing would be worse.
 */
export function hookScript(projectDir: string, args: readonly string[]): string {
  const envkitArgs = [...(projectDir === '.' ? [] : ['-C', projectDir]), ...args].map(shellWord).join(' ');
  const local = projectDir === '.' ? '' : `\nelif [ -x ${shellWord(`${projectDir}/node_modules/.bin/envkit`)} ]; then envkit=${shellWord(`${projectDir}/node_modules/.bin/envkit`)}`;
  return `#!/bin/sh
${HOOK_MARKER}: stops a commit that would put a secret into git (written by \`envkit guard install\`).
# Skip it once with \`git commit --no-verify\`. A secret that was pushed must be rotated: see envkit's docs/guard.md.
hooks=$(dirname -- "$0")
if [ -x "$hooks/${CHAINED_HOOK}" ]; then
  "$hooks/${CHAINED_HOOK}" "$@" || exit $?
fi
if false; then :${local}
elif [ -x node_modules/.bin/envkit ]; then envkit=node_modules/.bin/envkit
elif command -v envkit >/dev/null 2>&1; then envkit=envkit
else
  echo "envkit guard: envkit is not installed here (npm install --save-dev @envkit/cli); git commit --no-verify skips the check" >&2
  exit 1
fi
exec "$envkit" ${envkitArgs}
`;
}

/**
 * Installs the guard as the repository's pre-commit hook (`envkit guard install`), in the directory git
 * runs hooks from: `core.hooksPath` when set, else `.git/hooks`. An existing hook is never overwritten: it
 * is renamed to {@link CHAINED_HOOK} and envkit's hook runs it first, keeping its exit status. Running it
 * again changes nothing. Throws REFUSED when a foreign hook and a chained one both exist (merge them by hand).
 *
 * @example
 * await installGuardHook({ cwd: '/srv/memu', args: ['guard', '--quiet'] }); // { action: 'installed', … }
 */
export async function installGuardHook(options: InstallHookOptions): Promise<InstallHookResult> {
  const top = await repositoryTop(options.cwd);
  const { dir, configured } = await hooksDirectory(top);
  const hook = join(dir, 'pre-commit');
  const chained = join(dir, CHAINED_HOOK);
  const projectDir = relative(top, options.cwd).split(sep).join('/') || '.';
  const script = hookScript(projectDir, options.args);
  const common = {
    hook,
    hooksPath: configured,
    husky: dir.split(sep).includes('.husky'),
  };
  const withChained = existsSync(chained) ? { chained } : {};
  const current = existsSync(hook) ? readFileSync(hook, 'utf8') : undefined;

  if (current !== undefined && current.includes(HOOK_MARKER)) {
    if (current === script) return { ...common, action: 'unchanged', ...withChained };
    if (!options.dryRun) writeFileAtomic(hook, script, { mode: 0o755 });
    return { ...common, action: 'updated', ...withChained };
  }
  if (current === undefined) {
    // core.hooksPath may name a directory that does not exist yet.
    if (!options.dryRun) mkdirSync(dir, { recursive: true });
    if (!options.dryRun) writeFileAtomic(hook, script, { mode: 0o755 });
    return { ...common, action: 'installed', ...withChained };
  }
  if (existsSync(chained)) {
    throw new EnvkitError('REFUSED', `${hook} is not envkit's, and ${CHAINED_HOOK} exists beside it: envkit will not overwrite either`, {
      hint: 'merge the two by hand (run one from the other), remove the one no longer wanted, then install the guard again',
      reason: 'hook-chained',
      path: hook,
    });
  }
  if (!options.dryRun) {
    renameSync(hook, chained);
    try {
      writeFileAtomic(hook, script, { mode: 0o755 });
    } catch (error) {
      renameSync(chained, hook);
      throw error;
    }
  }
  return { ...common, action: 'chained', chained };
}
