import { backupSecrets } from 'envkit/keyring';
import type { Context } from '../context.js';
import { withKeyring } from '../keyring-option.js';
import { keyringJson, keyringPlace, renderBackedUp } from '../render/keyring.js';
import { Exit } from '../exit-codes.js';
import { commandIn, fixScope } from '../render/fix-scope.js';

/** `envkit backup [KEY...]`: copy the secrets of .env into the OS keyring; names and places only. */
export async function run(ctx: Context, keys: string[], _flags: object): Promise<number> {
  const project = await ctx.project();
  const result = await withKeyring(ctx, (store, projectId) =>
    backupSecrets({ ...project, store, projectId, ...(keys.length > 0 ? { keys } : {}) }),
  );
  // A secret left out because its value fails the schema is a backup that did not happen: exit 1.
  const invalid = result.keys.filter((k) => k.action === 'skipped' && k.why === 'invalid').length;
  const code = invalid > 0 ? Exit.Problems : Exit.Ok;
  if (ctx.json) {
    ctx.printJson({ ok: invalid === 0, keyring: keyringJson(result) });
    return code;
  }
  ctx.out(`${ctx.style.bold('envkit backup')}  ${ctx.envFile} → ${keyringPlace(result)}`);
  renderBackedUp(ctx, result);
  const stored = result.keys.filter((k) => k.action === 'stored').length;
  const kept = result.keys.filter((k) => k.action === 'unchanged').length;
  const left = invalid > 0 ? `, ${invalid} not stored (invalid in ${ctx.envFile}: fix ${invalid === 1 ? 'it' : 'them'}, then back up again)` : '';
  // The restore of this file (another file is another project id), in the -C directory.
  const restore = commandIn('envkit restore', fixScope(ctx), ctx.style.cyan);
  ctx.out(`${stored} stored, ${kept} already there${left}. Rebuild a lost ${ctx.envFile} with ${restore}.`, invalid > 0);
  return code;
}
