import { existsSync, lstatSync } from 'node:fs';
import type { Finding, KeyTarget, RotateTarget } from '../findings.js';
import { hasErrors, limitFindings } from '../findings.js';
import { rotateTargets } from '../schema/rotate-target.js';
import { validateValues } from '../schema/load.js';
import { parseDocument, type EnvDocument } from '../dotenv/document.js';
import { checkWrittenValue } from '../dotenv/portable.js';
import { readTextFile } from '../files/write-file.js';
import { gitignoreRules, syncGitignoreText } from '../files/gitignore.js';
import { assertProjectDir, projectPaths, type ProjectOptions, type ProjectPaths } from './context.js';
import { checkExample } from './sync.js';
import { gitFileStatus } from './git.js';
import { basename } from 'node:path';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { readPending, type PendingRotation } from './rotation/pending.js';
import { valueFindings } from './check-values.js';
import { surroundingFindings } from './check-surroundings.js';
import { shellWord } from '../text/shell-word.js';

/** Options of {@link checkProject}. */
export interface CheckOptions extends ProjectOptions {
  /** Check that git ignores the env file and does not track it (default true): see gitFileStatus. */
  git?: boolean;
}

/** Findings about a project, and whether any is an error. */
export interface CheckResult {
  findings: Finding[];
  ok: boolean;
}

/**
 * Check a project's env file against its schema and the rules of a safe deployment: values valid,
 * derived values consistent, mode 0600 and owned by the user, ignored and untracked by git,
 * example in sync, no placeholders, no value the readers would read differently, no duplicate keys.
 */
export function checkProject(options: CheckOptions): CheckResult {
  const { findings, ok } = checkProjectWithDocument(options);
  return { findings: limitFindings(findings), ok };
}

/** {@link checkProject}, plus the env file's document as it was checked (absent when there is none). */
export function checkProjectWithDocument(options: CheckOptions): CheckResult & { doc: EnvDocument | undefined } {
  const paths = projectPaths(options);
  assertProjectDir(paths.dir);
  let doc: EnvDocument | undefined;
  const findings: Finding[] = [];
  const file = paths.envName;
  // An env file that cannot be read (a directory, a FIFO, not UTF-8) throws FILE: that is an environment
  // error (exit 3), not a finding about the contents.
  const text = readTextFile(paths.env);
  if (text === undefined) {
    findings.push({ severity: 'error', rule: 'env.missing', file, message: `${file} does not exist`, fix: 'create it from the schema', hint: { code: 'create-env' } });
  } else {
    for (const finding of fileFindings(paths)) findings.push(finding);
    doc = parseDocument(text);
    // One push at a time: a spread of a large file's findings (100,000+) overflows the call stack.
    for (const finding of documentFindings(doc, options, file)) findings.push(finding);
  }
  if (options.git !== false) {
    // The secrets the file holds, read only for a tracked file: once in git's history, each is to be rotated.
    const held = (): RotateTarget[] => {
      const values = Object.entries(doc?.toObject() ?? {}).filter(([key, value]) => value !== '' && options.schema.vars[key]?.secret === true);
      return rotateTargets(options.schema, values.map(([key]) => key));
    };
    for (const finding of gitFindings(paths, held)) findings.push(finding);
  }
  for (const finding of exampleFindings(paths, options)) findings.push(finding);
  for (const finding of surroundingFindings(paths)) findings.push(finding);
  if (existsSync(paths.pending) && !findings.some((f) => f.rule === 'rotation.pending-untrusted')) findings.push(pendingFinding(paths));
  return { findings, ok: !hasErrors(findings), doc };
}

function fileFindings(paths: ProjectPaths): Finding[] {
  const findings: Finding[] = [];
  const stat = lstatSync(paths.env);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    findings.push({
      severity: 'error',
      rule: 'env.mode',
      file: paths.envName,
      message: `${paths.envName} has mode ${mode.toString(8).padStart(4, '0')}: other users can read its secrets`,
      fix: `run \`chmod 600 ${shellWord(paths.envName)}\` (envkit writes it 0600)`,
    });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    findings.push({
      severity: 'error',
      rule: 'env.owner',
      file: paths.envName,
      message: `${paths.envName} is owned by uid ${stat.uid}, not by you (uid ${uid})`,
      fix: `run \`chown ${uid} ${shellWord(paths.envName)}\` as root`,
    });
  }
  return findings;
}

/** Findings about a document's contents: syntax, duplicates, portability, schema, defaults, unknown keys. */
export function documentFindings(doc: EnvDocument, options: Pick<CheckOptions, 'schema'>, file: string): Finding[] {
  const { schema } = options;
  const findings: Finding[] = [];
  for (const problem of doc.problems) {
    findings.push({
      severity: problem.kind === 'syntax' ? 'error' : 'warning',
      rule: problem.kind === 'syntax' ? 'env.syntax' : 'env.duplicate',
      file,
      line: problem.line,
      column: problem.column,
      ...(problem.key ? { key: problem.key } : {}),
      message: problem.message,
      fix:
        problem.kind === 'syntax' || !problem.key
          ? 'edit the line so it parses, or remove it (no command can know what it was meant to say)'
          : 'write the value every reader uses now (the last one) back as one assignment',
      ...(problem.kind === 'syntax' || !problem.key ? {} : { hint: { code: 'rewrite-duplicate' as const, ...keyTarget(schema, problem.key) } }),
    });
  }
  const lineOf = new Map(doc.entries().map((e) => [e.key, e.line]));
  for (const entry of doc.entries()) {
    const reason = checkWrittenValue(entry);
    if (reason) {
      findings.push({
        severity: 'error',
        rule: 'env.portable',
        key: entry.key,
        file,
        line: entry.line,
        message: `${entry.key}: ${reason}`,
        fix: 'set the value you mean again: envkit writes it in a form every reader reads the same',
        hint: { code: 'set-portable', ...keyTarget(schema, entry.key) },
      });
    }
  }
  const result = validateValues(schema, doc.toObject());
  for (const issue of result.issues) {
    const line = issue.key ? lineOf.get(issue.key) : undefined;
    findings.push({
      severity: 'error',
      rule: 'schema.invalid',
      ...(issue.key ? { key: issue.key } : {}),
      file,
      ...(line ? { line } : {}),
      message: issue.message,
      // The fix as data: the CLI words it as the command that fixes the value.
      ...(issue.fix && issue.key ? { hint: { code: 'fix-value' as const, key: issue.key, fix: issue.fix } } : {}),
    });
  }
  const values = doc.toObject();
  for (const [key, spec] of Object.entries(schema.vars)) {
    if (spec.default === undefined || spec.derive || (values[key] ?? '') !== '') continue;
    findings.push({
      severity: 'warning',
      rule: 'env.default-missing',
      key,
      file,
      ...(lineOf.get(key) ? { line: lineOf.get(key) } : {}),
      message: `${key} is ${key in values ? 'empty' : 'not'} in ${file}: envkit applies its default, but compose and python-dotenv read only what the file says`,
      fix: 'write the defaults into the file (init does)',
      hint: { code: 'write-defaults' },
    });
  }
  for (const finding of valueFindings(doc, schema, file)) findings.push(finding);
  for (const key of doc.keys()) {
    if (!(key in schema.vars)) {
      findings.push({ severity: 'info', rule: 'env.unknown', key, file, line: lineOf.get(key), message: `${key} is not part of the ${schema.name} schema` });
    }
  }
  return findings;
}

/** `key` as a fix that sets it needs it: whether its value also lives elsewhere, whether the schema knows it. */
function keyTarget(schema: CheckOptions['schema'], key: string): KeyTarget {
  const spec = schema.vars[key];
  return { key, external: Boolean(spec?.external), inSchema: spec !== undefined };
}

function gitFindings(paths: ProjectPaths, secretsHeld: () => readonly RotateTarget[]): Finding[] {
  const status = gitFileStatus(paths.dir, paths.env);
  const file = paths.envName;
  if (!status.available || !status.inRepo) {
    const existing = readTextFile(paths.gitignore);
    const sync = syncGitignoreText(existing, gitignoreRules(basename(paths.env)));
    if (!sync.changed) return [];
    return [{
      severity: status.available ? 'info' : 'warning',
      rule: 'gitignore.rules',
      file: '.gitignore',
      message: `.gitignore lacks ${sync.added.join(', ')}${status.available ? ' (not a git repository yet)' : ' (git is not installed, checked the file only)'}`,
      fix: 'add the rules for the env files to .gitignore',
      hint: { code: 'sync-gitignore' },
    }];
  }
  const findings: Finding[] = [];
  if (status.tracked) {
    const held = secretsHeld();
    findings.push({
      severity: 'error',
      rule: 'git.tracked',
      file,
      message: `${file} is tracked by git: its secrets are in the repository history`,
      fix: `run \`git rm --cached ${shellWord(file)}\` (the file stays on disk) and commit that; then rotate ${held.length === 0 ? 'every secret it held' : `what it holds (${held.map((t) => t.key).join(', ')})`}, since it stays in the history`,
      hint: { code: 'untrack-env', file, rotate: held },
    });
  }
  if (!status.ignored) {
    findings.push({ severity: 'error', rule: 'git.not-ignored', file, message: `${file} is not ignored by git`, fix: 'add the rules for the env files to .gitignore', hint: { code: 'sync-gitignore' } });
  }
  return findings;
}

function exampleFindings(paths: ProjectPaths, options: CheckOptions): Finding[] {
  const drift = checkExample(paths, options.schema);
  const file = basename(paths.example);
  if (!drift.exists) {
    return [{ severity: 'warning', rule: 'example.missing', file, message: `${file} does not exist`, fix: 'write it from the schema', hint: { code: 'write-example' } }];
  }
  if (drift.inSync) return [];
  const parts = [
    drift.added.length ? `missing ${drift.added.join(', ')}` : '',
    drift.removed.length ? `not in the schema: ${drift.removed.join(', ')}` : '',
    drift.changed.length ? `changed: ${drift.changed.join(', ')}` : '',
    ...drift.notes,
  ].filter(Boolean);
  return [{ severity: 'warning', rule: 'example.drift', file, message: `${file} is out of date (${parts.join('; ')})`, fix: 'write it from the schema', hint: { code: 'write-example' } }];
}

/**
 * An unfinished rotation is an error: the database may already have the new password while the env file
 * still has the old one, so the app is one restart away from being locked out. The fix is the command
 * that finishes it; the pending file records how it reaches the database, so nothing needs retyping.
 */
function pendingFinding(paths: ProjectPaths): Finding {
  let pending: PendingRotation | undefined | EnvkitError;
  try {
    pending = readPending(paths.pending);
  } catch (error) {
    pending = isEnvkitError(error) ? error : new EnvkitError('FILE', 'unreadable');
  }
  return rotationPendingFinding({ file: basename(paths.pending), envName: paths.envName, pending });
}

/**
 * The `rotation.pending` finding of a pending file (`pending`: its record, or the error reading it) beside
 * env file `envName`; `environment` names an encrypted environment, whose rotation is finished with `--env`.
 */
export function rotationPendingFinding(options: { file: string; envName: string; pending: PendingRotation | undefined | EnvkitError; environment?: string }): Finding {
  const { file, envName, pending } = options;
  if (pending instanceof EnvkitError) {
    return {
      severity: 'error',
      rule: 'rotation.pending',
      file,
      message: `a rotation was interrupted, and its pending file cannot be read: ${pending.message}`,
      ...(pending.reason === 'pending-unreadable'
        ? {
            fix: 'it may hold the only copy of a new password the database already accepts: do not delete it blindly. It is a small JSON file ("key", "value"); ' +
              'check whether the database accepts "value", put the accepted password into the env file, then remove the file',
            hint: { code: 'pending-unreadable' as const },
          }
        : { fix: pending.hint ?? `inspect ${file} by hand: it may hold the only copy of a password the database already has` }),
    };
  }
  const key = pending?.key ?? 'POSTGRES_PASSWORD';
  const applied = pending !== undefined && pending.step !== 'created';
  return {
    severity: 'error',
    rule: 'rotation.pending',
    key,
    file,
    message:
      `the rotation of ${key} started ${pending?.created ?? 'earlier'} is unfinished (last step: ${pending?.step ?? 'unknown'}): ` +
      (applied
        ? `the database already has the new ${key} while ${envName} has the old one; the app is locked out at its next restart`
        : `the database may already have the new ${key}; ${envName} has the old one`),
    fix: applied ? `finish the rotation of ${key}` : `finish the rotation of ${key}, or abort it while the database does not have it yet`,
    hint: { code: 'resume-rotation', key, applied, ...(options.environment === undefined ? {} : { environment: options.environment }) },
  };
}
