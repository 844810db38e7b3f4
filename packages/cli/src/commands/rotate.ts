import { rotateSecret } from 'envkit';
import type { Context } from '../context.js';
import { readStdinValue } from '../stdin.js';
import { renderKeys, renderFiles } from '../render/summary.js';

interface RotateFlags {
  stdin?: boolean;
  dryRun?: boolean;
}

/** `envkit rotate KEY`: new value, derived values recomputed, one atomic write; values never printed. */
export async function run(ctx: Context, key: string, flags: RotateFlags): Promise<number> {
  const project = await ctx.project();
  const value = flags.stdin ? await readStdinValue(ctx.io, key) : undefined;
  const result = rotateSecret({ ...project, key, value, dryRun: flags.dryRun });
  const databaseNote = `the live database still has the old password: this rotation changed ${project.envFile} only`;
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result, database: 'unchanged' });
    return 0;
  }
  ctx.out(ctx.style.bold(`envkit rotate ${key}${flags.dryRun ? ' (dry run, nothing written)' : ''}`));
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  if (key.startsWith('POSTGRES_')) ctx.err(`${ctx.style.yellow('note')}: ${databaseNote}.`);
  return 0;
}
