import { resolve } from 'node:path';
import { validateValues } from 'envkit';
import { initProject, promptsForInit, stackEnvFile, withEnvironmentValues } from 'envkit/project';
import { initProjectWithKeyring, type InitWithKeyringResult } from 'envkit/keyring';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { parseAssignments } from '../assignments.js';
import { promptHidden, promptVisible } from '../prompt.js';
import { renderKeys, renderFiles, wordKeys } from '../render/summary.js';
import { copyMissed, keyringFailureJson, keyringMode, keyringWarning, openKeyring, serviceFor } from '../keyring-option.js';
import { keyringJson, renderBackedUp } from '../render/keyring.js';
import { Exit } from '../exit-codes.js';
import { hintOf } from '../render/reasons.js';
import { fixScope, nextCheck, scopeCommands } from '../render/fix-scope.js';
import { startLine } from '../render/start-line.js';

const MAX_ATTEMPTS = 3;

/**
 * The reason alone: the issue starts with the key, which the prompt already shows, and ends with a fix
 * (`; run \`envkit ...\``) that makes no sense while the user is answering the question.
 */
function promptReason(message: string, key: string): string {
  const reason = message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
  const fix = reason.lastIndexOf('; run `');
  return fix > 0 ? reason.slice(0, fix) : reason;
}

/** `envkit init`: fill what is missing, never overwrite, say what happened per key. */
export async function run(ctx: Context, flags: FlagsOf<'init'>): Promise<number> {
  const project = await ctx.project();
  const given = parseAssignments(flags.set, '--set');
  const values = flags.fromEnv ? withEnvironmentValues(project.schema, given, ctx.io.env) : given;
  const interactive = flags.input !== false && !ctx.json && ctx.io.stdin.isTTY === true && ctx.io.stderr.isTTY === true;
  if (interactive) {
    for (const p of promptsForInit({ ...project, values })) {
      ctx.err(`${ctx.style.bold(p.key)}: ${p.description}${p.example ? ctx.style.dim(` (format: ${p.example})`) : ''}`);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const answer =
          p.default !== undefined
            ? await promptVisible(ctx.io, `  value (Enter for ${p.default}): `)
            : await promptHidden(ctx.io, `  value${p.optional ? ' (Enter to leave it empty)' : ''}${p.secret ? ', hidden' : ''}: `);
        if (answer === '' && p.default !== undefined) {
          // Taken as given: the user saw the default and chose it, so it is not marked unconfirmed.
          values[p.key] = p.default;
          break;
        }
        if (answer === '') break;
        const issue = validateValues(project.schema, { ...values, [p.key]: answer }, {}).issues.find((i) => i.key === p.key);
        if (!issue) {
          values[p.key] = answer;
          break;
        }
        ctx.err(`  ${ctx.style.red('not accepted')}: ${promptReason(issue.message, p.key)}`);
        if (attempt === MAX_ATTEMPTS) ctx.err(`  ${p.key} left empty after ${MAX_ATTEMPTS} attempts; set it later with ${scopeCommands(`\`envkit set ${p.key}=...\``, fixScope(ctx))}`);
      }
    }
  }
  // Opened before the write: with --keyring an unavailable keyring stops init before anything changes.
  const mode = keyringMode(flags.keyring);
  // A dry run with --keyring opens it too (and only closes it), so that it fails where the real run would;
  // without --keyring the real run never fails for the keyring, so a dry run need not wait for the bus.
  const keyring = await openKeyring(ctx, flags.dryRun && mode !== 'required' ? 'off' : mode);
  if (flags.dryRun && keyring.status === 'open') await keyring.store.close();
  let result: InitWithKeyringResult;
  if (keyring.status === 'open' && !flags.dryRun) {
    try {
      result = await initProjectWithKeyring({ ...project, values, store: keyring.store, projectId: keyring.projectId });
    } finally {
      await keyring.store.close();
    }
  } else {
    result = { ...initProject({ ...project, values, dryRun: flags.dryRun }), keyring: { status: 'off' } };
  }
  const { keyring: copied, ...rest } = result;
  const initResult = { ...rest, keys: wordKeys(rest.keys) };
  const stored = copied.status === 'stored' ? copied.backup : undefined;
  const failure = copied.status === 'failed' ? copied.error : keyring.status === 'unavailable' ? keyring.error : undefined;
  // Only a failure after the probe can reach here in required mode: the env file is written, the copy is not.
  const failed = failure !== undefined && mode === 'required';
  if (ctx.json) {
    const section = stored
      ? keyringJson(stored)
      : failure
        ? keyringFailureJson(failed ? 'failed' : 'unavailable', failure)
        : { status: 'skipped', reason: flags.dryRun ? 'dry run' : '--no-keyring' };
    ctx.printJson({ ok: !failed, dryRun: flags.dryRun === true, ...initResult, keyring: section });
    return failed ? Exit.Environment : 0;
  }
  ctx.out(`${ctx.style.bold(flags.dryRun ? 'envkit init (dry run, nothing written)' : 'envkit init')}  ${project.schema.name} schema, ${ctx.cwd}`);
  renderKeys(ctx, initResult.keys, flags.dryRun);
  ctx.out();
  renderFiles(ctx, result.files, flags.dryRun);
  ctx.out();
  if (stored) {
    renderBackedUp(ctx, stored);
    ctx.out();
  } else if (flags.dryRun && keyring.status === 'open') {
    ctx.out(`  the secrets would be copied to the OS keyring (${serviceFor(ctx)})`);
    ctx.out();
  }
  if (failed) {
    ctx.err(`envkit: ${failure.message}; ${copyMissed(ctx, failure)}`);
    const fix = hintOf(failure);
    if (fix) ctx.err(`  fix: ${fix}`);
    return Exit.Environment;
  }
  if (failure && !ctx.quiet) ctx.err(keyringWarning(ctx, failure));
  const missing = result.keys.filter((k) => k.action === 'missing').map((k) => k.key);
  const invalid = result.keys.filter((k) => k.action === 'invalid').map((k) => k.key);
  // With -C the commands below are for the project directory: they say so.
  const scope = fixScope(ctx);
  const next = nextCheck(scope);
  const inDir = next.where;
  if (invalid.length) ctx.out(`${ctx.style.red('Invalid')}: ${invalid.join(', ')} — run ${scopeCommands('`envkit check`', scope)}${inDir} for details.`, true);
  if (missing.length) {
    // A secret typed as KEY=VALUE stays in the shell's history: --stdin asks for it with the input hidden.
    const secrets = result.keys.filter((k) => k.action === 'missing' && k.secret).length;
    const how = secrets === missing.length ? '`envkit set KEY --stdin` (it asks, the input hidden)' : secrets === 0 ? '`envkit set KEY=VALUE`' : '`envkit set KEY=VALUE` (a secret with `envkit set KEY --stdin`: it asks, the input hidden)';
    ctx.out(`Still empty: ${missing.join(', ')} — add ${missing.length === 1 ? 'it' : 'each'} with ${scopeCommands(how, scope)}${inDir} when you have ${missing.length === 1 ? 'it' : 'them'}.`);
  }
  if (flags.dryRun) ctx.out('Nothing was written (dry run): run it again without --dry-run to do it.');
  else {
    // The compose file is read (and the YAML parser loaded) only for an env file other than the .env beside it,
    // which the stack reads.
    const dotenv = resolve(project.cwd, project.envFile) === resolve(project.cwd, '.env');
    const stack = result.composeFile === undefined || dotenv ? undefined : await stackEnvFile({ ...project, composeFile: result.composeFile });
    ctx.out(`Next${inDir}: ${ctx.style.cyan(next.command)}, then ${startLine(result.composeFile, stack, ctx.envFile)}.`);
  }
  return invalid.length ? 1 : 0;
}
