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

/** The commands that have a word after their name (`envkit keyring forget`). */
const SUBCOMMANDS = /^(?:keyring (?:status|forget)|recipients (?:add|remove|list)|generate password|guard install|[a-z]+)/;
/** The commands that work on an encrypted environment with --env. */
const ENVIRONMENT_COMMANDS = new Set(['set', 'get', 'unset', 'rotate', 'check', 'edit', 'decrypt', 'encrypt', 'run']);
/** The commands that read an env file (-f) or the schema (--schema): not diff (it names its files), nor the age keys. */
const FILE_COMMANDS = new Set(['init', 'backup', 'restore', 'keyring status', 'keyring forget', 'rotate', 'status', 'check', 'get', 'set', 'unset', 'example', 'gitignore', 'guard', 'guard install', 'decrypt', 'run']);

/**
 * `text` (an error's hint, worded) with each envkit command it names (in backquotes, or after a pipe) given the
 * options of `scope` it takes and lacks, right after its name: `envkit set KEY=...` → `envkit set -f prod.env
 * KEY=...`. Without a scope, `text` as it is.
 */
export function scopeCommands(text: string, scope: FixScope): string {
  if (scope.environment === undefined && !scope.options) return text;
  return text.replace(/(^|`|\| )envkit ([a-z][^`|]*)/g, (whole, before: string, rest: string) => {
    const name = SUBCOMMANDS.exec(rest)?.[0];
    if (name === undefined) return whole;
    const tail = rest.slice(name.length);
    const env = scope.environment !== undefined && ENVIRONMENT_COMMANDS.has(name) && !/ --env\b/.test(tail) ? ` --env ${scope.environment}` : '';
    const given = FILE_COMMANDS.has(name) ? (scope.options ?? '').split(/(?= -f | --schema )/) : [];
    const options = given.filter((option) => option !== '' && !tail.includes(`${option.trim().split(' ')[0]!} `)).join('');
    return `${before}envkit ${name}${env}${options}${tail}`;
  });
}
