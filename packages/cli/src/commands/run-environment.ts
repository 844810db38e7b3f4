import { openEnvironment } from 'envkit/age';
import type { EnvDocument } from 'envkit';
import type { Context } from '../context.js';
import { identitiesFor } from '../age-options.js';

/** The environment `envkit run --env NAME` starts the command with, decrypted in memory. */
export async function openForRun(ctx: Context, name: string): Promise<{ doc: EnvDocument; file: string; check: string }> {
  const identities = await identitiesFor(ctx);
  const { doc, paths } = await openEnvironment(ctx.cwd, name, identities.map((i) => i.identity));
  return { doc, file: paths.encryptedName, check: `envkit check --env ${name}` };
}
