import { EnvkitError, isEnvkitError } from 'envkit';
import { abortRotation, rotatePassword, rotateSecretWithKeyring, rotationKind } from 'envkit/rotate';
import type { EnvStore, RotatePasswordOptions, RotationProgress, RotationResult, RotationStep, SecretRotationResult } from 'envkit/rotate';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { exitCodeFor, Exit, ExitError } from '../exit-codes.js';
import { readStdinValue } from '../stdin.js';
import { renderKeys, renderFiles } from '../render/summary.js';
import { renderBackedUp, keyringJson } from '../render/keyring.js';
import { restartNext, rotationKeyringJson, rotationWarningText } from '../render/rotation.js';
import { stepDetail, wordError } from '../render/reasons.js';
import { fixScope, scopeCommands } from '../render/fix-scope.js';
import { copyMissed, keyringFailureJson, keyringMode, keyringWarning, openKeyring, type KeyringMode, type OpenedKeyring } from '../keyring-option.js';
import { dbSecurity } from '../db-security.js';


type RotateFlags = FlagsOf<'rotate'>;

/**
 * `envkit rotate KEY`. The database password goes through the rotation protocol (pending file, database,
 * test, `.env`, restart line); any other secret is rotated in the env file only. Values are never printed.
 */
export async function run(ctx: Context, key: string, flags: RotateFlags): Promise<number> {
  const project = await ctx.project();
  const database = rotationKind(project.schema, key).kind === 'database';
  if (ctx.environment !== undefined) {
    const inEnvironment = await import('./in-environment.js');
    if (!database) {
      const value = flags.stdin ? await readStdinValue(ctx.io, key) : undefined;
      return inEnvironment.rotateIn(ctx, key, value, flags);
    }
    if (flags.keyring === true) {
      throw new EnvkitError('USAGE', `--keyring does not apply to environment ${ctx.environment}: its copy is its committed encrypted file`, { hint: 'leave out --keyring' });
    }
    const envStore = await inEnvironment.rotationStore(ctx);
    return flags.abort ? abort(ctx, key, flags, envStore) : password(ctx, key, flags, envStore);
  }
  if (!database) return fileOnly(ctx, key, flags);
  if (flags.abort) return abort(ctx, key, flags);
  return password(ctx, key, flags);
}

/** The database password: the rotation protocol, on the env file or (`envStore`) an encrypted environment. */
async function password(ctx: Context, key: string, flags: RotateFlags, envStore?: EnvStore): Promise<number> {
  const project = await ctx.project();

  const value = flags.stdin ? await readStdinValue(ctx.io, key) : undefined;
  const steps: RotationStep[] = [];
  const progress = ctx.json || ctx.quiet ? undefined : progressPrinter(ctx);
  // Opened before anything changes: with --keyring an unavailable keyring stops the rotation here.
  // An encrypted environment's copy is its committed file: the keyring is not asked.
  const mode = envStore ? 'off' : keyringMode(flags.keyring);
  const keyring = envStore ? undefined : await openDryRunAware(ctx, mode, flags.dryRun);
  const where = envStore?.environment === undefined ? '' : ` --env ${envStore.environment}`;
  if (!ctx.json) ctx.out(ctx.style.bold(`envkit rotate ${key}${where}${flags.dryRun ? ' (dry run: nothing is changed)' : ''}`));
  let result: RotationResult;
  try {
    result = await rotatePassword({
      ...project,
      key,
      value,
      ...route(flags, ctx),
      dryRun: flags.dryRun,
      restart: flags.restart,
      env: ctx.io.env,
      ...(envStore ? { envStore } : {}),
      ...(keyring?.status === 'open' ? { store: keyring.store, projectId: keyring.projectId } : {}),
      onStep(step) {
        if (step.status !== 'running') steps.push({ name: step.name, status: step.status, detail: stepDetail(step) });
        progress?.(step);
      },
    });
  } catch (error) {
    if (ctx.json && isEnvkitError(error)) {
      // Worded as the text is: its commands name the file, schema or environment rotated.
      const { message, hint, issues } = wordError(error, fixScope(ctx));
      ctx.printJson({ ok: false, key, steps, error: { code: error.code, message, hint, issues } });
      throw new ExitError(exitCodeFor(error.code));
    }
    throw error;
  } finally {
    if (keyring?.status === 'open') await keyring.store.close();
  }
  // With --keyring a keyring copy that failed fails the command, though the rotation itself is finished.
  const failed = result.steps.some((s) => s.status === 'failed') || (mode === 'required' && result.keyring.status === 'failed');
  // The file, schema or environment rotated, which its warnings' commands name.
  const scope = fixScope(ctx);
  if (ctx.json) {
    const section = keyring?.status === 'unavailable' ? keyringFailureJson('unavailable', keyring.error) : rotationKeyringJson(result.keyring);
    const worded = result.steps.map(({ reason: _reason, ...step }) => ({ ...step, detail: stepDetail({ detail: step.detail, reason: _reason }) }));
    ctx.printJson({ ok: !failed, ...result, steps: worded, keyring: section, warnings: result.warnings.map((w) => scopeCommands(rotationWarningText(w), scope)) });
    return failed ? Exit.Environment : Exit.Ok;
  }
  for (const warning of result.warnings) ctx.err(`${ctx.style.yellow('warning')}: ${scopeCommands(rotationWarningText(warning), scope)}`);
  if (keyring?.status === 'unavailable') ctx.err(keyringWarning(ctx, keyring.error));
  if (result.apply === 'none' && flags.dryRun) {
    // A dry run made no new password: it says what the rotation would leave the user to do.
    ctx.out(`${ctx.style.yellow('The database would NOT be changed')} (--apply none): you would set the new password of the database role yourself before the app reconnects.`, true);
  } else if (result.apply === 'none') {
    ctx.out(`${ctx.style.yellow('The database was NOT changed')} (--apply none): set the new password of the database role yourself before the app reconnects.`, true);
  }
  if (!result.restart.ran && !flags.dryRun) {
    ctx.out();
    const next = restartNext(result, ctx.envFile);
    ctx.out(next.line);
    if (next.command !== undefined) ctx.out(`  ${ctx.style.cyan(next.command)}`);
  }
  return failed ? Exit.Environment : Exit.Ok;
}

/** How the rotation reaches the database and the app, as the flags give it (absent: recorded or default). */
function route(flags: RotateFlags, ctx: Context): Pick<RotatePasswordOptions, 'apply' | 'composeCmd' | 'composeFiles' | 'composeProject' | 'service' | 'appService' | 'dbHost' | 'dbPort' | 'dbSecurity'> {
  const { apply, composeCmd, composeProject, service, appService, dbHost, dbPort } = flags;
  return { apply, composeCmd, composeFiles: flags.composeFile, composeProject, service, appService, dbHost, dbPort, dbSecurity: dbSecurity(flags, ctx.io.cwd) };
}

/** `rotate KEY --abort`: abandon a rotation that has not reached the database. */
async function abort(ctx: Context, key: string, flags: RotateFlags, envStore?: EnvStore): Promise<number> {
  if (flags.dryRun || flags.restart || flags.stdin) {
    throw new EnvkitError('USAGE', '--abort cannot be combined with --dry-run, --restart or --stdin');
  }
  const project = await ctx.project();
  const result = await abortRotation({
    ...project,
    key,
    ...route(flags, ctx),
    env: ctx.io.env,
    ...(envStore ? { envStore } : {}),
  });
  if (ctx.json) {
    ctx.printJson({ ok: true, ...result });
    return Exit.Ok;
  }
  if (result.status === 'none') {
    ctx.out(`No rotation of ${key} is pending: nothing to abort.`);
  } else {
    ctx.out(`Abandoned the rotation of ${key} started ${result.started} (${result.proof}).`);
    ctx.out(`${envStore?.name ?? project.envFile} keeps the password the database has.`);
  }
  return Exit.Ok;
}

/** A step list: on a terminal each step shows `…` while it runs and then its mark; plain lines otherwise. */
function progressPrinter(ctx: Context): (step: RotationProgress) => void {
  const { style } = ctx;
  const tty = ctx.io.stdout.isTTY === true;
  const width = 'restart'.length;
  const mark: Record<RotationStep['status'], string> = {
    done: style.green('✓'),
    'already-done': style.green('✓'),
    skipped: style.dim('-'),
    failed: style.red('✗'),
  };
  const label: Record<RotationStep['status'], string> = {
    done: 'done',
    'already-done': 'already done',
    skipped: 'skipped',
    failed: 'FAILED',
  };
  let running = false;
  return (step) => {
    if (step.status === 'running') {
      if (tty) {
        ctx.io.stdout.write(`  ${style.dim('…')} ${step.name.padEnd(width)}  ${style.dim(stepDetail(step))}`);
        running = true;
      }
      return;
    }
    const status = step.status === 'already-done' ? `${style.dim('(already done)')} ` : '';
    if (tty) {
      // Replace the "running" line in place.
      ctx.io.stdout.write(`${running ? '\r\u001b[2K' : ''}  ${mark[step.status]} ${step.name.padEnd(width)}  ${status}${stepDetail(step)}\n`);
      running = false;
    } else {
      ctx.out(`  ${step.name.padEnd(width)}  ${label[step.status].padEnd(12)}  ${stepDetail(step)}`);
    }
  };
}

/** Any other secret: new value in the env file only, derived values recomputed, one atomic write. */
async function fileOnly(ctx: Context, key: string, flags: RotateFlags): Promise<number> {
  if (flags.apply === 'compose' || flags.apply === 'direct' || flags.restart) {
    throw new EnvkitError('USAGE', `${key} is not the database password: it is rotated in ${ctx.envFile} only`, {
      hint: 'leave out --apply and --restart: they change the live database password (POSTGRES_PASSWORD)',
    });
  }
  const project = await ctx.project();
  const value = flags.stdin ? await readStdinValue(ctx.io, key) : undefined;
  const mode = keyringMode(flags.keyring);
  const keyring = await openDryRunAware(ctx, mode, flags.dryRun);
  let result: SecretRotationResult;
  try {
    result = await rotateSecretWithKeyring({
      ...project,
      key,
      value,
      dryRun: flags.dryRun,
      ...(keyring?.status === 'open' ? { store: keyring.store, projectId: keyring.projectId } : {}),
    });
  } finally {
    if (keyring?.status === 'open') await keyring.store.close();
  }
  const copy = result.keyring.status === 'stored' ? result.keyring.backup : result.keyring.status === 'failed' ? result.keyring.error : undefined;
  const failed = mode === 'required' && copy instanceof EnvkitError;
  const databaseNote = `the live database still has the old value: this rotation changed ${project.envFile} only`;
  if (ctx.json) {
    const section =
      copy === undefined
        ? keyring?.status === 'unavailable'
          ? keyringFailureJson('unavailable', keyring.error)
          : { status: 'skipped', reason: flags.dryRun ? 'dry run' : '--no-keyring' }
        : copy instanceof EnvkitError
          ? keyringFailureJson('failed', copy)
          : keyringJson(copy);
    const { keyring: _copy, livesElsewhere: _elsewhere, ...rotated } = result;
    ctx.printJson({ ok: !failed, dryRun: flags.dryRun === true, ...rotated, database: 'unchanged', keyring: section });
    return failed ? Exit.Environment : Exit.Ok;
  }
  ctx.out(ctx.style.bold(`envkit rotate ${key}${flags.dryRun ? ' (dry run, nothing written)' : ''}`));
  renderKeys(ctx, result.keys, flags.dryRun);
  renderFiles(ctx, [result.file], flags.dryRun);
  if (copy !== undefined && !(copy instanceof EnvkitError)) renderBackedUp(ctx, copy);
  if (copy instanceof EnvkitError) {
    ctx.err(`${failed ? 'envkit' : ctx.style.yellow('warning')}: ${copy.message}; ${copyMissed(ctx, copy)}`);
  } else if (keyring?.status === 'unavailable') {
    ctx.err(keyringWarning(ctx, keyring.error));
  }
  if (result.livesElsewhere) ctx.err(`${ctx.style.yellow('note')}: ${databaseNote}.`);
  return failed ? Exit.Environment : Exit.Ok;
}

/**
 * The keyring as the real run opens it; a dry run with `--keyring` opens it too (so that it fails there as it
 * would for real: same exit code) and closes it at once: it changes nothing, so it needs no store.
 */
async function openDryRunAware(ctx: Context, mode: KeyringMode, dryRun: boolean | undefined): Promise<OpenedKeyring | undefined> {
  // Without --keyring the real run never fails for the keyring: a dry run need not wait for the bus.
  if (dryRun && mode !== 'required') return undefined;
  const keyring = await openKeyring(ctx, mode);
  if (!dryRun) return keyring;
  if (keyring.status === 'open') await keyring.store.close();
  return keyring.status === 'unavailable' ? keyring : undefined;
}
