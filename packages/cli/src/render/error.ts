import { isEnvkitError } from 'envkit';
import type { Io } from '../io.js';
import { exitCodeFor, Exit } from '../exit-codes.js';
import { wordError } from './reasons.js';
import { fixLabel, type FixScope } from './fix-scope.js';

/**
 * Print an error and return its exit code (`scope`: what the command worked on, which its fixes name). EnvkitErrors carry no secret values by construction;
 * anything else is an internal error, printed without its stack unless ENVKIT_DEBUG is set.
 */
export function renderError(error: unknown, io: Io, json: boolean, scope: FixScope = {}): number {
  if (isEnvkitError(error)) {
    const exitCode = exitCodeFor(error.code);
    // The library's reason, in the CLI's words (flags and commands are the CLI's to name).
    const { message, hint, issues } = wordError(error, scope);
    if (json) {
      io.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message, hint, issues } }, null, 2)}\n`);
    } else {
      io.stderr.write(`envkit: ${message}\n`);
      for (const issue of issues) {
        const text = stripKeyPrefix(issue.message, issue.key);
        // "FOO is not a variable ..." already names the key: "FOO: FOO is ..." would say it twice.
        const named = issue.location === undefined && issue.key !== undefined && text.startsWith(`${issue.key} `);
        const where = named ? undefined : (issue.location ?? issue.key);
        io.stderr.write(`  - ${where ? `${where}: ` : ''}${text}\n`);
      }
      if (hint) io.stderr.write(`  ${fixLabel(scope)}: ${hint}\n`);
    }
    return exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`envkit: internal error: ${message}\n`);
  if (io.env.ENVKIT_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return Exit.Environment;
}

function stripKeyPrefix(message: string, key: string | undefined): string {
  return key && message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}
