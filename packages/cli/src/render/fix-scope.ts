import { shellWord } from './hints.js';

/**
 * What a printed fix's envkit commands must name to work on what the command that printed it worked on: the
 * encrypted environment (--env), else an env file other than .env (-f), and a schema module (--schema). Without
 * them, `envkit set KEY=...` would change .env under the memu schema: another file, or a refusal.
 */
export interface FixScope {
  environment?: string;
  /** The global options for the file and the schema, each with a leading space (`' -f prod.env'`), or ''. */
  options?: string;
}

/** The scope of a command run with these global options (the Context's). */
export function fixScope(ctx: { environment?: string | undefined; envFile: string; schemaPath?: string | undefined }): FixScope {
  const file = ctx.environment === undefined && ctx.envFile !== '.env' ? ` -f ${shellWord(ctx.envFile)}` : '';
  const schema = ctx.schemaPath === undefined ? '' : ` --schema ${shellWord(ctx.schemaPath)}`;
  return { ...(ctx.environment === undefined ? {} : { environment: ctx.environment }), options: `${file}${schema}` };
}

/** The options to add after an envkit command's name: --env NAME, then the file and the schema. */
export function scopeOptions(scope: FixScope): string {
  return `${scope.environment === undefined ? '' : ` --env ${scope.environment}`}${scope.options ?? ''}`;
}
