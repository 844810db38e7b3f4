import { relative } from 'node:path';
import type { KeySummary, FileChange } from 'envkit';
import type { Context } from '../context.js';

const ACTION_TEXT: Record<KeySummary['action'], string> = {
  generated: 'generated',
  default: 'default',
  given: 'given',
  derived: 'derived',
  kept: 'kept',
  missing: 'missing',
  invalid: 'invalid',
  updated: 'updated',
  removed: 'removed',
};

/** The width of the widest key: a loop, as `Math.max(...keys)` overflows the call stack on a large file. */
export function keyWidth(keys: readonly { key: string }[]): number {
  let width = 0;
  for (const k of keys) if (k.key.length > width) width = k.key.length;
  return width;
}

/** Print what happened per key: the key, the action, and why, never a value. */
export function renderKeys(ctx: Context, keys: readonly KeySummary[]): void {
  const width = keyWidth(keys);
  const { style } = ctx;
  for (const k of keys) {
    const text = ACTION_TEXT[k.action].padEnd(9);
    const colored =
      k.action === 'invalid' ? style.red(text) : k.action === 'missing' ? style.yellow(text) : k.action === 'kept' ? style.dim(text) : style.green(text);
    const secret = k.secret ? style.dim(' secret') : '';
    ctx.out(`  ${k.key.padEnd(width)}  ${colored}${secret}${k.reason ? `  ${style.dim(k.reason)}` : ''}`);
  }
}

/** Print what happened per file. */
export function renderFiles(ctx: Context, files: readonly FileChange[]): void {
  for (const f of files) {
    const name = relative(ctx.cwd, f.path) || f.path;
    const extra = [
      f.modeFixed ? `mode ${octal(f.modeFixed.from)} → ${octal(f.modeFixed.to)}` : '',
      f.added?.length ? `added ${f.added.join(' ')}` : '',
    ].filter(Boolean);
    ctx.out(`  ${name.padEnd(14)} ${f.action}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
}

/** `0644` */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
