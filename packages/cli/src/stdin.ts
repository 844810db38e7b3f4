import { EnvkitError } from 'envkit';
import type { Io } from './io.js';

/**
 * Read a secret from standard input (a pipe): all of it, less one trailing newline. Refuses a terminal,
 * where the user would type the secret visibly.
 */
export async function readStdinValue(io: Io, key: string): Promise<string> {
  if (io.stdin.isTTY) {
    throw new EnvkitError('USAGE', `--stdin reads ${key} from a pipe, not a terminal`, { hint: `pipe it in, e.g. printf %s "$VALUE" | envkit set ${key} --stdin` });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw new EnvkitError('USAGE', `--stdin: no value for ${key} on standard input`);
  return value;
}
