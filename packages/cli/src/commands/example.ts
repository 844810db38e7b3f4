import { checkExample, syncExample, projectPaths } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { relative } from 'node:path';
import { renderFiles } from '../render/summary.js';
import { fixLabel, fixScope, scopeCommands } from '../render/fix-scope.js';

/** `envkit example`: write .env.example from the schema; `--check` exits 1 on drift. */
export async function run(ctx: Context, flags: FlagsOf<'example'>): Promise<number> {
  const project = await ctx.project();
  const paths = projectPaths(project);
  if (flags.check) {
    const drift = checkExample(paths, project.schema);
    const ok = drift.exists && drift.inSync;
    // The example of -f's file (prod.env.example), and the command that writes that one, in the -C directory.
    const name = relative(ctx.cwd, paths.example) || paths.example;
    if (ctx.json) ctx.printJson({ ok, ...drift });
    else if (ok) ctx.out(`${name} is up to date`);
    else {
      ctx.out(`${name} is ${drift.exists ? 'out of date' : 'missing'}`, true);
      if (drift.exists) {
        for (const d of drift.details) ctx.out(`  ${d.key} ${d.reason}`, true);
        for (const note of drift.notes) ctx.out(`  ${note}`, true);
      }
      const scope = fixScope(ctx);
      ctx.out(`  ${fixLabel(scope)}: run ${scopeCommands('`envkit example`', scope)}`, true);
    }
    return ok ? 0 : 1;
  }
  // syncExample takes the project lock itself.
  const change = syncExample(paths, project.schema);
  if (ctx.json) ctx.printJson({ ok: true, file: change });
  else renderFiles(ctx, [change]);
  return 0;
}
