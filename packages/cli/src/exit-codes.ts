import type { ErrorCode } from 'envkit';

/**
 * The CLI's exit codes, one table for every command (docs/exit-codes.md): 0 success, 1 problems found or
 * refused, 2 usage error, 3 environment error, 130 cancelled with Ctrl-C at a prompt (128 + SIGINT, as a
 * shell reports it), 141 the reader of the output went away (128 + SIGPIPE, what a shell reports for `cat`).
 */
export const Exit = { Ok: 0, Problems: 1, Usage: 2, Environment: 3, Interrupted: 130, OutputClosed: 141 } as const;

/** The exit code for an envkit error code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'USAGE':
      return Exit.Usage;
    case 'FILE':
    case 'BUSY':
    case 'DATABASE':
    case 'KEYRING':
    case 'TOOL':
    case 'ROTATION':
    case 'CRYPTO':
      return Exit.Environment;
    default:
      return Exit.Problems;
  }
}

/** Thrown by a command to end with a given exit code after it has rendered its own output. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
