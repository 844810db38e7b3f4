import { getCiphers } from 'node:crypto';
import { x25519PrivateKey } from './x25519.js';

let supported: boolean | undefined;

/**
 * Whether this node's crypto has what the native decrypter needs: X25519 keys and ChaCha20-Poly1305 (a
 * Node built against a crypto library without them falls back to age-encryption).
 */
export function nativeAgeSupported(): boolean {
  supported ??= probe();
  return supported;
}

function probe(): boolean {
  if (!getCiphers().includes('chacha20-poly1305')) return false;
  try {
    x25519PrivateKey(new Uint8Array(32).fill(1));
    return true;
  } catch {
    return false;
  }
}
