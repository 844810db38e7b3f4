import type { ErrorIssue, IssueFix } from 'envkit';

// The CLI's words for how to fix a value of the schema (an issue's `fix`): the library says what is wrong and
// what kind of fix it takes; the commands are this CLI's.

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}

/**
 * How to fix `key`, as the command line a user of this CLI runs; in encrypted environment `environment`, the
 * commands that work on it (`--env NAME`), and its editor where envkit init would fill .env.
 */
export function valueFixText(key: string, fix: IssueFix, environment?: string): string {
  const force = 'external' in fix && fix.external ? ' --force' : '';
  const env = environment === undefined ? '' : ` --env ${environment}`;
  const edit = environment === undefined ? undefined : `run \`envkit edit --env ${environment}\``;
  switch (fix.code) {
    case 'compute':
      if (edit) return `${edit} and add ${key} made from ${list(fix.from)} (envkit init computes it in .env only)`;
      return `run \`envkit init\` to compute it from ${list(fix.from)}`;
    case 'set-parts':
      return `set its parts with \`envkit set${env} ${fix.part}=...\` (envkit recomputes ${key} from ${list(fix.from)})`;
    case 'generate':
      if (edit) return `${edit} and add it: \`envkit generate password\` makes one (envkit init generates it in .env only)`;
      return 'run `envkit init` to generate it';
    case 'rotate':
      return `run \`envkit rotate ${key}${env}\``;
    case 'set':
      // A secret: `rotate --stdin` reads a pipe, never a terminal, so "paste the value" there could not work.
      return `run \`envkit set${env}${force} ${key}=...\`${fix.prompt && !edit ? ' (or `envkit init` on a terminal, which asks for it hidden)' : ''}`;
    case 'restore':
      if (edit) return `run \`envkit set${env}${force} ${key}=...\` with the old value`;
      return `run \`envkit restore --force\` to bring it back from the keyring (a copy of the file is kept), or \`envkit set${force} ${key}=...\` with the old value`;
    case 'recompute':
      if (edit) return `${edit} and write ${key} again from ${list(fix.from)}; or, if ${key} holds the value you mean, \`envkit set${env}${force} ${fix.part}=...\` with it`;
      return `run \`envkit init\` to recompute ${key} from ${list(fix.from)}; or, if ${key} holds the value you mean, \`envkit set${force} ${fix.part}=...\` with it`;
  }
}

/** `message; fix` for an issue with a fix, in this CLI's words (of encrypted environment `environment`, if given). */
export function withValueFix(message: string, key: string | undefined, fix: IssueFix | undefined, environment?: string): string {
  return fix === undefined || key === undefined ? message : `${message}; ${valueFixText(key, fix, environment)}`;
}

/** An issue with its fix in its message, as the CLI prints it (and as --json shows it). */
export function issueWithFix(issue: ErrorIssue, environment?: string): ErrorIssue {
  const { fix, ...rest } = issue;
  return fix === undefined ? issue : { ...rest, message: withValueFix(issue.message, issue.key, fix, environment) };
}
