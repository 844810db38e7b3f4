// decryptText and the identity store on a node whose crypto lacks X25519 or ChaCha20-Poly1305: they fall
// back to age-encryption, with the same results and messages.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { rejected } from '../../../../test/helpers/errors.js';
import { decryptText, encryptText } from './cipher.js';
import { loadIdentities } from './identity-store.js';
import { loadAge } from './load.js';

vi.mock('./native/support.js', () => ({ nativeKeys: () => undefined, nativeUsable: () => false }));

const TEXT = 'POSTGRES_PASSWORD=s3cr3t\n';

describe('without native X25519/ChaCha20-Poly1305: age-encryption', () => {
  it('decrypts, names the recipient and refuses as the native path does', async () => {
    const age = await loadAge();
    const alice = await age.generateX25519Identity();
    const mallory = await age.generateX25519Identity();
    const dir = testdir();
    writeFileSync(join(dir, 'key.txt'), `${alice}\n`);
    const [loaded] = await loadIdentities({ files: [join(dir, 'key.txt')], keyring: 'off' });
    expect(loaded?.recipient).toBe(await age.identityToRecipient(alice));

    const armored = await encryptText(TEXT, [loaded?.recipient as string]);
    expect(await decryptText(armored, [alice], 'x.age')).toBe(TEXT);
    expect((await rejected(decryptText(armored, [mallory, mallory], 'x.age'))).message).toBe('none of your 2 identities can decrypt x.age: it was not encrypted to any of their recipients');
    const cut = await encryptText(TEXT, [loaded?.recipient as string], { armor: false });
    expect((await rejected(decryptText(cut.subarray(0, cut.length - 1), [alice], 'x.age'))).message).toBe("x.age cannot be decrypted: its contents fail age's authentication check (edited, damaged or cut short)");
    // This is age-encryption answering: it trims a vertical tab after the END line, which age (and the
    // native decrypter, see native/decrypt.test.ts) refuses.
    const tabbed = Buffer.concat([armored.subarray(0, -1), Buffer.from('\v')]);
    expect(await decryptText(tabbed, [alice], 'x.age')).toBe(TEXT);
  });

  it('refuses an identity age-encryption cannot read without quoting it (its decoder would)', async () => {
    const age = await loadAge();
    const armored = await encryptText(TEXT, [await age.identityToRecipient(await age.generateX25519Identity())]);
    // An X25519 identity in form whose checksum fails.
    const damaged = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEZ';
    const error = await rejected(decryptText(armored, [damaged], 'x.age'));
    expect(error).toMatchObject({ code: 'CRYPTO', message: 'an identity given to decrypt x.age: not a valid age identity: its checksum is wrong (damaged?)' });
    expect(String(error.stack)).not.toContain(damaged.slice(16, 40));
  });
});
