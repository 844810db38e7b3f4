import { EnvkitError } from '../errors.js';
import { identityProblem, POST_QUANTUM_IDENTITY } from './keys.js';

/**
 * The identities of an identity file in age-keygen's format: one `AGE-SECRET-KEY-1…` per line, blank
 * lines and `#` comments ignored. Throws CRYPTO naming `file:line` (never the line) for anything else, and
 * when the file holds no identity.
 */
export function parseIdentityFile(text: string, file: string): string[] {
  const identities: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const problem = identityProblem(line);
    if (problem !== undefined) {
      throw new EnvkitError('CRYPTO', `${file}:${i + 1}: ${problem}`, {
        hint: 'an identity file is what `age-keygen -o FILE` writes',
        reason: 'identity-invalid',
        data: { where: `${file}:${i + 1}`, problem, postQuantum: problem === POST_QUANTUM_IDENTITY },
      });
    }
    identities.push(line);
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
