import { setValues } from 'envkit';
import type { Context } from '../context.js';
import { parseAssignments } from '../assignments.js';
import { renderKeys, renderFiles } from '../render/summary.js';

/** `envkit set KEY=VALUE…`: validated, portable, derived values recomputed, one atomic write. */
export async function run(ctx: Context, items: string[], flags: { allowUnknown?: boolean; dryRun?: boolean }): Promise<number> {
  const project = await ctx.project();
  const values = parseAssignments(items, 'set');
  const result = setValues({ ...project, values, allowUnknown: flags.allowUnknown, dryRun: flags.dryRun });
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result });
    return 0;
  }
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  return 0;
}
