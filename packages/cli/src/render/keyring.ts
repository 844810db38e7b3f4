import type { BackupResult, KeyringTarget } from 'envkit';
import type { Context } from '../context.js';
import { keyWidth } from './summary.js';

/** `the OS keyring (secret-service) as envkit:<id>`: where a secret went, never what it is. */
export function keyringPlace(target: KeyringTarget): string {
  return `the OS keyring (${target.backend}) as ${target.service}`;
}

/**
 * One line per secret that was stored, already there, or skipped for a reason worth knowing
 * (an empty secret is not worth a line).
 */
export function renderBackedUp(ctx: Context, result: BackupResult): void {
  const shown = result.keys.filter((k) => k.action !== 'skipped' || !k.reason?.startsWith('empty'));
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
  return { status: 'stored', projectId: result.projectId, service: result.service, backend: result.backend, keys: result.keys };
}
