/**
 * Stable error codes. The CLI maps each to an exit code; tests match on them.
 * A code says what kind of thing went wrong, the message says where (file:line or key) and the
 * hint says how to fix it. None of the three ever carries a secret value.
 */
export const ErrorCode = {
  /** A value or a set of values failed schema validation (exit 1). */
  Validation: 'VALIDATION',
  /** A `.env` file could not be parsed completely (exit 1). */
  Parse: 'PARSE',
  /** A value cannot be written so that every reader reads it the same (exit 1). */
  Unportable: 'UNPORTABLE',
  /** A key is not known to the schema or not present where it must be (exit 1). */
  UnknownKey: 'UNKNOWN_KEY',
  /** Bad arguments to a library function (exit 2). */
  Usage: 'USAGE',
  /** A file could not be read or written, or is of the wrong kind (exit 3). */
  File: 'FILE',
  /** Another envkit process holds the project lock (exit 3). */
  Busy: 'BUSY',
  /** The database could not be reached or refused (exit 3). */
  Database: 'DATABASE',
  /** The OS keyring is missing, locked or stuck (exit 3). */
  Keyring: 'KEYRING',
  /** A child process (compose, psql, git) failed or is missing (exit 3). */
  Tool: 'TOOL',
  /** A rotation step failed; the pending file keeps the new value (exit 3). */
  Rotation: 'ROTATION',
  /** The project is in a state envkit will not touch without --force (exit 1). */
  Refused: 'REFUSED',
  /** An age-encrypted environment cannot be opened or written: no identity, wrong identity, damaged file (exit 3). */
  Crypto: 'CRYPTO',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One item of a multi-key error (validation), naming a key or a file:line. */
export interface ErrorIssue {
  /** The variable name, when the issue is about one. */
  key?: string;
  /** `file:line[:column]`, when the issue is about a place in a file. */
  location?: string;
  /** What is wrong. Never contains the value. */
  message: string;
  /** A stable reason, where a caller may add its own way out (`no-value`: the value may be given instead). */
  reason?: string;
  /** How to fix a value of the schema, as data a caller words with its own commands (the message says what is wrong). */
  fix?: IssueFix;
}

/**
 * How to fix an invalid or missing value, as data (the CLI words it: packages/cli/src/render/value-fix.ts).
 * `from`: the parts a derived value is computed from; `part`: the one to set; `external`: the value also lives
 * elsewhere (a database password), so the file alone changes only when forced.
 */
export type IssueFix =
  /** A derived value is missing: compute it from its parts. */
  | { code: 'compute'; from: readonly string[] }
  /** A derived value is invalid: set its part `part`, from which it is recomputed. */
  | { code: 'set-parts'; part: string; from: readonly string[] }
  /** A generated secret is missing: generate it. */
  | { code: 'generate' }
  /** A generated secret is invalid: rotate it. */
  | { code: 'rotate' }
  /**
   * Give the value. `secret`: give it where it is not seen (standard input, a hidden prompt), never on a command
   * line, where it stays in the shell's history and shows in `ps`.
   */
  | { code: 'set'; external: boolean; secret: boolean }
  /** A generated secret was lost while a value derived from it remains: bring it back, or set the old value. */
  | { code: 'restore'; external: boolean }
  /** A derived value disagrees with its parts: recompute it, or set the part `part` (`secret`: given unseen) to what it holds. */
  | { code: 'recompute'; part: string; from: readonly string[]; external: boolean; secret: boolean };

/** One item of {@link EnvkitError.data}: a name, a count, a flag of the situation, or a list of names. */
export type ErrorDatum = string | number | boolean | readonly string[];

/**
 * The one error class envkit throws.
 *
 * @example
 * throw new EnvkitError('FILE', `.env is a symlink`, { hint: 'replace it with a regular file', path });
 */
export class EnvkitError extends Error {
  override readonly name = 'EnvkitError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly issues: readonly ErrorIssue[];
  readonly path: string | undefined;
  /**
   * A stable, machine-readable reason within the code (`container-not-running`, `psql-missing`), for
   * callers that act on the cause rather than on the wording.
   */
  readonly reason: string | undefined;
  /**
   * What a caller needs, besides `reason`, to word the error and its fix itself (names, counts, choices;
   * never a value): the CLI says it with its own flags and commands, which the library never names.
   */
  readonly data: Readonly<Record<string, ErrorDatum>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; issues?: readonly ErrorIssue[]; path?: string; cause?: unknown; reason?: string; data?: Readonly<Record<string, ErrorDatum>> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues ?? [];
    this.path = options.path;
    this.reason = options.reason;
    this.data = options.data ?? {};
  }
}

/** True when `error` is an EnvkitError (optionally of one code). */
export function isEnvkitError(error: unknown, code?: ErrorCode): error is EnvkitError {
  return error instanceof EnvkitError && (code === undefined || error.code === code);
}
