import type { IssueFix } from './errors.js';

/** How bad a finding is: `error` fails `envkit check` (exit 1); the others only inform. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * One result of a check: what is wrong, where, and how to fix it. Never carries a secret value.
 */
export interface Finding {
  severity: Severity;
  /** A stable id, e.g. `env.mode`, `schema.invalid`, `compose.restart`. */
  rule: string;
  /** The variable concerned, if any. */
  key?: string;
  /** The file concerned (path relative to the project directory where possible). */
  file?: string;
  /** 1-based line in `file`, if known. */
  line?: number;
  /** 1-based column in `file`, if known. */
  column?: number;
  /** What is wrong. */
  message: string;
  /** How to fix it, in words that name no command of a particular front end. */
  fix?: string;
  /** A stable, machine-readable cause within the rule (an EnvkitError's `reason`), when there is one. */
  reason?: string;
  /**
   * The fix as data, when it is a command the front end runs or words (the CLI prints its own command lines
   * for these instead of `fix`): a stable code and what it needs.
   */
  hint?: FindingHint;
}

/**
 * What a finding's fix asks for, as a code and its data. The library never names a CLI flag or command;
 * a front end turns these into its own words (the CLI: packages/cli/src/render/hints.ts).
 */
export type FindingHint =
  /** A secret's value is written literally in a file: replace it there with a reference, and rotate it. */
  | { code: 'replace-and-rotate'; key: string; rotate: RotateTarget }
  /** The database port is published on this host: fine for probing or rotating from here, else remove it. */
  | { code: 'published-database-port' }
  /** `key` has a value podman's env-file reader reads differently: give it one that needs no quotes. */
  | { code: 'rewrite-unquoted'; key: string }
  /** The database URL names a compose service: reach the database some other way (a published port, the container). */
  | { code: 'database-inside-compose' }
  /** The URL in `key` names a compose service: ask from inside the app container. */
  | { code: 'ask-from-app'; key: string }
  /** Logging in to the database failed: the database is down, unreachable from here, or has another password. */
  | { code: 'database-login-failed' }
  /** The compose file uses `key`, which neither the env file nor the schema has: give it a value there. */
  | { code: 'set-unknown'; key: string }
  /** The database refuses `.env`'s password `key`: a rotation of it may be unfinished. */
  | { code: 'finish-rotation'; key: string }
  /** The env file does not exist: create it from the schema. */
  | { code: 'create-env' }
  /** `key` has a default the env file lacks: write the defaults into the file. */
  | { code: 'write-defaults' }
  /** `key` is assigned more than once: write the value every reader uses now (the last) back as one assignment. */
  | ({ code: 'rewrite-duplicate' } & KeyTarget)
  /** `key`'s value is not read the same by every reader: give it again, so that it is written portably. */
  | ({ code: 'set-portable' } & KeyTarget)
  /** .gitignore lacks rules for the env files: add them. */
  | { code: 'sync-gitignore' }
  /** The env file `file` is tracked by git: untrack it and rotate what it held. */
  | { code: 'untrack-env'; file: string; rotate: readonly RotateTarget[] }
  /** The example file is missing or out of date: write it from the schema. */
  | { code: 'write-example' }
  /** A pending rotation file cannot be read: it may hold the only copy of a password the database has. */
  | { code: 'pending-unreadable' }
  /** A rotation of `key` is unfinished (`applied`: the database has the new value); `environment`: of an encrypted one. */
  | { code: 'resume-rotation'; key: string; applied: boolean; environment?: string }
  /** Encrypted environment `environment` has no recipients: add one. */
  | { code: 'add-recipient'; environment: string }
  /** `key`'s URL carries credentials: write `value`, the URL without them (not a secret). */
  | { code: 'strip-url-credentials'; key: string; value: string }
  /** `key` holds a default written without asking: set this deployment's value (`value`: the default, absent for a secret). */
  | { code: 'confirm-default'; key: string; value?: string }
  /**
   * Plaintext env file `file` is in git (`commit`: in history): untrack it, and rotate `rotate` if it was committed,
   * each where its value is held ({@link HeldAt}).
   */
  | { code: 'guard-env-file'; file: string; commit?: string; rotate: readonly (RotateTarget & HeldAt)[] }
  /**
   * A secret's value is in `file` (`commit`: in history): replace it, and rotate it as `rotate` says, where it is
   * held: in each encrypted environment of `environments` whose value it is, and in the env file unless `plain` is
   * `false` (absent `environments`: the env file's or the keyring's value).
   */
  | ({ code: 'guard-secret-value'; key: string; file: string; commit?: string; rotate: RotateTarget } & HeldAt)
  /**
   * A secret of the schema has a value in the example file `file` (`commit`: in history): empty it, stage it
   * again, and rotate it as `rotate` says if it was real, where the key is held ({@link HeldAt}): the example
   * serves the env file and every encrypted environment.
   */
  | ({ code: 'example-secret'; key: string; file: string; commit?: string; rotate: RotateTarget } & HeldAt)
  /** A value of the schema is missing or invalid: `fix` says what kind of fix it takes. */
  | { code: 'fix-value'; key: string; fix: IssueFix };

/**
 * Where a leaked secret is held, so rotated: in each encrypted environment of `environments`, and in the env
 * file unless `plain` is `false`. Absent `environments`: the env file (or its keyring copy) only.
 */
export interface HeldAt {
  environments?: readonly string[];
  plain?: boolean;
  /** A committed plain env file (guard-env-file) that still holds it in the work tree: rotated there. */
  stillInFile?: boolean;
}

/** A key a fix changes: `external` (its value also lives elsewhere), `inSchema` (the schema knows it). */
export interface KeyTarget {
  key: string;
  external: boolean;
  inSchema: boolean;
}

/**
 * The secret to rotate for a leaked value: `key` itself or the secret it is derived from; `given` when its new
 * value cannot be generated and comes from its issuer.
 */
export interface RotateTarget {
  key: string;
  given: boolean;
}

/** True if any finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** How many findings of one rule a check reports before it sums up the rest in one finding. */
export const MAX_FINDINGS_PER_RULE = 1000;

/**
 * `findings` with at most `limit` of each rule, in their order; the rest of a rule become one finding
 * ("... and N more like these") of the worst severity among them, so the outcome of the check is the same and
 * its output stays bounded on a file with a million problems.
 */
export function limitFindings(findings: readonly Finding[], limit = MAX_FINDINGS_PER_RULE): Finding[] {
  const seen = new Map<string, number>();
  const dropped = new Map<string, { count: number; severity: Severity; file: string | undefined }>();
  const kept: Finding[] = [];
  for (const finding of findings) {
    const n = (seen.get(finding.rule) ?? 0) + 1;
    seen.set(finding.rule, n);
    if (n <= limit) {
      kept.push(finding);
      continue;
    }
    const rest = dropped.get(finding.rule) ?? { count: 0, severity: 'info' as Severity, file: finding.file };
    rest.count++;
    if (RANK[finding.severity] > RANK[rest.severity]) rest.severity = finding.severity;
    dropped.set(finding.rule, rest);
  }
  for (const [rule, rest] of dropped) {
    kept.push({
      severity: rest.severity,
      rule,
      ...(rest.file === undefined ? {} : { file: rest.file }),
      message: `... and ${rest.count} more ${rule} findings like the ${limit} above (not listed one by one)`,
    });
  }
  return kept;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
