import type { Finding, FindingHint, RotateTarget, Severity } from '../../findings.js';
import type { ComposeFile, ComposeService } from '../read.js';
import type { AppProfile, DatabaseProfile } from '../../schema/profile.js';

/**
 * One rule of the hardening checklist (docs/compose-rules.md): the finding ids it reports and a function over
 * one service, or over the whole file, that reports through the context.
 */
export interface ComposeRule {
  /** The finding rules it reports (`compose.restart`, …). */
  readonly ids: readonly string[];
  /** Called for each service, in file order. */
  service?(service: ComposeService, context: RuleContext): void;
  /** Called once for the file, after every service. */
  file?(context: RuleContext): void;
}

/** What a rule reports: a finding without the file (the context adds it). */
export interface RuleFinding {
  severity: Severity;
  rule: string;
  line: number;
  message: string;
  fix: string;
  key?: string;
  hint?: FindingHint;
}

/** What a rule knows besides the service: the file, the deployment's names, the secrets to look for. */
export interface RuleContext {
  readonly file: ComposeFile;
  /** The database profile with its service name as given (an option overrides the profile's). */
  readonly database: DatabaseProfile | undefined;
  /** The app profile with its service name as given; `undefined` when neither profile nor option names one. */
  readonly app: AppProfile | undefined;
  /** Secret values from `.env` (key → value), to find one written literally; never put into a finding. */
  readonly secretValues: ReadonlyMap<string, string>;
  /** What rotates a leaked secret `key` (for a fix that says how to rotate it). */
  rotateTarget(key: string): RotateTarget;
  /** The schema's default of a variable (for a fix that writes `${KEY:-default}`). */
  defaultOf(key: string): string | undefined;
  /** True for the database service: the one named so, or, without a name, every service running a PostgreSQL image. */
  isDb(service: ComposeService): boolean;
  /** 1-based line of a node or pair, else `fallback`. */
  at(node: unknown, fallback: number): number;
  add(finding: RuleFinding): void;
}

/** How a finding names a service: the database service says so. */
export function who(service: ComposeService, db: boolean): string {
  return db ? `the database service "${service.name}"` : `service "${service.name}"`;
}
