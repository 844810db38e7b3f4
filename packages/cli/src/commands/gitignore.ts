import { assertProjectDir, syncGitignore, projectPaths } from 'envkit/project';
import { environmentNames, syncEnvironmentGitignore } from 'envkit/age';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { renderFiles } from '../render/summary.js';
import { commandIn, fixScope } from '../render/fix-scope.js';

/** `envkit gitignore`: add what must be ignored, keep every line; `--check` exits 1 if changes are needed. */
export async function run(ctx: Context, flags: FlagsOf<'gitignore'>): Promise<number> {
  assertProjectDir(ctx.cwd);
  const paths = projectPaths({ cwd: ctx.cwd, envFile: ctx.envFile });
  // Each sync takes the project lock itself.
  const sync = (dryRun: boolean) => {
    const change = syncGitignore(paths, { dryRun });
    // Encrypted environments (.env.NAME.age): their plaintext ignored, their committed files visible.
    if (environmentNames(ctx.cwd).length === 0) return change;
    const more = syncEnvironmentGitignore(ctx.cwd, [], { dryRun });
    // A dry run of the second sync reads the file without the first's lines: count each line once.
    const added = [...new Set([...(change.added ?? []), ...(more.added ?? [])])];
    return more.action === 'unchanged' ? change : { ...change, action: change.action === 'created' ? change.action : more.action, added };
  };
  const change = sync(flags.check === true);
  const needed = change.action !== 'unchanged';
  if (ctx.json) ctx.printJson({ ok: !(flags.check && needed), file: change });
  else if (flags.check) ctx.out(needed ? `.gitignore needs: ${(change.added ?? []).join(', ')} (run ${checkFix(ctx)})` : '.gitignore is up to date', needed);
  else renderFiles(ctx, [change]);
  return flags.check && needed ? 1 : 0;
}

/** The gitignore that adds the missing lines: of -f's file (and --schema), in the -C directory. */
function checkFix(ctx: Context): string {
  return commandIn('`envkit gitignore`', fixScope(ctx));
}
