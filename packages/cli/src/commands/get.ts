import { getValue, maskUrlCredentials } from 'envkit';
import type { Context } from '../context.js';
import { mask } from '../render/mask.js';

/** `envkit get KEY`: the value (secrets masked unless --reveal); exit 1 when it has none. */
export async function run(ctx: Context, key: string, flags: { reveal?: boolean }): Promise<number> {
  const project = await ctx.project();
  const result = getValue({ ...project, key });
  // A non-secret URL can still carry a password (http://user:password@host): that part is masked too.
  const shown =
    result.value === undefined ? undefined : flags.reveal ? result.value : result.secret ? mask(result.value) : maskUrlCredentials(result.value);
  const masked = shown !== result.value;
  if (ctx.json) {
    ctx.printJson({ key, value: shown ?? null, masked, secret: result.secret, source: result.source });
    return result.value === undefined ? 1 : 0;
  }
  if (result.value === undefined) {
    ctx.err(`envkit: ${key} has no value in ${project.envFile} and no default`);
    ctx.err(`  fix: set it with \`envkit set ${key}=...\`${result.secret ? ` or \`envkit rotate ${key} --stdin\`` : ''}`);
    return 1;
  }
  ctx.io.stdout.write(`${shown}\n`);
  if (masked && !result.secret) ctx.err(`note: the credentials in ${key}'s URL are masked; --reveal to show them`);
  return 0;
}
