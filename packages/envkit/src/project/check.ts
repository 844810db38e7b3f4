import { lstatSync } from 'node:fs';
import type { Finding } from '../findings.js';
import { hasErrors, limitFindings } from '../findings.js';
import { validateValues } from '../schema/load.js';
import { parseDocument, type EnvDocument } from '../dotenv/document.js';
import { checkWrittenValue } from '../dotenv/portable.js';
import { readTextFile } from '../files/write-file.js';
import { gitignoreRules, syncGitignore } from '../files/gitignore.js';
import { projectPaths, type ProjectOptions, type ProjectPaths } from './context.js';
import { checkExample } from './sync.js';
import { gitFileStatus } from './git.js';
import { basename } from 'node:path';
import { valueFindings } from './check-values.js';
import { surroundingFindings } from './check-surroundings.js';

/** Options of {@link checkProject}. */
export interface CheckOptions extends ProjectOptions {
  /** Ask git whether the env file is ignored and untracked (default true). */
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
  let doc: EnvDocument | undefined;
  const findings: Finding[] = [];
  const file = paths.envName;
  // An env file that cannot be read (a directory, a FIFO, not UTF-8) throws FILE: that is an environment
  // error (exit 3), not a finding about the contents.
  const text = readTextFile(paths.env);
  if (text === undefined) {
    findings.push({ severity: 'error', rule: 'env.missing', file, message: `${file} does not exist`, fix: 'run `envkit init`' });
  } else {
    for (const finding of fileFindings(paths)) findings.push(finding);
    doc = parseDocument(text);
    // One push at a time: a spread of a large file's findings (100,000+) overflows the call stack.
    for (const finding of documentFindings(doc, options, file)) findings.push(finding);
  }
  if (options.git !== false) for (const finding of gitFindings(paths)) findings.push(finding);
  for (const finding of exampleFindings(paths, options)) findings.push(finding);
  for (const finding of surroundingFindings(paths)) findings.push(finding);
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
      fix: `chmod 600 ${paths.envName} (envkit writes it 0600)`,
    });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    findings.push({
      severity: 'error',
      rule: 'env.owner',
      file: paths.envName,
      message: `${paths.envName} is owned by uid ${stat.uid}, not by you (uid ${uid})`,
      fix: `chown ${uid} ${paths.envName}`,
    });
  }
  return findings;
}

function documentFindings(doc: EnvDocument, options: CheckOptions, file: string): Finding[] {
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
      fix: problem.kind === 'syntax' ? 'fix or remove the line' : 'keep one assignment (every reader uses the last one)',
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
        fix: `rewrite it with \`envkit set ${entry.key}=...\`, which picks a form every reader reads the same`,
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
      fix: 'run `envkit init` to write the default into the file',
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

function gitFindings(paths: ProjectPaths): Finding[] {
  const status = gitFileStatus(paths.dir, paths.env);
  const file = paths.envName;
  if (!status.available || !status.inRepo) {
    const existing = readTextFile(paths.gitignore);
    const sync = syncGitignore(existing, gitignoreRules(basename(paths.env)));
    if (!sync.changed) return [];
    return [{
      severity: status.available ? 'info' : 'warning',
      rule: 'gitignore.rules',
      file: '.gitignore',
      message: `.gitignore lacks ${sync.added.join(', ')}${status.available ? ' (not a git repository yet)' : ' (git is not installed, checked the file only)'}`,
      fix: 'run `envkit gitignore`',
    }];
  }
  const findings: Finding[] = [];
  if (status.tracked) {
    findings.push({
      severity: 'error',
      rule: 'git.tracked',
      file,
      message: `${file} is tracked by git: its secrets are in the repository history`,
      fix: `git rm --cached ${file}, commit, then rotate every secret it held (\`envkit rotate POSTGRES_PASSWORD\`)`,
    });
  }
  if (!status.ignored) {
    findings.push({ severity: 'error', rule: 'git.not-ignored', file, message: `${file} is not ignored by git`, fix: 'run `envkit gitignore`' });
  }
  return findings;
}

function exampleFindings(paths: ProjectPaths, options: CheckOptions): Finding[] {
  const drift = checkExample(paths, options.schema);
  const file = basename(paths.example);
  if (!drift.exists) {
    return [{ severity: 'warning', rule: 'example.missing', file, message: `${file} does not exist`, fix: 'run `envkit example`' }];
  }
  if (drift.inSync) return [];
  const parts = [
    drift.added.length ? `missing ${drift.added.join(', ')}` : '',
    drift.removed.length ? `not in the schema: ${drift.removed.join(', ')}` : '',
    drift.changed.length ? `changed: ${drift.changed.join(', ')}` : '',
    ...drift.notes,
  ].filter(Boolean);
  return [{ severity: 'warning', rule: 'example.drift', file, message: `${file} is out of date (${parts.join('; ')})`, fix: 'run `envkit example`' }];
}
