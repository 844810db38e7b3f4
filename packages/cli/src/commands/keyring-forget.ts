import { EnvkitError } from 'envkit';
import { forgetSecrets } from 'envkit/keyring';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { projectIdFor, withKeyring } from '../keyring-option.js';
import { keyringPlace } from '../render/keyring.js';

/** `envkit keyring forget [KEY...] --yes`: delete the project's keyring entries and their history. */
export async function run(ctx: Context, keys: string[], flags: FlagsOf<'keyring forget'>): Promise<number> {
  const project = await ctx.project();
  const projectId = projectIdFor(ctx);
  if (!flags.yes) {
    throw new EnvkitError('USAGE', `keyring forget deletes ${keys.length > 0 ? keys.join(', ') : 'every entry'} of project ${projectId} (service envkit:${projectId}) and the history; this cannot be undone`, {
      hint: `run it again with --yes${existsSync(resolve(ctx.cwd, ctx.envFile)) ? '' : `; ${ctx.envFile} is missing, so the keyring may hold the only copy: \`envkit restore\` first`}`,
    });
  }
  const result = await withKeyring(ctx, (store, id) => forgetSecrets({ ...project, store, projectId: id, ...(keys.length > 0 ? { keys } : {}) }));
  if (ctx.json) {
    ctx.printJson({ ok: true, ...result });
    return 0;
  }
  ctx.out(`${ctx.style.bold('envkit keyring forget')}  ${keyringPlace(result)}`);
  ctx.out(result.removed.length > 0 ? `  removed: ${result.removed.join(', ')} (with their history)` : '  nothing was stored');
  if (keys.length > 0 && result.absent.length > 0) ctx.out(`  not stored: ${result.absent.join(', ')}`);
  return 0;
}
