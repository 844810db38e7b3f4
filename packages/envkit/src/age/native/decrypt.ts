import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { decodeArmor } from './armor.js';
import { AgeFailure } from './failure.js';
import { parseHeader } from './header.js';
import { decryptPayload } from './stream.js';
import { unwrapFileKey, type X25519Key } from './x25519.js';

/**
 * Decrypt an age v1 file (armored or binary) with the keys of X25519 identities, on node:crypto
 * alone. In age's order: the armor, the whole header, the file key, the header's MAC (compared in constant
 * time) and only then the payload. Throws {@link AgeFailure} saying which part is at fault.
 */
export function decryptAgeFile(bytes: Uint8Array, armored: boolean, keys: readonly X25519Key[]): Buffer {
  const file = armored ? decodeArmor(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = parseHeader(file);
  const fileKey = unwrapFileKey(keys, header.stanzas);
  if (fileKey === undefined) throw new AgeFailure('no-match');
  try {
    const macKey = new Uint8Array(hkdfSync('sha256', fileKey, new Uint8Array(0), 'header', 32));
    const mac = createHmac('sha256', macKey).update(header.macInput).digest();
    macKey.fill(0);
    if (!timingSafeEqual(mac, header.mac)) throw new AgeFailure('hmac');
    return decryptPayload(fileKey, file.subarray(header.payloadStart));
  } finally {
    // The file key opens the whole file: no copy of it is left once done.
    fileKey.fill(0);
  }
}
