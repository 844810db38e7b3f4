// The STREAM payload: no copy of the plaintext is left behind but the one returned.
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { decryptPayload } from './stream.js';

// Every chunk `open` hands back, and the key it was given, to see what became of them.
const opened = vi.hoisted(() => [] as Buffer[]);
const keys = vi.hoisted(() => [] as Uint8Array[]);
vi.mock('./aead.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./aead.js')>();
  return {
    open: (...args: Parameters<typeof real.open>) => {
      keys.push(args[0]);
      const chunk = real.open(...args);
      if (chunk !== undefined) opened.push(chunk);
      return chunk;
    },
  };
});

/** An age payload of `plain` under `fileKey`: the nonce, then 64 KiB chunks, the last one flagged. */
function seal(fileKey: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(16);
  const key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
  const size = 64 * 1024;
  const count = Math.max(1, Math.ceil(plain.length / size));
  const parts = [nonce];
  for (let index = 0; index < count; index++) {
    const chunkNonce = Buffer.alloc(12);
    chunkNonce.writeUIntBE(index, 5, 6);
    chunkNonce[11] = index === count - 1 ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce, { authTagLength: 16 });
    parts.push(cipher.update(plain.subarray(index * size, (index + 1) * size)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(parts);
}

describe('decryptPayload', () => {
  it('zeroes each decrypted chunk once the chunks are joined, and on a failure', () => {
    const fileKey = randomBytes(16);
    const plain = Buffer.alloc(150_000, 'S');
    opened.length = 0;
    expect(decryptPayload(fileKey, seal(fileKey, plain)).equals(plain)).toBe(true);
    expect(opened).toHaveLength(3);
    for (const chunk of opened) expect(chunk.every((byte) => byte === 0)).toBe(true);

    opened.length = 0;
    const damaged = seal(fileKey, plain);
    damaged[damaged.length - 1]! ^= 1;
    expect(() => decryptPayload(fileKey, damaged)).toThrow('payload');
    expect(opened).toHaveLength(2);
    for (const chunk of opened) expect(chunk.every((byte) => byte === 0)).toBe(true);
  });

  it('zeroes the payload key once done, as on a failure', () => {
    const fileKey = randomBytes(16);
    const payload = seal(fileKey, Buffer.from('A=1\n'));
    keys.length = 0;
    decryptPayload(fileKey, payload);
    payload[payload.length - 1]! ^= 1;
    expect(() => decryptPayload(fileKey, payload)).toThrow('payload');
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.every((byte) => byte === 0)).toBe(true);
  });

  it('returns a single chunk as it is', () => {
    const fileKey = randomBytes(16);
    const plain = Buffer.from('A=1\n');
    expect(decryptPayload(fileKey, seal(fileKey, plain)).equals(plain)).toBe(true);
  });
});
