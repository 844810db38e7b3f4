// age-encryption (the age author's TypeScript implementation) is ESM and brings the noble curves and
// ciphers: loaded only by the commands that encrypt or create an identity (decrypting uses node:crypto, see
// native/, except on a node without X25519 or ChaCha20-Poly1305). It is an optional peer dependency of envkit
// (about 6 MB installed, which a tool that only loads its environment never needs). The CLI bundle maps this
// import to a CommonJS bundle of its own (packages/cli/build.mjs), so other commands never read it.
import { importOptionalPeer } from '../optional-peer.js';

/** The age-encryption module. */
export type AgeModule = typeof import('age-encryption');

let loaded: Promise<AgeModule> | undefined;

/** Load age-encryption once; a TOOL error naming `npm install age-encryption` when it is not installed. */
export function loadAge(): Promise<AgeModule> {
  loaded ??= importOptionalPeer(() => import('age-encryption'), { package: 'age-encryption', name: 'age-encryption', purpose: 'to encrypt and decrypt environments' });
  return loaded;
}
