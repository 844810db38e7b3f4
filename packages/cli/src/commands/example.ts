import { checkExample, syncExample, projectPaths } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { renderFiles } from '../render/summary.js';

/** `envkit example`: write .env.example from the schema; `--check` exits 1 on drift. */
export async function run(ctx: Context, flags: FlagsOf<'example'>): Promise<number> {
  const project = await ctx.project();
  const paths = projectPaths(project);
  if (flags.check) {
    const drift = checkExample(paths, project.schema);
    const ok = drift.exists && drift.inSync;
    if (ctx.json) ctx.printJson({ ok, ...drift });
    else if (ok) ctx.out('.env.example is up to date');
    else {
      ctx.out(`.env.example is ${drift.exists ? 'out of date' : 'missing'}`, true);
      if (drift.exists) {
        for (const d of drift.details) ctx.out(`  ${d.key} ${d.reason}`, true);
        for (const note of drift.notes) ctx.out(`  ${note}`, true);
      }
      ctx.out('  fix: run `envkit example`', true);
    }
    return ok ? 0 : 1;
  }
  // syncExample takes the project lock itself.
  const change = syncExample(paths, project.schema);
  if (ctx.json) ctx.printJson({ ok: true, file: change });
  else renderFiles(ctx, [change]);
  return 0;
}
