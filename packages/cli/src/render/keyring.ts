import type { BackupResult, KeyringCopy, KeyringTarget } from 'envkit/keyring';
import type { Context } from '../context.js';
import { Exit } from '../exit-codes.js';
import { copyMissed, keyringFailureJson, keyringWarning, serviceFor, type KeyringMode, type OpenedKeyring } from '../keyring-option.js';
import { keyWidth } from './summary.js';
import { withValueFix } from './value-fix.js';
import { hintOf } from './reasons.js';

/** `the OS keyring (secret-service) as envkit:<id>`: where a secret went, never what it is. */
export function keyringPlace(target: KeyringTarget): string {
  return `the OS keyring (${target.backend}) as ${target.service}`;
}

/**
 * One line per secret that was stored, already there, or skipped for a reason worth knowing
 * (an empty secret is not worth a line).
 */
export function renderBackedUp(ctx: Context, result: BackupResult): void {
  const shown = wordBackedUp(result.keys).filter((k) => k.action !== 'skipped' || k.why !== 'empty');
  const width = keyWidth(shown);
  const place = keyringPlace(result);
  for (const k of shown) {
    const text =
      k.action === 'stored'
        ? `${ctx.style.green('stored')} in ${place}${k.replaced ? ' (the previous value kept as history)' : ''}`
        : k.action === 'unchanged'
          ? `${ctx.style.dim('already')} in ${place}`
          : `${ctx.style.yellow('not stored')}: ${k.reason ?? ''}`;
    ctx.out(`  ${k.key.padEnd(width)}  ${text}`);
  }
}

/** The `keyring` section of a command's --json output. Names, counts and places only. */
export function keyringJson(result: BackupResult): Record<string, unknown> {
  return { status: 'stored', projectId: result.projectId, service: result.service, backend: result.backend, keys: wordBackedUp(result.keys) };
}

/** The keys of a backup with each skipped invalid one's fix in this CLI's words, inside its reason. */
export function wordBackedUp(keys: BackupResult['keys']): BackupResult['keys'] {
  return keys.map(({ issue, fix, ...k }) =>
    issue === undefined || fix === undefined || k.reason === undefined ? k : { ...k, reason: k.reason.replace(`(${issue})`, `(${withValueFix(issue, k.key, fix)})`) },
  );
}

/** What `set` or `unset` did, for {@link renderEdit}. */
export interface EditReport {
  mode: KeyringMode;
  /** The keyring as opened (undefined: no secret was touched, so it was not asked). */
  keyring: OpenedKeyring | undefined;
  copy: KeyringCopy;
  dryRun: boolean;
  /** The edit's result without its keyring part, for --json. */
  edited: object;
}

/**
 * Print an edit (its keys and file by `renderText`, then the keyring copy) and return the exit code: 3 when
 * `--keyring` was given and the keyring copy failed (the env file is written all the same, and says so).
 */
export function renderEdit(ctx: Context, report: EditReport, renderText: () => void): number {
  const { copy, keyring, mode, dryRun } = report;
  const failure = copy.status === 'failed' ? copy.error : keyring?.status === 'unavailable' ? keyring.error : undefined;
  const failed = failure !== undefined && mode === 'required';
  if (ctx.json) {
    const section =
      copy.status === 'stored'
        ? { status: 'updated', projectId: copy.backup.projectId, service: copy.backup.service, backend: copy.backup.backend, keys: wordBackedUp(copy.backup.keys), removed: copy.removed ?? [] }
        : failure
          ? keyringFailureJson(failed ? 'failed' : 'unavailable', failure)
          : { status: 'skipped', reason: dryRun ? 'dry run' : keyring === undefined ? 'no secret changed' : '--no-keyring' };
    ctx.printJson({ ok: !failed, dryRun, ...report.edited, keyring: section });
    return failed ? Exit.Environment : Exit.Ok;
  }
  renderText();
  if (copy.status === 'stored') {
    renderBackedUp(ctx, copy.backup);
    for (const key of copy.removed ?? []) ctx.out(`  ${key}  removed from ${keyringPlace(copy.backup)} too (with its history)`);
  } else if (dryRun && keyring?.status === 'open') {
    ctx.out(`  the keyring copy (${serviceFor(ctx)}) would be kept in step`);
  }
  if (failure && copy.status === 'failed') {
    ctx.err(`${failed ? 'envkit' : ctx.style.yellow('warning')}: ${failure.message}; ${copyMissed(ctx, failure)}`);
    const fix = failed ? hintOf(failure) : undefined;
    if (fix) ctx.err(`  fix: ${fix}`);
  } else if (failure && !ctx.quiet) {
    ctx.err(keyringWarning(ctx, failure));
  }
  return failed ? Exit.Environment : Exit.Ok;
}
