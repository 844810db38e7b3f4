// Identity files as age-keygen writes them: the identities, and the recipient each one's comment claims.
import { describe, expect, it } from 'vitest';
import { loadAge } from './load.js';
import { formatIdentityFile, identityFileEntries, parseIdentityFile } from './identity-file.js';

describe('identityFileEntries', () => {
  it("takes the `# public key:` comment right above an identity as its claimed recipient, and no other", async () => {
    const age = await loadAge();
    const [a, b, c] = [await age.generateX25519Identity(), await age.generateX25519Identity(), await age.generateX25519Identity()];
    const [ra, rb] = [await age.identityToRecipient(a), await age.identityToRecipient(b)];
    const text = [
      formatIdentityFile(a, ra, new Date(0)).trimEnd(),
      '',
      `# public key: ${rb}`,
      '',
      b,
      `# public key: ${ra}`,
      '# a note after it',
      c,
    ].join('\n');
    expect(identityFileEntries(text, 'keys.txt')).toEqual([{ identity: a, claimedRecipient: ra }, { identity: b, claimedRecipient: rb }, { identity: c }]);
    expect(parseIdentityFile(text, 'keys.txt')).toEqual([a, b, c]);
  });
});
