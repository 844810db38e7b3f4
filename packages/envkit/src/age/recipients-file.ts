import { EnvkitError } from '../errors.js';
import { assertRecipient } from './keys.js';

/** One recipient of an environment. */
export interface RecipientEntry {
  /** `age1…` (public). */
  recipient: string;
  /** Whose key it is: the `# name` comment line right above it, if any. */
  name: string | undefined;
  /** 1-based line of the recipient. */
  line: number;
}

/** The header envkit writes into a new recipients file. */
const HEADER = [
  '# Who can decrypt the environment beside this file: one age X25519 recipient per line, its owner in a comment above.',
  '# `age -R` reads this file as it is. Manage it with `envkit recipients add|remove|list`.',
];

/**
 * Parse a recipients file (`.env.<name>.recipients`). The format is age's own recipients-file format
 * (`age -R FILE` reads it): one recipient per line, blank lines and `#` comments ignored; envkit reads a
 * comment line right above a recipient as its owner's name. Throws CRYPTO naming `file:line` for a line
 * that is not an X25519 recipient (post-quantum, plugin and SSH recipients are refused by kind) and for a
 * recipient listed twice.
 */
export function parseRecipients(text: string, file: string): RecipientEntry[] {
  const entries: RecipientEntry[] = [];
  const lines = text.split(/\r?\n/);
  let comment: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') {
      comment = undefined;
      continue;
    }
    if (line.startsWith('#')) {
      comment = line.slice(1).trim() || undefined;
      continue;
    }
    assertRecipient(line, `${file}:${i + 1}`);
    const twice = entries.find((e) => e.recipient === line);
    if (twice) {
      throw new EnvkitError('CRYPTO', `${file}:${i + 1}: this recipient is already listed on line ${twice.line}`, { hint: 'remove one of the two lines' });
    }
    entries.push({ recipient: line, name: comment, line: i + 1 });
    comment = undefined;
  }
  return entries;
}

/** Append a recipient (with its name as a comment above) to a recipients file's text; a new file gets a header. */
export function addRecipientText(text: string | undefined, recipient: string, name: string | undefined): string {
  const comment = name === undefined ? [] : [`# ${oneLine(name)}`];
  if (text === undefined || text.trim() === '') return [...HEADER, '', ...comment, recipient, ''].join('\n');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = text.endsWith('\n') ? text : text + eol;
  return body + [...comment, recipient, ''].join(eol);
}

/** Remove a recipient's line, and the name comment right above it, from a recipients file's text. */
export function removeRecipientText(text: string, entry: RecipientEntry): string {
  const lines = text.split('\n');
  const index = entry.line - 1;
  const above = lines[index - 1]?.trim();
  const from = entry.name !== undefined && above?.startsWith('#') ? index - 1 : index;
  lines.splice(from, index - from + 1);
  return lines.join('\n');
}

/** The entry `who` names: a recipient (`age1…`) or an owner's name; throws USAGE when none or several match. */
export function findRecipient(entries: readonly RecipientEntry[], who: string, file: string): RecipientEntry {
  const byKey = entries.find((e) => e.recipient === who);
  if (byKey) return byKey;
  const byName = entries.filter((e) => e.name === who);
  if (byName.length === 1) return byName[0] as RecipientEntry;
  if (byName.length > 1) {
    throw new EnvkitError('USAGE', `${byName.length} recipients of ${file} are named ${JSON.stringify(who)}`, { hint: 'give the age1… recipient itself', reason: 'recipient-ambiguous' });
  }
  throw new EnvkitError('USAGE', `${file} lists no recipient ${JSON.stringify(who)}`, { hint: 'see the list of recipients for their names', reason: 'recipient-unknown' });
}

/** A name fit for one comment line. */
function oneLine(name: string): string {
  return name.replace(/[\r\n]+/g, ' ').trim();
}
