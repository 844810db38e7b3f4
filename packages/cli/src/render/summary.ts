import { relative } from 'node:path';
import type { KeySummary, FileChange } from 'envkit/project';
import type { Context } from '../context.js';
import { withValueFix } from './value-fix.js';

const ACTION_TEXT: Record<KeySummary['action'], string> = {
  generated: 'generated',
  default: 'default',
  given: 'given',
  derived: 'derived',
  kept: 'kept',
  missing: 'missing',
  invalid: 'invalid',
  added: 'added',
  updated: 'updated',
  removed: 'removed',
};

/** The width of the widest key: a loop, as `Math.max(...keys)` overflows the call stack on a large file. */
export function keyWidth(keys: readonly { key: string }[]): number {
  let width = 0;
  for (const k of keys) if (k.key.length > width) width = k.key.length;
  return width;
}

/**
 * The same in a dry run: what would happen. `kept`, `missing` and `invalid` describe the file as it is, so
 * they read the same either way.
 */
const DRY_RUN_TEXT: Record<KeySummary['action'], string> = {
  generated: 'would be generated',
  default: 'would get its default',
  given: 'would be set',
  derived: 'would be derived',
  kept: 'kept',
  missing: 'missing',
  invalid: 'invalid',
  added: 'would be added',
  updated: 'would be updated',
  removed: 'would be removed',
};

/** `keys` with each reason in this CLI's words: a given value init did not use says how to change the kept one. */
export function wordKeys(keys: readonly KeySummary[]): KeySummary[] {
  return keys.map(({ reasonCode, fix, ...k }) => {
    if (reasonCode === 'given-unused') return { ...k, reason: `${k.reason ?? 'already set'} (change it with \`envkit set\` or \`envkit rotate\`)` };
    return fix === undefined || k.reason === undefined ? k : { ...k, reason: withValueFix(k.reason, k.key, fix) };
  });
}

const FILE_DRY_RUN_TEXT: Record<FileChange['action'], string> = { created: 'would be created', updated: 'would be updated', unchanged: 'unchanged' };

/**
 * Print what happened per key: the key, the action, and why, never a value. With `dryRun`, what would have
 * happened ("would be updated"): a dry run never reads as if it was done.
 */
export function renderKeys(ctx: Context, keys: readonly KeySummary[], dryRun = false): void {
  const width = keyWidth(keys);
  const words = dryRun ? DRY_RUN_TEXT : ACTION_TEXT;
  let column = 9;
  for (const k of keys) column = Math.max(column, words[k.action].length);
  const { style } = ctx;
  for (const k of keys) {
    const text = words[k.action].padEnd(column);
    const colored =
      k.action === 'invalid' ? style.red(text) : k.action === 'missing' ? style.yellow(text) : k.action === 'kept' ? style.dim(text) : style.green(text);
    const secret = k.secret ? style.dim(' secret') : '';
    ctx.out(`  ${k.key.padEnd(width)}  ${colored}${secret}${k.reason ? `  ${style.dim(k.reason)}` : ''}`);
  }
}

/** Print what happened per file; with `dryRun`, what would have happened. */
export function renderFiles(ctx: Context, files: readonly FileChange[], dryRun = false): void {
  for (const f of files) {
    const name = relative(ctx.cwd, f.path) || f.path;
    const extra = [
      f.modeFixed ? `mode ${octal(f.modeFixed.from)} → ${octal(f.modeFixed.to)}` : '',
      f.added?.length ? `${dryRun ? 'would add' : 'added'} ${f.added.join(' ')}` : '',
    ].filter(Boolean);
    ctx.out(`  ${name.padEnd(14)} ${dryRun ? FILE_DRY_RUN_TEXT[f.action] : f.action}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
}

/** `0644` */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The keys that were not in `where` (the env file, or `environment NAME`), on stderr: the reason for exit 1. */
export function sayAbsent(ctx: Context, absent: readonly string[], keys: readonly string[], where: string): void {
  if (absent.length === 0) return;
  ctx.err(`envkit: ${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} not in ${where}: nothing to remove${absent.length < keys.length ? ' (the others were removed)' : ''}`);
}
