import { backupSecrets } from 'envkit/keyring';
import type { Context } from '../context.js';
import { withKeyring } from '../keyring-option.js';
import { keyringJson, keyringPlace, renderBackedUp } from '../render/keyring.js';

/** `envkit backup [KEY...]`: copy the secrets of .env into the OS keyring; names and places only. */
export async function run(ctx: Context, keys: string[], _flags: object): Promise<number> {
  const project = await ctx.project();
  const result = await withKeyring(ctx, (store, projectId) =>
    backupSecrets({ ...project, store, projectId, ...(keys.length > 0 ? { keys } : {}) }),
  );
  if (ctx.json) {
    ctx.printJson({ ok: true, keyring: keyringJson(result) });
    return 0;
  }
  ctx.out(`${ctx.style.bold('envkit backup')}  ${ctx.envFile} → ${keyringPlace(result)}`);
  renderBackedUp(ctx, result);
  const stored = result.keys.filter((k) => k.action === 'stored').length;
  const kept = result.keys.filter((k) => k.action === 'unchanged').length;
  ctx.out(`${stored} stored, ${kept} already there. Rebuild a lost ${ctx.envFile} with ${ctx.style.cyan('envkit restore')}.`);
  return 0;
}
