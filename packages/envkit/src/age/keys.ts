import { bech32 } from '@scure/base';
import { EnvkitError } from '../errors.js';

// Bech32 as age writes it: `age1` + 58 data characters for an X25519 recipient (32 bytes and a checksum),
// `AGE-SECRET-KEY-1` + 58 for its identity. The checksum is checked with @scure/base (what age-encryption
// itself decodes with), so a mistyped recipient is refused here, by file:line, not deep in the encrypter.
const X25519_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;
const X25519_IDENTITY = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;

/** What a post-quantum key is to age 1.1.1 (a front end may add how it makes an X25519 one). */
export const POST_QUANTUM_RECIPIENT = 'a post-quantum hybrid recipient (age1pq1…): age 1.1.1 cannot decrypt for it; use an X25519 recipient (age-keygen)';
export const POST_QUANTUM_IDENTITY = 'a post-quantum hybrid identity: age 1.1.1 cannot use it; create an X25519 one with age-keygen';

/**
 * Why `text` is not an age X25519 recipient, or `undefined` when it is one. Names the kind of key it is
 * (a post-quantum hybrid `age1pq1…`, a tag, a plugin, an SSH key, an identity pasted by mistake) and never
 * quotes a secret. Recipients other than X25519 are refused: Debian's age 1.1.1 cannot decrypt for them.
 */
export function recipientProblem(text: string): string | undefined {
  if (X25519_RECIPIENT.test(text)) return checksumOk(text, 'age') ? undefined : 'not a valid age X25519 recipient: its checksum is wrong (a character mistyped or lost?)';
  if (/^AGE-SECRET-KEY-/i.test(text)) return 'this is a secret identity, not a recipient: remove it at once and treat that key as exposed';
  if (/^age1pq1/i.test(text)) return POST_QUANTUM_RECIPIENT;
  if (/^age1tag/i.test(text)) return 'a hardware tag recipient (age1tag…): envkit supports X25519 recipients only';
  // Bech32 has no `1` in its data: a second one ends a plugin name (age1yubikey1…).
  if (/^age1[a-z0-9]+1/i.test(text)) return 'a plugin recipient (age1<plugin>1…): envkit supports X25519 recipients only';
  if (/^(ssh-|ecdsa-)/.test(text)) return 'an SSH public key: envkit supports age X25519 recipients only (age1…)';
  if (/^age1/i.test(text)) return 'not a valid age X25519 recipient (expected age1 and 58 lowercase bech32 characters)';
  return 'not an age recipient (expected age1 and 58 lowercase bech32 characters, as age-keygen prints)';
}

/** Throw CRYPTO unless `text` is an age X25519 recipient; `where` (file:line) goes in the message. */
export function assertRecipient(text: string, where: string): void {
  const problem = recipientProblem(text);
  if (problem !== undefined) {
    throw new EnvkitError('CRYPTO', `${where}: ${problem}`, {
      hint: 'a recipient is the public key `age-keygen -y KEYFILE` prints (age1…)',
      reason: 'recipient-invalid',
      data: { where, problem, postQuantum: problem === POST_QUANTUM_RECIPIENT },
    });
  }
}

/** Why `text` is not an X25519 identity, or `undefined`. Never quotes it. */
export function identityProblem(text: string): string | undefined {
  if (X25519_IDENTITY.test(text)) return checksumOk(text.toLowerCase(), 'age-secret-key-') ? undefined : 'not a valid age identity: its checksum is wrong (damaged?)';
  if (text.startsWith('AGE-SECRET-KEY-PQ-1')) return POST_QUANTUM_IDENTITY;
  if (text.startsWith('AGE-PLUGIN-')) return 'a plugin identity: envkit supports X25519 identities only';
  if (text.startsWith('age1')) return 'a recipient (public key), not an identity: give the file age-keygen wrote';
  if (text.startsWith('-----BEGIN')) return 'a PEM key (SSH?): envkit supports age X25519 identities only';
  return 'not an age identity (expected AGE-SECRET-KEY-1 and 58 characters, as age-keygen writes)';
}

/** An identity with its public recipient. */
export interface KeyPair {
  /** `AGE-SECRET-KEY-1…`: secret. */
  identity: string;
  /** `age1…`: public. */
  recipient: string;
}

/** The Bech32 string decodes with prefix `prefix` to 32 bytes. */
function checksumOk(text: string, prefix: string): boolean {
  try {
    const decoded = bech32.decodeToBytes(text as `${string}1${string}`);
    return decoded.prefix === prefix && decoded.bytes.length === 32;
  } catch {
    return false;
  }
}
