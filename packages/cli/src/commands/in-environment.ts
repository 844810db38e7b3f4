// `get`, `set`, `unset`, `check` and `rotate` with --env NAME (or ENVKIT_ENV): the same commands on the
// encrypted environment, decrypted in memory, edited losslessly, re-encrypted and written atomically.
// Loaded only when an environment is named, so the plain commands do not carry age.
import { EnvkitError } from 'envkit';
import type { EnvStore } from 'envkit/rotate';
import { shellWord } from 'envkit/project';
import { wordFindings } from '../render/hints.js';
import { fixScope } from '../render/fix-scope.js';
import { checkEnvironment, environmentStore, getEnvironmentValue, rotateEnvironmentSecret, setEnvironmentValues, unsetEnvironmentKeys } from 'envkit/age';
import type { Context } from '../context.js';
import { environmentOptions } from '../age-options.js';
import type { Lookup } from './get.js';
import { renderKeys, renderFiles, sayAbsent } from '../render/summary.js';
import { renderFindings, countLine } from '../render/findings.js';

/** `envkit get KEY --env NAME`: the lookup, which get.ts renders as it does the env file's. */
export async function getIn(ctx: Context, key: string, allowUnknown: boolean | undefined): Promise<Lookup> {
  const options = await environmentOptions(ctx, 'get');
  const result = await getEnvironmentValue({ ...options, key, allowUnknown });
  return { result, where: `environment ${options.name}`, environment: options.name, external: options.schema.vars[key]?.external !== undefined };
}

/** `envkit set KEY=VALUE… --env NAME` (values already parsed, or read from stdin). */
export async function setIn(ctx: Context, values: Record<string, string>, flags: { allowUnknown?: boolean; force?: boolean; dryRun?: boolean }): Promise<number> {
  const options = await environmentOptions(ctx, 'set');
  const result = await setEnvironmentValues({ ...options, values, allowUnknown: flags.allowUnknown, force: flags.force, dryRun: flags.dryRun });
  return renderEdit(ctx, result, flags.dryRun);
}

/** `envkit unset KEY… --env NAME`: exit 1 if a key was not there. */
export async function unsetIn(ctx: Context, keys: string[], flags: { force?: boolean }): Promise<number> {
  const options = await environmentOptions(ctx, 'unset');
  const result = await unsetEnvironmentKeys({ ...options, keys, force: flags.force });
  const absent = result.keys.filter((k) => k.action === 'missing').map((k) => k.key);
  renderEdit(ctx, result, false, absent.length === 0);
  // As for the env file: a mistyped name must not pass for removed, and exit 1 says why.
  if (!ctx.json) sayAbsent(ctx, absent, keys, `environment ${options.name}`);
  return absent.length > 0 ? 1 : 0;
}

/**
 * The encrypted environment as the store of `envkit rotate POSTGRES_PASSWORD --env NAME`: the rotation
 * protocol runs on it, decrypted in memory, with its pending file encrypted to the same recipients.
 */
export async function rotationStore(ctx: Context): Promise<EnvStore> {
  return environmentStore(await environmentOptions(ctx, 'rotate'));
}

/** `envkit rotate KEY --env NAME`: a secret that lives in the environment alone gets a new value. */
export async function rotateIn(ctx: Context, key: string, value: string | undefined, flags: { dryRun?: boolean; apply?: string; restart?: boolean }): Promise<number> {
  const options = await environmentOptions(ctx, 'rotate');
  if (flags.apply === 'compose' || flags.apply === 'direct' || flags.restart) {
    throw new EnvkitError('USAGE', `${key} is not the database password: it is rotated in environment ${options.name} only`, { hint: 'leave out --apply and --restart' });
  }
  const result = await rotateEnvironmentSecret({ ...options, key, value, dryRun: flags.dryRun });
  if (!ctx.json) ctx.out(ctx.style.bold(`envkit rotate ${key} --env ${options.name}${flags.dryRun ? ' (dry run, nothing written)' : ''}`));
  return renderEdit(ctx, result, flags.dryRun);
}

/** `envkit check --env NAME`: the environment checked in memory; exit 1 on errors. */
export async function checkIn(ctx: Context, flags: { online?: boolean; compose?: string | boolean }): Promise<number> {
  if (flags.online || typeof flags.compose === 'string') {
    // The check of the env file decrypt writes, with the flag that was given (and so no --env: see scopeCommands).
    const given = typeof flags.compose === 'string' ? `--compose ${shellWord(flags.compose)}` : '--online';
    // An ENVKIT_ENV of the shell would name the environment again: the check clears it.
    const clear = ctx.io.env.ENVKIT_ENV ? 'ENVKIT_ENV= ' : '';
    throw new EnvkitError('USAGE', 'check --env checks the environment itself: --online and --compose work on the env file a host has', {
      hint: `on the host: \`envkit decrypt --env ${shellWord(String(ctx.environment))}\`, then \`${clear}envkit check ${given}\``,
    });
  }
  const options = await environmentOptions(ctx, 'check');
  const checked = await checkEnvironment(options);
  const result = { ...checked, findings: wordFindings(checked.findings, fixScope({ ...ctx, environment: options.name })) };
  if (ctx.json) {
    ctx.printJson({ ok: result.ok, environment: options.name, findings: result.findings });
    return result.ok ? 0 : 1;
  }
  renderFindings(ctx, result.findings);
  const mark = result.ok ? ctx.style.green('ok') : ctx.style.red('failed');
  ctx.out(`${mark}: ${countLine(result.findings)} (${options.schema.name} schema; .env.${options.name}.age, decrypted in memory)`, !result.ok);
  return result.ok ? 0 : 1;
}

function renderEdit(ctx: Context, result: Awaited<ReturnType<typeof setEnvironmentValues>>, dryRun: boolean | undefined, ok = true): number {
  if (ctx.json) {
    ctx.printJson({ ok, dryRun: dryRun === true, ...result });
    return 0;
  }
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  return 0;
}
