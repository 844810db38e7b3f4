import { decryptToFile } from 'envkit/age';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { identitiesFor, requireEnvironment } from '../age-options.js';
import { renderFiles } from '../render/summary.js';

/** `envkit decrypt --env NAME`: the environment written to the env file (0600, atomic) for compose to read. */
export async function run(ctx: Context, flags: FlagsOf<'decrypt'>): Promise<number> {
  const name = requireEnvironment(ctx, 'decrypt');
  const identities = await identitiesFor(ctx);
  const change = await decryptToFile({ cwd: ctx.cwd, name, envFile: ctx.envFile, identities: identities.map((i) => i.identity), force: flags.force });
  if (ctx.json) {
    ctx.printJson({ ok: true, environment: name, file: change });
    return 0;
  }
  renderFiles(ctx, [change]);
  return 0;
}
