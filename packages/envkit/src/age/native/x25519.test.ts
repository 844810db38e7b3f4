// The X25519 unwrapping: no secret it derives is left behind.
import { describe, expect, it, vi } from 'vitest';
import { encryptText } from '../cipher.js';
import { loadAge } from '../load.js';
import { parseHeader } from './header.js';
import { unwrapFileKey, x25519Key, x25519Recipient } from './x25519.js';

// Every shared secret and key derived, to see what became of them (node:crypto's own, only watched).
const derived = vi.hoisted(() => [] as Uint8Array[]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
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
