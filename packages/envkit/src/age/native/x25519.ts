import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { bech32 } from '@scure/base';
import { open } from './aead.js';
import { strictBase64 } from './base64.js';
import { AgeFailure } from './failure.js';
import type { Stanza } from './header.js';

// A raw X25519 key as DER: the fixed ASN.1 prefix of a PKCS #8 private key and of an SPKI public key
// (RFC 8410), followed by the 32 key bytes. Node imports X25519 keys only in these forms.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const LABEL = 'age-encryption.org/v1/X25519';
const ZERO_NONCE = Buffer.alloc(12);
const KEY_SIZE = 32;
const FILE_KEY_SIZE = 16;

/** An X25519 identity ready to unwrap: its private key and its public key (the recipient's bytes). */
export interface X25519Key {
  privateKey: KeyObject;
  publicKey: Buffer;
}

/**
 * The key of an `AGE-SECRET-KEY-1…` identity (already validated: keys.ts `identityProblem`). Throws where
 * this node's crypto has no X25519.
 */
export function x25519Key(identity: string): X25519Key {
  const scalar = bech32.decodeToBytes(identity as `${string}1${string}`).bytes;
  const der = Buffer.concat([PKCS8_PREFIX, scalar]);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
    scalar.fill(0);
  }
  // As a JWK: Node exports it several times faster than as DER.
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, publicKey: Buffer.from(x as string, 'base64url') };
}

/** The `age1…` recipient of an X25519 key. */
export function x25519Recipient(key: X25519Key): string {
  return bech32.encodeFromBytes('age', key.publicKey);
}

/**
 * The file key wrapped to one of `keys` in an X25519 stanza, trying each key on every stanza in order as
 * age does; `undefined` when none unwraps. Stanzas of other types (and grease) are skipped. An X25519
 * stanza that is malformed — not exactly one 32-byte share, a body that is not 32 bytes, a share that makes
 * the all-zero shared secret (a low-order point) — is a header failure, as in age.
 */
export function unwrapFileKey(keys: readonly X25519Key[], stanzas: readonly Stanza[]): Buffer | undefined {
  for (const key of keys) {
    for (const stanza of stanzas) {
      if (stanza.type !== 'X25519') continue;
      const share = stanza.args.length === 1 ? strictBase64(stanza.args[0] as string, false) : undefined;
      if (share === undefined || share.length !== KEY_SIZE || stanza.body.length !== FILE_KEY_SIZE + 16) throw new AgeFailure('header');
      const secret = sharedSecret(key.privateKey, share);
      const wrapping = new Uint8Array(hkdfSync('sha256', secret, Buffer.concat([share, key.publicKey]), LABEL, KEY_SIZE));
      secret.fill(0);
      const fileKey = open(wrapping, ZERO_NONCE, stanza.body);
      wrapping.fill(0);
      if (fileKey !== undefined) return fileKey;
    }
  }
  return undefined;
}

function sharedSecret(privateKey: KeyObject, share: Buffer): Buffer {
  let secret: Buffer;
  try {
    // OpenSSL refuses an all-zero result itself; checked again below all the same.
    secret = diffieHellman({ privateKey, publicKey: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, share]), format: 'der', type: 'spki' }) });
  } catch {
    throw new AgeFailure('header');
  }
  if (secret.every((byte) => byte === 0)) throw new AgeFailure('header');
  return secret;
}
