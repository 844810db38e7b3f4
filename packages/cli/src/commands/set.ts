import { EnvkitError } from 'envkit';
import { setValuesWithKeyring } from 'envkit/keyring';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { parseAssignments } from '../assignments.js';
import { readStdinValue } from '../stdin.js';
import { renderKeys, renderFiles } from '../render/summary.js';
import { renderEdit } from '../render/keyring.js';
import { keyringMode, openKeyringFor } from '../keyring-option.js';

/**
 * `envkit set KEY=VALUE…` or `envkit set KEY --stdin`: validated, portable, derived values recomputed, one
 * atomic write; the keyring copy of a secret it changes is kept in step, as init and rotate do.
 */
export async function run(ctx: Context, items: string[], flags: FlagsOf<'set'>): Promise<number> {
  const values = flags.stdin ? await stdinAssignment(ctx, items) : parseAssignments(items, 'set');
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).setIn(ctx, values, flags);
  const project = await ctx.project();
  const mode = keyringMode(flags.keyring);
  // The keyring is asked only when a secret changes (setting MEMU_MEMORY_LIMIT never waits on D-Bus).
  // A dry run asks the keyring only with --keyring, where the real run would fail without one.
  const keyring = flags.dryRun && mode !== 'required' ? undefined : await openKeyringFor(ctx, mode, project.schema, Object.keys(values));
  let result;
  try {
    result = await setValuesWithKeyring({
      ...project,
      values,
      allowUnknown: flags.allowUnknown,
      force: flags.force,
      dryRun: flags.dryRun,
      ...(keyring?.status === 'open' ? { store: keyring.store, projectId: keyring.projectId } : {}),
    });
  } finally {
    if (keyring?.status === 'open') await keyring.store.close();
  }
  const { keyring: copy, ...edited } = result;
  return renderEdit(ctx, { mode, keyring, copy, dryRun: flags.dryRun === true, edited }, () => {
    if (flags.dryRun) ctx.out(ctx.style.bold('envkit set (dry run, nothing written)'));
    renderKeys(ctx, result.keys, flags.dryRun);
    renderFiles(ctx, [result.file], flags.dryRun);
  });
}

async function stdinAssignment(ctx: Context, items: string[]): Promise<Record<string, string>> {
  const [key] = items;
  if (items.length !== 1 || key === undefined || key.includes('=')) {
    // The name given first (never what follows its "="), when it is one; the value goes in through the pipe.
    const name = key?.split('=', 1)[0];
    const shown = name !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : 'KEY';
    throw new EnvkitError('USAGE', 'set --stdin takes exactly one KEY (no "=VALUE"): its value is read from standard input', {
      hint: `printf %s "$VALUE" | envkit set ${shown} --stdin`,
    });
  }
  return { [key]: await readStdinValue(ctx.io, key) };
}
