import { getCipherInfo } from 'node:crypto';
import { identityProblem } from '../keys.js';
import { x25519Key, type X25519Key } from './x25519.js';

let supported: boolean | undefined;

/**
 * The X25519 keys of `identities` when the native decrypter can use them, else `undefined` (then
 * age-encryption decrypts, as it did before): an identity that is not a valid X25519 one, or a node whose
 * crypto lacks ChaCha20-Poly1305 or X25519 keys (a Node built against another crypto library).
 */
export function nativeKeys(identities: readonly string[]): X25519Key[] | undefined {
  if (!nativeUsable(identities)) return undefined;
  try {
    return identities.map(x25519Key);
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
