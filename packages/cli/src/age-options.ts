import { EnvkitError } from 'envkit';
import { loadIdentities, type EnvironmentOptions, type LoadedIdentity } from 'envkit/age';
import type { Context } from './context.js';

/** The identities to decrypt with: `--identity`/`ENVKIT_IDENTITY_FILE`, else your own (file, else OS keyring). */
export function identitiesFor(ctx: Context): Promise<LoadedIdentity[]> {
  return loadIdentities({ files: ctx.identityFiles, env: ctx.io.env });
}

/** The environment a command needs: `--env NAME` or `ENVKIT_ENV`; USAGE when neither is given. */
export function requireEnvironment(ctx: Context, command: string): string {
  if (ctx.environment !== undefined) return ctx.environment;
  throw new EnvkitError('USAGE', `envkit ${command} works on an encrypted environment: name it with --env NAME (or ENVKIT_ENV)`, {
    hint: `e.g. \`envkit ${command} --env production\` for .env.production.age`,
  });
}

/** Everything an edit of the environment needs: project, name, schema, identities. */
export async function environmentOptions(ctx: Context, command: string): Promise<EnvironmentOptions> {
  const name = requireEnvironment(ctx, command);
  const [schema, identities] = await Promise.all([ctx.loadSchema(), identitiesFor(ctx)]);
  return { cwd: ctx.cwd, name, schema, identities };
}
