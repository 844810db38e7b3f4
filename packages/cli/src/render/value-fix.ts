import type { ErrorIssue, IssueFix } from 'envkit';
import { scopeCommands, scopeOptions, type FixScope } from './fix-scope.js';

// The CLI's words for how to fix a value of the schema (an issue's `fix`): the library says what is wrong and
// what kind of fix it takes; the commands are this CLI's.

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}

/**
 * The `envkit set` that gives `key` a value, in backquotes: `KEY=...`, or for a secret `KEY --stdin`, which asks
 * for it with the input hidden on a terminal (and reads a pipe): a secret typed as `KEY=VALUE` stays in the
 * shell's history and shows in `ps`. `options` go right after `set`.
 */
export function setCommand(key: string, secret: boolean, options = ''): string {
  return secret ? `\`envkit set${options} ${key} --stdin\` (it asks, the input hidden)` : `\`envkit set${options} ${key}=...\``;
}

/**
 * How to fix `key`, as the command line a user of this CLI runs, with the options of `scope` (the file, the
 * schema, the encrypted environment); in an environment, its editor where envkit init would fill .env.
 */
export function valueFixText(key: string, fix: IssueFix, scope: FixScope = {}): string {
  const force = 'external' in fix && fix.external ? ' --force' : '';
  const { environment } = scope;
  const env = scopeOptions(scope);
  const edit = environment === undefined ? undefined : scopeCommands('run `envkit edit`', scope);
  switch (fix.code) {
    case 'compute':
      if (edit) return `${edit} and add ${key} made from ${list(fix.from)} (envkit init computes it in .env only)`;
      return `run \`envkit init${env}\` to compute it from ${list(fix.from)}`;
    case 'set-parts':
      return `set its parts with \`envkit set${env} ${fix.part}=...\` (envkit recomputes ${key} from ${list(fix.from)})`;
    case 'generate':
      if (edit) return `${edit} and add it: \`envkit generate password\` makes one (envkit init generates it in .env only)`;
      return `run \`envkit init${env}\` to generate it`;
    case 'rotate':
      return `run \`envkit rotate ${key}${env}\``;
    case 'set':
      return `run ${setCommand(key, fix.secret, `${env}${force}`)}`;
    case 'restore':
      // A lost generated secret: the old value is a secret too.
      if (edit) return `run ${setCommand(key, true, `${env}${force}`)} with the old value`;
      return `run \`envkit restore${env} --force\` to bring it back from the keyring (a copy of the file is kept), or ${setCommand(key, true, `${env}${force}`)} with the old value`;
    case 'recompute': {
      const part = setCommand(fix.part, fix.secret, `${env}${force}`);
      if (edit) return `${edit} and write ${key} again from ${list(fix.from)}; or, if ${key} holds the value you mean, ${part} with it`;
      return `run \`envkit init${env}\` to recompute ${key} from ${list(fix.from)}; or, if ${key} holds the value you mean, ${part} with it`;
    }
  }
}

/** `message; fix` for an issue with a fix, in this CLI's words (for `scope`: what the command worked on). */
export function withValueFix(message: string, key: string | undefined, fix: IssueFix | undefined, scope: FixScope = {}): string {
  return fix === undefined || key === undefined ? message : `${message}; ${valueFixText(key, fix, scope)}`;
}

/** An issue with its fix in its message, as the CLI prints it (and as --json shows it). */
export function issueWithFix(issue: ErrorIssue, scope: FixScope = {}): ErrorIssue {
  const { fix, ...rest } = issue;
  return fix === undefined ? issue : { ...rest, message: withValueFix(issue.message, issue.key, fix, scope) };
}
