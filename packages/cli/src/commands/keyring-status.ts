import { storeStatus, type SecretState } from 'envkit/keyring';
import type { Context } from '../context.js';
import { Exit } from '../exit-codes.js';
import { keyWidth } from '../render/summary.js';
import { keyringNeeded, openKeyring } from '../keyring-option.js';
import { keyringPlace } from '../render/keyring.js';
import { hintOf } from '../render/reasons.js';
import { commandIn, fixScope } from '../render/fix-scope.js';

const STATE_TEXT: Record<SecretState, string> = {
  equal: 'stored, same as .env',
  different: 'stored, DIFFERS from .env',
  'not-stored': 'not stored (only in .env)',
  'keyring-only': 'stored (no value in .env)',
  absent: 'not stored, no value in .env',
};

/**
 * `envkit keyring status`: backend, reachable, and per secret whether the keyring has it and whether it equals
 * .env, never a value. Exit 3 when the keyring cannot be reached.
 */
export async function run(ctx: Context, _flags: object): Promise<number> {
  const project = await ctx.project();
  const opened = await openKeyring(ctx, 'auto');
  const service = `envkit:${opened.projectId}`;
  if (opened.status !== 'open') {
    const error = opened.status === 'unavailable' ? keyringNeeded(opened.error) : undefined;
    if (ctx.json) {
      ctx.printJson({ ok: false, reachable: false, projectId: opened.projectId, service, message: error?.message, hint: error && hintOf(error) });
    } else {
      ctx.out(`${ctx.style.bold('envkit keyring status')}  project ${opened.projectId}`, true);
      ctx.out(`  reachable  ${ctx.style.red('no')}: ${error?.message ?? 'not opened'}`, true);
      const fix = error && hintOf(error);
      if (fix) ctx.out(`  fix        ${fix}`, true);
    }
    return Exit.Environment;
  }
  let status;
  try {
    status = await storeStatus({ ...project, store: opened.store, projectId: opened.projectId });
  } finally {
    await opened.store.close();
  }
  if (ctx.json) {
    ctx.printJson({ ok: true, reachable: true, probeMs: Math.round(opened.store.probeMs), ...status });
    return 0;
  }
  const { style } = ctx;
  ctx.out(`${style.bold('envkit keyring status')}  project ${status.projectId}`);
  ctx.out(`  backend    ${status.backend}`);
  ctx.out(`  reachable  ${style.green('yes')} (probe ${Math.round(opened.store.probeMs)} ms)`);
  ctx.out(`  entries    ${keyringPlace(status)}`);
  ctx.out(`  ${ctx.envFile.padEnd(9)}  ${status.env}`);
  ctx.out();
  const width = keyWidth(status.keys);
  for (const k of status.keys) {
    const text = STATE_TEXT[k.state].replace('.env', ctx.envFile);
    const colored = k.state === 'equal' || k.state === 'keyring-only' ? style.green(text) : k.state === 'absent' ? style.dim(text) : style.yellow(text);
    const history = k.history === undefined ? style.red(', history unreadable') : k.history > 0 ? style.dim(`, ${k.history} previous`) : '';
    const invalid = k.invalid ? style.yellow(`, invalid in ${ctx.envFile}`) : '';
    ctx.out(`  ${k.key.padEnd(width)}  ${colored}${invalid}${history}`);
  }
  if (status.other.length > 0) ctx.out(`  also stored (not secrets of the schema): ${status.other.join(', ')}`);
  // backup stores only values that pass the schema: for an invalid one the keyring copy may be the good one.
  const behind = status.keys.filter((k) => (k.state === 'different' || k.state === 'not-stored') && !k.invalid).map((k) => k.key);
  // The commands for this file and schema (-f, --schema: another file is another project id), in the -C directory.
  const scope = fixScope(ctx);
  const command = (text: string) => commandIn(text, scope, style.cyan);
  if (behind.length > 0) ctx.out(`Copy ${ctx.envFile} into the keyring with ${command('envkit backup')} (${behind.join(', ')}).`);
  const damaged = status.keys.filter((k) => k.invalid).map((k) => k.key);
  if (damaged.length > 0) {
    const stored = status.keys.some((k) => k.invalid && k.state === 'different');
    ctx.out(
      `${damaged.join(', ')} ${damaged.length === 1 ? 'is' : 'are'} invalid in ${ctx.envFile}: ${stored ? `bring the keyring's values back with ${command('envkit restore --force')} (a copy of the file is kept), or ` : ''}fix ${damaged.length === 1 ? 'it' : 'them'} as ${command('envkit check')} says.`,
    );
  }
  if (status.env === 'missing') ctx.out(`Rebuild ${ctx.envFile} with ${command('envkit restore')}.`);
  return 0;
}

