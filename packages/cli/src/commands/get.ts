import { maskUrlCredentials } from 'envkit';
import { getValue } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { mask } from '../render/mask.js';
import { Exit } from '../exit-codes.js';

/**
 * `envkit get KEY`: the value; exit 1 when it has none. A secret is shown masked on a terminal; to a pipe or
 * a file it is printed only with --reveal, else nothing goes to stdout and the command exits 1 (docs/exit-codes.md).
 */
export async function run(ctx: Context, key: string, flags: FlagsOf<'get'>): Promise<number> {
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).getIn(ctx, key, flags);
  const project = await ctx.project();
  const result = getValue({ ...project, key, allowUnknown: flags.allowUnknown });
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
    // What works as written: `set` refuses a value that also lives elsewhere (the database password) without --force.
    const external = project.schema.vars[key]?.external !== undefined;
    const fix = external
      ? `bring it back from the keyring with \`envkit restore --force\` (a copy of the current file is kept), or \`envkit set --force ${key}=...\` with the value ${key} has where it also lives`
      : `set it with \`envkit set ${key}=...\``;
    // The commands name the file and the schema this get read (-f, --schema); loaded here, off get's fast path.
    const { fixScope, scopeCommands } = await import('../render/fix-scope.js');
    ctx.err(`  fix: ${scopeCommands(fix, fixScope({ ...ctx, environment: undefined }))}`);
    return 1;
  }
  if (result.secret && !flags.reveal && ctx.io.stdout.isTTY !== true) {
    // In `PW=$(envkit get POSTGRES_PASSWORD)` the mask would pass for the value: a pipe or a file gets nothing.
    ctx.err(`envkit: ${key} is a secret: not printed to a pipe or a file without --reveal (a masked value would pass for the real one)`);
    ctx.err(`  fix: \`envkit get ${key} --reveal\` prints it in clear; \`envkit get ${key}\` on a terminal shows it masked`);
    return Exit.Problems;
  }
  ctx.io.stdout.write(`${shown}\n`);
  if (masked && !result.secret) ctx.err(`note: the credentials in ${key}'s URL are masked; --reveal to show them`);
  return Exit.Ok;
}
