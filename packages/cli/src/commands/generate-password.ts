import { generatePassword, entropyBits, PORTABLE_ALPHABET, EnvkitError } from 'envkit';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';

/** `envkit generate password`: a strong password from the portable alphabet, on stdout. */
export async function run(ctx: Context, flags: FlagsOf<'generate password'>): Promise<number> {
  const length = Number(flags.length);
  if (!Number.isInteger(length)) throw new EnvkitError('USAGE', `--length expects a whole number, got "${flags.length}"`);
  const password = generatePassword({ length });
  if (ctx.json) ctx.printJson({ password, length, entropyBits: Math.floor(entropyBits(length, PORTABLE_ALPHABET.length)) });
  else ctx.io.stdout.write(`${password}\n`);
  return 0;
}
