import { unsetKeys } from 'envkit';
import type { Context } from '../context.js';
import { renderKeys, renderFiles } from '../render/summary.js';

/** `envkit unset KEY…`: remove variables; exit 1 if one was not there. */
export async function run(ctx: Context, keys: string[], flags: { force?: boolean }): Promise<number> {
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).unsetIn(ctx, keys, flags);
  const project = await ctx.project();
  const result = unsetKeys({ ...project, keys, force: flags.force });
  const absent = result.keys.some((k) => k.action === 'missing');
  if (ctx.json) {
    ctx.printJson({ ok: !absent, ...result });
  } else {
    renderKeys(ctx, result.keys);
    renderFiles(ctx, [result.file]);
  }
  return absent ? 1 : 0;
}
