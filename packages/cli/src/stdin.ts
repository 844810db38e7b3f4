import { EnvkitError } from 'envkit';
import type { Io } from './io.js';
import { promptHidden } from './prompt.js';

/**
 * Read a secret for `--stdin`: from a pipe or a file, all of it less one trailing newline; on a terminal it
 * is asked for with the input hidden (as `gh secret set` and `wrangler secret put` do), so that it reaches
 * neither the shell's history nor the argv `ps` shows, which `envkit set KEY=VALUE` would.
 */
export async function readStdinValue(io: Io, key: string): Promise<string> {
  const value = io.stdin.isTTY ? await promptHidden(io, `${key} (input hidden, Enter to end): `) : await readAll(io);
  if (value === '') throw new EnvkitError('USAGE', `--stdin: no value for ${key} on standard input`);
  return value;
}

async function readAll(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
