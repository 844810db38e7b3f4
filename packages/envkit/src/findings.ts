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
  /** How to fix it. */
  fix?: string;
}

/** True if any finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
