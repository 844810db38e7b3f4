import { unsetKeysWithKeyring } from 'envkit/keyring';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { renderKeys, renderFiles, sayAbsent } from '../render/summary.js';
import { renderEdit } from '../render/keyring.js';
import { keyringMode, openKeyringFor } from '../keyring-option.js';
import { Exit } from '../exit-codes.js';

/**
 * `envkit unset KEY…`: remove variables, and a removed secret's keyring copy with it. A key that was not
 * there is said on stderr (also with --quiet) and makes the exit code 1, like `rm` of a missing file: a
 * mistyped name in a script must not pass for done (docs/exit-codes.md). The others are removed all the same.
 */
export async function run(ctx: Context, keys: string[], flags: FlagsOf<'unset'>): Promise<number> {
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).unsetIn(ctx, keys, flags);
  const project = await ctx.project();
  const mode = keyringMode(flags.keyring);
  const keyring = await openKeyringFor(ctx, mode, project.schema, keys);
  let result;
  try {
    result = await unsetKeysWithKeyring({
      ...project,
      keys,
      force: flags.force,
      ...(keyring?.status === 'open' ? { store: keyring.store, projectId: keyring.projectId } : {}),
    });
  } finally {
    if (keyring?.status === 'open') await keyring.store.close();
  }
  const absent = result.keys.filter((k) => k.action === 'missing').map((k) => k.key);
  const { keyring: copy, ...edited } = result;
  const code = renderEdit(ctx, { mode, keyring, copy, dryRun: false, edited: { ...edited, ...(absent.length > 0 ? { ok: false, absent } : {}) } }, () => {
    renderKeys(ctx, result.keys);
    renderFiles(ctx, [result.file]);
  });
  if (!ctx.json) sayAbsent(ctx, absent, keys, ctx.envFile);
  return code !== Exit.Ok ? code : absent.length > 0 ? Exit.Problems : Exit.Ok;
}
