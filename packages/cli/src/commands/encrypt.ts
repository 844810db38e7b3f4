import { EnvkitError, readTextFile } from 'envkit';
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
  const text = readTextFile(path);
  if (text === undefined) throw new EnvkitError('FILE', `${flags.from} does not exist`, { hint: 'give the plaintext .env file to encrypt', path });
  const result = await replaceEnvironmentText({ ...options, text, source: flags.from });
  if (ctx.json) {
    ctx.printJson({ ok: true, ...result });
    return 0;
  }
  renderKeys(ctx, result.keys);
  renderFiles(ctx, [result.file]);
  ctx.out(`${flags.from} was left in place, in plaintext: unless compose reads it on this host, delete it once \`envkit check --env ${options.name}\` passes`);
  return 0;
}
