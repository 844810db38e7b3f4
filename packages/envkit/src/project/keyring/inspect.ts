import type { ErrorIssue } from '../../errors.js';
import type { EnvSchema } from '../../schema/define.js';
import { validateValues } from '../../schema/load.js';
import { parseDocument, type EnvDocument } from '../../dotenv/document.js';
import { readTextFile } from '../../files/write-file.js';
import type { ProjectPaths } from '../context.js';

/** The env file as restore and status see it. */
export interface InspectedEnv {
  state: 'missing' | 'empty' | 'damaged' | 'valid';
  text: string | undefined;
  doc: EnvDocument | undefined;
  /** Syntax errors were found. */
  syntax: boolean;
  /** Keys whose value the schema rejects. */
  invalidKeys: Set<string>;
  issues: ErrorIssue[];
  /** A few words on what is wrong, no value. */
  summary: string;
}

// What state the env file is in, never throwing for content (a FILE error for a symlink or directory stays).
export function inspectEnvFile(paths: ProjectPaths, schema: EnvSchema): InspectedEnv {
  const text = readTextFile(paths.env);
  const none = { syntax: false, invalidKeys: new Set<string>(), issues: [], summary: '' };
  if (text === undefined) return { state: 'missing', text, doc: undefined, ...none };
  if (text.trim() === '') return { state: 'empty', text, doc: undefined, ...none };
  const doc = parseDocument(text);
  const syntax = doc.problems.filter((p) => p.kind === 'syntax');
  const issues: ErrorIssue[] = syntax.map((p) => ({ location: `${paths.envName}:${p.line}:${p.column}`, message: p.message }));
  const check = validateValues(schema, doc.toObject());
  const invalidKeys = new Set(check.issues.map((i) => i.key).filter((k): k is string => k !== undefined));
  for (const issue of check.issues) issues.push(issue);
  if (issues.length === 0) return { state: 'valid', text, doc, ...none };
  const parts: string[] = [];
  if (syntax.length > 0) parts.push(`${syntax.length} syntax error${syntax.length === 1 ? '' : 's'}`);
  if (invalidKeys.size > 0) parts.push(`invalid: ${[...invalidKeys].join(', ')}`);
  return { state: 'damaged', text, doc, syntax: syntax.length > 0, invalidKeys, issues, summary: parts.join('; ') };
}

/** `message` without a leading `KEY: `. */
export function stripKey(message: string, key: string): string {
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}
