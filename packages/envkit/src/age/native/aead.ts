import { createDecipheriv } from 'node:crypto';

const TAG = 16;

/** ChaCha20-Poly1305 (RFC 8439) open of `sealed` (ciphertext ‖ 16-byte tag); `undefined` when it fails. */
export function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  const head = decipher.update(sealed.subarray(0, sealed.length - TAG));
  try {
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    // Nothing of `head` leaves: it was not authenticated.
    head.fill(0);
    return undefined;
  }
}
