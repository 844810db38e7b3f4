import { getCipherInfo } from 'node:crypto';
import { identityProblem } from '../keys.js';
import { x25519Key, type X25519Key } from './x25519.js';

let supported: boolean | undefined;
// The recipient each identity's file claims for it (see x25519Key), noted as identity files are read.
const claims = new Map<string, string>();

/** Note the `age1…` an identity file names for `identity` (age-keygen's `# public key:` line). */
export function noteClaimedRecipient(identity: string, recipient: string): void {
  claims.set(identity, recipient);
}

/** A key of `identity` (valid, X25519: {@link nativeUsable}), imported with its file's claimed recipient. */
export function nativeKey(identity: string): X25519Key {
  return x25519Key(identity, claims.get(identity));
}

/**
 * The X25519 keys of `identities` when the native decrypter can use them, else `undefined` (then
 * age-encryption decrypts, as it did before): an identity that is not a valid X25519 one, or a node whose
 * crypto lacks ChaCha20-Poly1305 or X25519 keys (a Node built against another crypto library).
 */
export function nativeKeys(identities: readonly string[]): X25519Key[] | undefined {
  if (!nativeUsable(identities)) return undefined;
  try {
    return identities.map(nativeKey);
  } catch {
    // Valid identities that this node cannot make X25519 keys of.
    supported = false;
    return undefined;
  }
}

/**
 * Whether {@link nativeKeys} would make keys of `identities` (valid X25519 identities, a node with
 * ChaCha20-Poly1305), without making them: importing a key is most of what it costs.
 */
export function nativeUsable(identities: readonly string[]): boolean {
  supported ??= getCipherInfo('chacha20-poly1305') !== undefined;
  return supported && identities.every((identity) => identityProblem(identity) === undefined);
}
