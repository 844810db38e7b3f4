import { getValue } from 'envkit';
import type { Context } from '../context.js';
import { mask } from '../render/mask.js';

/** `envkit get KEY`: the value (secrets masked unless --reveal); exit 1 when it has none. */
export async function run(ctx: Context, key: string, flags: { reveal?: boolean }): Promise<number> {
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).getIn(ctx, key, flags);
  const project = await ctx.project();
  const result = getValue({ ...project, key });
  const shown = result.value === undefined ? undefined : result.secret && !flags.reveal ? mask(result.value) : result.value;
  if (ctx.json) {
    ctx.printJson({ key, value: shown ?? null, masked: result.secret && !flags.reveal && result.value !== undefined, secret: result.secret, source: result.source });
    return result.value === undefined ? 1 : 0;
  }
  if (result.value === undefined) {
    ctx.err(`envkit: ${key} has no value in ${project.envFile} and no default`);
    ctx.err(`  fix: set it with \`envkit set ${key}=...\`${result.secret ? ` or \`envkit rotate ${key} --stdin\`` : ''}`);
    return 1;
  }
  ctx.io.stdout.write(`${shown}\n`);
  return 0;
}
