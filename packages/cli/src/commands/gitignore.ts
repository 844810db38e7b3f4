import { assertProjectDir, syncGitignore, projectPaths, withLock } from 'envkit';
import type { Context } from '../context.js';
import { renderFiles } from '../render/summary.js';

/** `envkit gitignore`: add what must be ignored, keep every line; `--check` exits 1 if changes are needed. */
export async function run(ctx: Context, flags: { check?: boolean }): Promise<number> {
  assertProjectDir(ctx.cwd);
  const paths = projectPaths({ cwd: ctx.cwd, envFile: ctx.envFile });
  // Under the project lock like every writer, so a run that holds it may remove stale temps of this file.
  const change = flags.check ? syncGitignore(paths, { dryRun: true }) : withLock(paths.lock, 'gitignore', () => syncGitignore(paths));
  const needed = change.action !== 'unchanged';
  if (ctx.json) ctx.printJson({ ok: !(flags.check && needed), file: change });
  else if (flags.check) ctx.out(needed ? `.gitignore needs: ${(change.added ?? []).join(', ')} (run \`envkit gitignore\`)` : '.gitignore is up to date', needed);
  else renderFiles(ctx, [change]);
  return flags.check && needed ? 1 : 0;
}
