import { setValues, EnvkitError } from 'envkit';
import type { Context } from '../context.js';
import { parseAssignments } from '../assignments.js';
import { readStdinValue } from '../stdin.js';
import { renderKeys, renderFiles } from '../render/summary.js';

interface SetFlags {
  stdin?: boolean;
  allowUnknown?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

/** `envkit set KEY=VALUE…` or `envkit set KEY --stdin`: validated, portable, derived values recomputed, one atomic write. */
export async function run(ctx: Context, items: string[], flags: SetFlags): Promise<number> {
  const values = flags.stdin ? await stdinAssignment(ctx, items) : parseAssignments(items, 'set');
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).setIn(ctx, values, flags);
  const project = await ctx.project();
  const result = setValues({ ...project, values, allowUnknown: flags.allowUnknown, force: flags.force, dryRun: flags.dryRun });
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result });
    return 0;
  }
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  return 0;
}

async function stdinAssignment(ctx: Context, items: string[]): Promise<Record<string, string>> {
  const [key] = items;
  if (items.length !== 1 || key === undefined || key.includes('=')) {
    throw new EnvkitError('USAGE', 'set --stdin takes exactly one KEY (no "=VALUE"): its value is read from standard input', {
      hint: 'printf %s "$VALUE" | envkit set OPENAI_API_KEY --stdin',
    });
  }
  return { [key]: await readStdinValue(ctx.io, key) };
}
