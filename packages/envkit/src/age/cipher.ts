import { EnvkitError } from '../errors.js';
import { identityProblem } from './keys.js';
import { loadAge } from './load.js';
import { decryptAgeFile } from './native/decrypt.js';
import { AgeFailure, type AgeFailureKind } from './native/failure.js';
import { nativeKeys } from './native/support.js';
import type { X25519Key } from './native/x25519.js';

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const BINARY_MAGIC = 'age-encryption.org/v1\n';

/**
 * Encrypt `text` to X25519 recipients (`age1…`, already validated), as age does: ASCII armor by default
 * (what envkit commits), the binary format with `armor: false`. `age -d -i KEY` reads either.
 */
export async function encryptText(text: string, recipients: readonly string[], options: { armor?: boolean } = {}): Promise<Uint8Array> {
  if (recipients.length === 0) throw new EnvkitError('USAGE', 'encryptText needs at least one recipient');
  const age = await loadAge();
  const encrypter = new age.Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const sealed = await encrypter.encrypt(text);
  return options.armor === false ? sealed : new TextEncoder().encode(age.armor.encode(sealed));
}

/** Which age format `bytes` are in, or `undefined` when they are not an age file at all. */
export function ageFormat(bytes: Uint8Array): 'armor' | 'binary' | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  if (head.startsWith(BINARY_MAGIC)) return 'binary';
  if (head.trimStart().startsWith(ARMOR_BEGIN)) return 'armor';
  return undefined;
}

/**
 * Decrypt an age file (armored or binary) with X25519 identities and return its text. Every failure is a
 * CRYPTO error that names `file` and says what is wrong — not an age file, none of the identities is a
 * recipient, an identity that cannot be used (never quoted), its armor or header is malformed, the header or
 * the payload fails age's authentication (edited, damaged or cut short), not UTF-8 — and never quotes the
 * file: a plaintext file named `.age` by mistake must not be echoed.
 */
export async function decryptText(bytes: Uint8Array, identities: readonly string[], file: string): Promise<string> {
  const format = ageFormat(bytes);
  if (format === undefined) {
    throw new EnvkitError('CRYPTO', `${file} is not an age-encrypted file`, {
      hint: 'envkit reads age files (armored or binary); if it holds plaintext, move it away and encrypt it',
      reason: 'not-age',
      path: file,
    });
  }
  if (identities.length === 0) throw noIdentity(file);
  // node:crypto (native/) opens an environment in a few milliseconds of which age-encryption took 16 more to
  // load and run (docs/startup.md); age-encryption stays for encrypting, for a node without X25519 or
  // ChaCha20-Poly1305, and for an identity that is not a valid X25519 one (it reads post-quantum ones; one it
  // cannot read is refused in envkit's words, below).
  const keys = nativeKeys(identities);
  const plain = keys ? decryptNative(bytes, format, keys, file) : await decryptWithAgeEncryption(bytes, format, identities, file);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plain);
  } catch {
    throw new EnvkitError('CRYPTO', `${file} decrypts to bytes that are not UTF-8 text`, { hint: 'an environment is a .env file in UTF-8', path: file });
  } finally {
    plain.fill(0);
  }
}

function decryptNative(bytes: Uint8Array, format: 'armor' | 'binary', keys: readonly X25519Key[], file: string): Uint8Array {
  try {
    return decryptAgeFile(bytes, format === 'armor', keys);
  } catch (error) {
    if (error instanceof AgeFailure) throw refused(file, error.kind, keys.length);
    throw error;
  }
}

async function decryptWithAgeEncryption(bytes: Uint8Array, format: 'armor' | 'binary', identities: readonly string[], file: string): Promise<Uint8Array> {
  const age = await loadAge();
  let raw: Uint8Array;
  try {
    raw = format === 'armor' ? age.armor.decode(new TextDecoder().decode(bytes)) : bytes;
  } catch {
    throw refused(file, 'armor', identities.length);
  }
  const decrypter = new age.Decrypter();
  for (const identity of identities) {
    try {
      decrypter.addIdentity(identity);
    } catch {
      // age-encryption's bech32 decoder quotes the whole identity in its error: envkit's words instead.
      throw new EnvkitError('CRYPTO', `an identity given to decrypt ${file}: ${identityProblem(identity) ?? 'age-encryption cannot use it'}`, {
        hint: 'an identity is what `age-keygen` writes (AGE-SECRET-KEY-1…)',
        reason: 'identity-invalid',
        path: file,
      });
    }
  }
  try {
    return await decrypter.decrypt(raw);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    // age's own messages are fixed strings, except "invalid version <line>", which quotes the file.
    const kind: AgeFailureKind = message.startsWith('no identity matched')
      ? 'no-match'
      : /HMAC/.test(message)
        ? 'hmac'
        : /header|stanza|version/.test(message)
          ? 'header'
          : 'payload';
    throw refused(file, kind, identities.length);
  }
}

/** The CRYPTO error for a file the decrypter refused, by what is wrong with it. Never quotes the file. */
function refused(file: string, kind: AgeFailureKind, identities: number): EnvkitError {
  switch (kind) {
    case 'no-match':
      return new EnvkitError('CRYPTO', `${identities === 1 ? 'your identity cannot' : `none of your ${identities} identities can`} decrypt ${file}: it was not encrypted to ${identities === 1 ? 'your recipient' : 'any of their recipients'}`, {
        hint: 'ask someone who can read it to add your age1… recipient',
        reason: 'not-recipient',
        path: file,
      });
    case 'armor':
      return damaged(file, 'its ASCII armor is malformed (a line edited, added or removed)');
    case 'hmac':
      return damaged(file, "its header fails age's authentication check (edited or damaged)");
    case 'header':
      return damaged(file, 'its header is malformed (edited or damaged)');
    case 'payload':
      return damaged(file, "its contents fail age's authentication check (edited, damaged or cut short)");
  }
}

/** No identity at all. */
export function noIdentity(file: string): EnvkitError {
  return new EnvkitError('CRYPTO', `no age identity to decrypt ${file} with`, {
    hint: 'create your identity and have it added as a recipient, or give a key file (ENVKIT_IDENTITY_FILE)',
    reason: 'no-identity',
    path: file,
  });
}

function damaged(file: string, reason: string): EnvkitError {
  return new EnvkitError('CRYPTO', `${file} cannot be decrypted: ${reason}`, {
    hint: `restore it from git (\`git checkout -- ${file}\`) or from whoever wrote it; nothing was written`,
    path: file,
  });
}
