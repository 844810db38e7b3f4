import type { EnvDocument } from '../dotenv/document.js';
import type { EnvSchema } from '../schema/define.js';

/**
 * The comment `envkit init` writes directly above a default it wrote without asking, for a variable whose
 * default is one deployment's value (spec.confirmDefault: memu's OLLAMA_API_BASE_URL, a LAN address). It stays
 * until the value is set, and `check` notes the variable while it is there (rule `env.unconfirmed-default`).
 */
export const UNCONFIRMED_COMMENT = "# envkit: unconfirmed default (the schema's value, not checked for this deployment)";

/** Whether a comment line is the mark of an unconfirmed default. */
export function isUnconfirmedComment(line: string): boolean {
  return line.trim().startsWith('# envkit: unconfirmed default');
}

/** Mark `key` as holding a default nobody confirmed (once). */
export function markUnconfirmed(doc: EnvDocument, key: string): void {
  if (!isUnconfirmed(doc, key)) doc.insertCommentAbove(key, UNCONFIRMED_COMMENT);
}

/** Whether `key` is marked as an unconfirmed default. */
export function isUnconfirmed(doc: EnvDocument, key: string): boolean {
  const above = doc.commentAbove(key);
  return above !== undefined && isUnconfirmedComment(above);
}

/** Remove the mark of `key`, if any: its value was given now. Returns whether there was one. */
export function confirmValue(doc: EnvDocument, key: string): boolean {
  return doc.removeCommentAbove(key, isUnconfirmedComment);
}

/** The variables of `schema` the document marks as unconfirmed defaults. */
export function unconfirmedKeys(doc: EnvDocument, schema: EnvSchema): string[] {
  return Object.entries(schema.vars)
    .filter(([key, spec]) => spec.confirmDefault && isUnconfirmed(doc, key))
    .map(([key]) => key);
}
