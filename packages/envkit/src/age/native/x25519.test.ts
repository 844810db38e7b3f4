// The X25519 unwrapping: no secret it derives is left behind.
import { describe, expect, it, vi } from 'vitest';
import { encryptText } from '../cipher.js';
import { loadAge } from '../load.js';
import { parseHeader } from './header.js';
import { unwrapFileKey, x25519Key, x25519Recipient } from './x25519.js';

// Every shared secret and key derived, to see what became of them (node:crypto's own, only watched).
const derived = vi.hoisted(() => [] as Uint8Array[]);
// The form of every private key imported.
const imported = vi.hoisted(() => [] as string[]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    createPrivateKey: (key: Parameters<typeof real.createPrivateKey>[0]) => {
      imported.push(typeof key === 'object' && 'format' in key ? String(key.format) : 'pem');
      return real.createPrivateKey(key);
    },
    diffieHellman: (...args: Parameters<typeof real.diffieHellman>) => {
      const secret = real.diffieHellman(...args);
      derived.push(secret);
      return secret;
    },
    hkdfSync: (...args: Parameters<typeof real.hkdfSync>) => {
      const key = real.hkdfSync(...args);
      derived.push(new Uint8Array(key));
      return key;
    },
  };
});

describe('unwrapFileKey', () => {
  it('zeroes the shared secret and the wrapping key of every stanza it tries', async () => {
    const age = await loadAge();
    const [mine, other] = [await age.generateX25519Identity(), await age.generateX25519Identity()];
    const sealed = await encryptText('A=1\n', [x25519Recipient(x25519Key(other)), x25519Recipient(x25519Key(mine))], { armor: false });
    const { stanzas } = parseHeader(Buffer.from(sealed));
    derived.length = 0;
    expect(unwrapFileKey([x25519Key(mine)], stanzas)).toHaveLength(16);
    // Two stanzas tried (the other's first): a secret and a wrapping key each.
    expect(derived).toHaveLength(4);
    for (const secret of derived) expect(secret.every((byte) => byte === 0)).toBe(true);
  });
});

describe('x25519Key', () => {
  it('imports the key as a JWK with its claimed recipient, as DER without one; the public key is always the derived one', async () => {
    const age = await loadAge();
    const [identity, other] = [await age.generateX25519Identity(), await age.generateX25519Identity()];
    const [recipient, otherRecipient] = [await age.identityToRecipient(identity), await age.identityToRecipient(other)];
    const cases: [claim: string | undefined, form: string][] = [
      [undefined, 'der'],
      [recipient, 'jwk'],
      // Node 20 takes a JWK whose public half is wrong and Node 24 refuses it (then DER): the key is right either way.
      [otherRecipient, process.versions.node.startsWith('20.') ? 'jwk' : 'der'],
      ['age1notarecipient', 'der'],
    ];
    for (const [claim, form] of cases) {
      imported.length = 0;
      const key = x25519Key(identity, claim);
      expect(x25519Recipient(key), String(claim)).toBe(recipient);
      expect(imported.at(-1), String(claim)).toBe(form);
      const sealed = await encryptText('A=1\n', [recipient], { armor: false });
      expect(unwrapFileKey([key], parseHeader(Buffer.from(sealed)).stanzas)).toHaveLength(16);
    }
  });
});
