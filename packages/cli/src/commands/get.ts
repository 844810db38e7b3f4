import { maskUrlCredentials } from 'envkit';
import { existsSync } from 'node:fs';
import { getValue, projectPaths, type GetResult } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { mask } from '../render/mask.js';
import { Exit } from '../exit-codes.js';

/** Where a value was looked up: the env file, or an encrypted environment (`--env NAME`). */
export interface Lookup {
  result: GetResult;
  /** `.env`, `environment production`: where the value was looked for, for the messages. */
  where: string;
  /** The env file does not exist (a value of it is missing for that reason alone). */
  fileMissing?: boolean;
  /** The environment's name, when one was named. */
  environment?: string;
  /** Whether the variable also lives elsewhere (`set` then needs --force). */
  external: boolean;
}

/**
 * `envkit get KEY` (and `--env NAME`): the value; exit 1 when it has none. A secret is shown masked on a
 * terminal; to a pipe or a file it is printed only with --reveal, else nothing goes to stdout and the command
 * exits 1 (docs/exit-codes.md).
 */
export async function run(ctx: Context, key: string, flags: FlagsOf<'get'>): Promise<number> {
  const lookup = ctx.environment !== undefined ? await (await import('./in-environment.js')).getIn(ctx, key, flags.allowUnknown) : await fromFile(ctx, key, flags.allowUnknown);
  const { result, environment } = lookup;
  // A non-secret URL can still carry a password (http://user:password@host): that part is masked too.
  const shown =
    result.value === undefined ? undefined : flags.reveal ? result.value : result.secret ? mask(result.value) : maskUrlCredentials(result.value);
  const masked = shown !== result.value;
  if (ctx.json) {
    ctx.printJson({ key, ...(environment === undefined ? {} : { environment }), value: shown ?? null, masked, secret: result.secret, source: result.source });
    return result.value === undefined ? 1 : 0;
  }
  if (result.value === undefined) {
    ctx.err(`envkit: ${key} has no value in ${lookup.where}${lookup.fileMissing ? ', which does not exist,' : ''} and no default`);
    // What works as written: `set` refuses a value that also lives elsewhere (the database password) without --force.
    // Loaded only on this failure, off get's fast path. A secret is given on stdin, never as KEY=VALUE.
    const { setCommand } = await import('../render/value-fix.js');
    const set = setCommand(key, result.secret, lookup.external ? ' --force' : '');
    const fix = !lookup.external
      ? `set it with ${set}`
      : environment !== undefined
        ? `${set} with the value ${key} has where it also lives`
        : `bring it back from the keyring with \`envkit restore --force\`${lookup.fileMissing ? '' : ' (a copy of the current file is kept)'}, or ${set} with the value ${key} has where it also lives`;
    ctx.err(await fixLine(ctx, fix));
    return 1;
  }
  if (result.secret && !flags.reveal && ctx.io.stdout.isTTY !== true) {
    // In `PW=$(envkit get POSTGRES_PASSWORD)` the mask would pass for the value: a pipe or a file gets nothing.
    ctx.err(`envkit: ${key} is a secret: not printed to a pipe or a file without --reveal (a masked value would pass for the real one)`);
    ctx.err(await fixLine(ctx, `\`envkit get ${key} --reveal\` prints it in clear; \`envkit get ${key}\` on a terminal shows it masked`));
    return Exit.Problems;
  }
  ctx.io.stdout.write(`${shown}\n`);
  if (masked && !result.secret) ctx.err(`note: the credentials in ${key}'s URL are masked; --reveal to show them`);
  return Exit.Ok;
}

/** The `fix:` line, its envkit commands naming the environment, file and schema this get read (--env, -f, --schema). */
async function fixLine(ctx: Context, fix: string): Promise<string> {
  // Loaded only on these failures, off get's fast path.
  const { fixLabel, fixScope, scopeCommands } = await import('../render/fix-scope.js');
  const scope = fixScope(ctx);
  return `  ${fixLabel(scope)}: ${scopeCommands(fix, scope)}`;
}

async function fromFile(ctx: Context, key: string, allowUnknown: boolean | undefined): Promise<Lookup> {
  const project = await ctx.project();
  const result = getValue({ ...project, key, allowUnknown });
  const fileMissing = result.source === 'missing' && !existsSync(projectPaths(project).env);
  return { result, where: project.envFile, fileMissing, external: project.schema.vars[key]?.external !== undefined };
}
