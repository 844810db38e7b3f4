import { relative } from 'node:path';
import { restoreEnv, type RestoreNote, type RestoreSource } from 'envkit/keyring';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { keyWidth } from '../render/summary.js';
import { parseAssignments } from '../assignments.js';
import { withKeyring } from '../keyring-option.js';
import { keyringPlace } from '../render/keyring.js';
import { fixScope, nextCheck, scopeCommands, type FixScope } from '../render/fix-scope.js';

const SOURCE_TEXT: Record<RestoreSource, string> = {
  keyring: 'from the OS keyring',
  file: 'kept from the old file',
  given: 'given',
  default: 'default',
  derived: 'derived',
  empty: 'empty',
};

/** `envkit restore`: rebuild .env from the OS keyring, defaults and derived values; says where each value came from. */
export async function run(ctx: Context, flags: FlagsOf<'restore'>): Promise<number> {
  const project = await ctx.project();
  const values = parseAssignments(flags.set, '--set');
  const result = await withKeyring(ctx, (store, projectId) =>
    restoreEnv({ ...project, store, projectId, values, force: flags.force, dryRun: flags.dryRun }),
  );
  // The file, schema and -C directory its notes' and Next's commands are for.
  const scope = fixScope(ctx);
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result, notes: result.notes.map((note) => noteText(note, scope)) });
    return 0;
  }
  const name = relative(ctx.cwd, result.file.path) || result.file.path;
  if (result.upToDate) {
    // Nothing to restore is not a failure (exit 0, docs/exit-codes.md): the file is there, valid and complete.
    ctx.out(`${ctx.style.bold('envkit restore')}  nothing to restore: ${name} exists, is valid and has every secret ${keyringPlace(result)} holds; it was not changed`);
    for (const note of result.notes) ctx.err(`${ctx.style.yellow('note')}: ${noteText(note, scope)}`);
    return 0;
  }
  ctx.out(`${ctx.style.bold(`envkit restore${flags.dryRun ? ' (dry run, nothing written)' : ''}`)}  ${name} from ${keyringPlace(result)}`);
  const width = keyWidth(result.keys);
  for (const k of result.keys) {
    const text = SOURCE_TEXT[k.source].padEnd(19);
    const colored = k.source === 'keyring' ? ctx.style.green(text) : k.source === 'empty' ? ctx.style.yellow(text) : ctx.style.dim(text);
    ctx.out(`  ${k.key.padEnd(width)}  ${colored}${k.secret ? ctx.style.dim(' secret') : ''}`);
  }
  ctx.out();
  const before = result.previous === 'missing' ? 'was missing' : result.previous === 'empty' ? 'was empty' : `was ${result.previous}`;
  ctx.out(`  ${name} ${flags.dryRun ? `would be ${result.file.action}` : `${result.file.action} (mode 0600)`}; it ${before}`);
  if (result.backup) ctx.out(`  the previous ${name} is kept as ${relative(ctx.cwd, result.backup) || result.backup} (mode 0600)`);
  for (const note of result.notes) ctx.err(`${ctx.style.yellow('note')}: ${noteText(note, scope)}`);
  if (flags.dryRun) {
    ctx.out('Nothing was written (dry run): run it again without --dry-run to do it.');
  } else {
    // The check of what restore wrote: the same file (-f) and schema, in the -C directory.
    const { command, where } = nextCheck(scope);
    ctx.out(`Next${where}: ${ctx.style.cyan(command)}.`);
  }
  return 0;
}

/** A restore note as the CLI says it: where the way on is a command, the command (for the file and schema of `scope`). */
function noteText(note: RestoreNote, scope: FixScope): string {
  return scopeCommands(noteWords(note), scope);
}

function noteWords(note: RestoreNote): string {
  if (note.reason === 'rotation-pending') {
    return `a rotation was interrupted (${note.file} exists): the restored file has the values from before it; run the same \`envkit rotate\` again to finish it`;
  }
  if (note.reason === 'keyring-differs') {
    return `the keyring holds other values of ${note.keys.join(', ')}; ${note.file} is what the application reads: \`envkit backup\` copies it into the keyring, \`envkit restore --force\` replaces it from there`;
  }
  return note.text;
}
