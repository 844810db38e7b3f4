import type { ErrorCode } from 'envkit';

/** The CLI's exit codes: 0 success, 1 problems found, 2 usage error, 3 environment error. */
export const Exit = { Ok: 0, Problems: 1, Usage: 2, Environment: 3 } as const;

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
