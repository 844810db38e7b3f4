import { hkdfSync } from 'node:crypto';
import { open } from './aead.js';
import { AgeFailure } from './failure.js';

const NONCE_SIZE = 16;
const TAG = 16;
const CHUNK = 64 * 1024 + TAG;

/**
 * The plaintext of an age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305 under
 * HKDF-SHA-256(fileKey, nonce, "payload")) chunks of 64 KiB and a tag, each sealed under an 11-byte
 * big-endian counter and a last-chunk flag. The last chunk may be full, and empty only when it is the only
 * one. A missing nonce or chunk, a chunk that fails its tag, data after the last chunk: a payload failure.
 */
export function decryptPayload(fileKey: Uint8Array, payload: Buffer): Buffer {
  if (payload.length < NONCE_SIZE) throw new AgeFailure('payload');
  const sealed = payload.subarray(NONCE_SIZE);
  const count = Math.ceil(sealed.length / CHUNK);
  if (count === 0) throw new AgeFailure('payload');
  const key = new Uint8Array(hkdfSync('sha256', fileKey, payload.subarray(0, NONCE_SIZE), 'payload', 32));
  const plain: Buffer[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const chunk = sealed.subarray(index * CHUNK, (index + 1) * CHUNK);
      const last = index === count - 1;
      if (last && index > 0 && chunk.length === TAG) throw new AgeFailure('payload');
      const nonce = Buffer.alloc(12);
      nonce.writeUIntBE(index, 5, 6);
      nonce[11] = last ? 1 : 0;
      const opened = open(key, nonce, chunk);
      if (opened === undefined) throw new AgeFailure('payload');
      plain.push(opened);
    }
    // A single chunk is returned as it is; several are copied into one buffer. Either way no other copy of
    // the plaintext is left: the chunks still in `plain` (all of them on a failure) are zeroed.
    return plain.length === 1 ? (plain.pop() as Buffer) : Buffer.concat(plain);
  } finally {
    for (const done of plain) done.fill(0);
    key.fill(0);
  }
}
