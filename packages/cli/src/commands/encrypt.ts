import { statSync } from 'node:fs';
import { EnvkitError, isEnvkitError, readTextFile } from 'envkit';
import { shellWord } from 'envkit/project';
import { replaceEnvironmentText } from 'envkit/age';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { environmentOptions } from '../age-options.js';
import { renderKeys, renderFiles } from '../render/summary.js';

/** `envkit encrypt --env NAME --from FILE`: the file's text becomes the environment, encrypted to its recipients. */
export async function run(ctx: Context, flags: FlagsOf<'encrypt'>): Promise<number> {
  const options = await environmentOptions(ctx, 'encrypt');
  const path = resolve(ctx.cwd, flags.from);
  const text = readSource(path, flags.from, options.name);
  if (text === undefined) throw new EnvkitError('FILE', `${flags.from} does not exist`, { hint: 'give the plaintext .env file to encrypt', path });
  const result = await replaceEnvironmentText({ ...options, text, source: flags.from }).catch((error: unknown) => {
    // The lines are the given file's: `envkit check --env NAME` (the generic fix) would check the environment, unchanged.
    if (!isEnvkitError(error, 'PARSE') || error.reason !== 'unportable-lines' || error.path !== flags.from) throw error;
    throw new EnvkitError('PARSE', error.message, {
      hint: `fix each listed line of ${flags.from}, then run \`envkit encrypt --env ${options.name} --from ${shellWord(flags.from)}\` again`,
      issues: error.issues,
      path: error.path,
      cause: error,
    });
  });
  if (ctx.json) {
    ctx.printJson({ ok: true, ...result });
    return 0;
  }
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  ctx.out(`${flags.from} was left in place, in plaintext: unless compose reads it on this host, delete it once \`envkit check --env ${options.name}\` passes`);
  return 0;
}

/**
 * The file given with --from, read as the user named it: through a symlink, but only a regular file (a pipe or
 * a device could block or never end). The reader's own refusal would tell the user to replace or remove the
 * path, which for an input such as `<(…)` (/dev/fd/63) or /dev/stdin is no fix at all.
 */
function readSource(path: string, given: string, name: string): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    stat = undefined;
  }
  if (stat !== undefined && !stat.isFile()) {
    throw new EnvkitError('FILE', `${given} is not a regular file; envkit encrypt reads the plaintext from a regular file only`, {
      hint: `give the path of the .env file to encrypt (not a pipe, a process substitution or a device), or set the values one by one: \`envkit set --env ${name} KEY --stdin\``,
      path,
    });
  }
  return readTextFile(path, { followSymlinks: true });
}
