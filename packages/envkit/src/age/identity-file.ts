import { EnvkitError } from '../errors.js';
import { identityProblem, POST_QUANTUM_IDENTITY } from './keys.js';

const PUBLIC_KEY_COMMENT = /^#\s*public key:\s*(age1[0-9a-z]+)$/;

/**
 * The identities of an identity file in age-keygen's format: one `AGE-SECRET-KEY-1…` per line, blank
 * lines and `#` comments ignored. Throws CRYPTO naming `file:line` (never the line) for anything else, and
 * when the file holds no identity.
 */
export function parseIdentityFile(text: string, file: string): string[] {
  return identityFileEntries(text, file).map((entry) => entry.identity);
}

/** An identity of an identity file, with the recipient the file says is its own. */
export interface IdentityFileEntry {
  identity: string;
  /**
   * The `age1…` of a `# public key:` comment right above the identity, as age-keygen writes it: a claim, not
   * checked here (a hand-edited file may hold a wrong one).
   */
  claimedRecipient?: string;
}

/** {@link parseIdentityFile} with each identity's claimed recipient. */
export function identityFileEntries(text: string, file: string): IdentityFileEntry[] {
  const identities: IdentityFileEntry[] = [];
  const lines = text.split(/\r?\n/);
  let claimed: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      claimed = PUBLIC_KEY_COMMENT.exec(line)?.[1];
      continue;
    }
    const problem = identityProblem(line);
    if (problem !== undefined) {
      throw new EnvkitError('CRYPTO', `${file}:${i + 1}: ${problem}`, {
        hint: 'an identity file is what `age-keygen -o FILE` writes',
        reason: 'identity-invalid',
        data: { where: `${file}:${i + 1}`, problem, postQuantum: problem === POST_QUANTUM_IDENTITY },
      });
    }
    identities.push(claimed === undefined ? { identity: line } : { identity: line, claimedRecipient: claimed });
    claimed = undefined;
  }
  if (identities.length === 0) {
    throw new EnvkitError('CRYPTO', `${file} holds no age identity`, { hint: 'create one with `age-keygen -o FILE`', reason: 'no-identity-in-file' });
  }
  return identities;
}

/** An identity file's text in age-keygen's format (so `age -d -i FILE` reads it). */
export function formatIdentityFile(identity: string, recipient: string, created: Date): string {
  return `# created: ${created.toISOString().replace(/\.\d+Z$/, 'Z')}\n# public key: ${recipient}\n${identity}\n`;
}
