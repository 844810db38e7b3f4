import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { bech32 } from '@scure/base';
import { open } from './aead.js';
import { strictBase64 } from './base64.js';
import { AgeFailure } from './failure.js';
import type { Stanza } from './header.js';

// A raw X25519 private key as DER: the fixed ASN.1 prefix of a PKCS #8 private key (RFC 8410), followed by
// the 32 key bytes. Node imports X25519 keys in this form or as a JWK (RFC 8037), which needs the public half.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
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
 * this node's crypto has no X25519. `claimed`: the `age1…` its identity file says is its recipient, if any;
 * with it, the key is imported as a JWK, which skips OpenSSL's PKCS #8 decoders (0.4 ms of a cold start,
 * docs/startup.md). Node 24 refuses a JWK whose public half is wrong and Node 20 ignores it; either way the
 * public key kept is the one derived from the secret, so a wrong claim costs only the slower import.
 */
export function x25519Key(identity: string, claimed?: string): X25519Key {
  const scalar = bech32.decodeToBytes(identity as `${string}1${string}`).bytes;
  let privateKey: KeyObject;
  try {
    privateKey = (claimed !== undefined ? fromJwk(scalar, claimed) : undefined) ?? fromDer(scalar);
  } finally {
    scalar.fill(0);
  }
  // As a JWK: Node exports it several times faster than as DER.
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, publicKey: Buffer.from(x as string, 'base64url') };
}

function fromDer(scalar: Uint8Array): KeyObject {
  const der = Buffer.concat([PKCS8_PREFIX, scalar]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** `undefined` when the claim is not a recipient or Node refuses it. The JWK's `d` is a string, like the identity itself. */
function fromJwk(scalar: Uint8Array, claimed: string): KeyObject | undefined {
  try {
    const { prefix, bytes } = bech32.decodeToBytes(claimed as `${string}1${string}`);
    if (prefix !== 'age' || bytes.length !== KEY_SIZE) return undefined;
    const d = Buffer.from(scalar.buffer, scalar.byteOffset, scalar.byteLength).toString('base64url');
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: Buffer.from(bytes).toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
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
    // As a JWK: Node imports it without OpenSSL's SPKI decoders.
    secret = diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' }) });
  } catch {
    throw new AgeFailure('header');
  }
  if (secret.every((byte) => byte === 0)) throw new AgeFailure('header');
  return secret;
}
