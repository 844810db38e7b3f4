import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { shellWord } from '../text/shell-word.js';
import { readTextFile, writeSecretFile } from '../files/write-file.js';
import { openOsStore, type OsSecretStore } from '../keyring/os-store.js';
import { formatIdentityFile, identityFileEntries, type IdentityFileEntry } from './identity-file.js';
import { loadAge } from './load.js';
import { identityProblem, POST_QUANTUM_IDENTITY, type KeyPair } from './keys.js';
import { nativeKey, nativeUsable, noteClaimedRecipient } from './native/support.js';
import { x25519Recipient } from './native/x25519.js';

/** The keyring entry of the personal identity: service `envkit:identity`, account `AGE_SECRET_KEY`. */
const KEYRING_PROJECT = 'identity';
const KEYRING_KEY = 'AGE_SECRET_KEY';

/** Where an identity was found or kept. */
export type IdentitySource = { kind: 'keyring'; backend: string } | { kind: 'file'; path: string };

/** An identity in use, with its recipient and where it came from. */
export interface LoadedIdentity extends KeyPair {
  source: IdentitySource;
}

/** Options of {@link loadIdentities} and {@link ensureIdentity}. */
export interface IdentityOptions {
  /** Key files to use instead of the personal identity (`--identity`, `ENVKIT_IDENTITY_FILE`). */
  files?: readonly string[];
  /**
   * The OS keyring: `auto` (default: used when available), `required` (its absence is a KEYRING error),
   * `off` (never asked; the identity file only).
   */
  keyring?: 'auto' | 'required' | 'off';
  /** The environment: `XDG_CONFIG_HOME`, `HOME`, the D-Bus address (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** The personal identity file: `$XDG_CONFIG_HOME/envkit/identity.txt`, by default `~/.config/envkit/identity.txt`. */
export function identityFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(config, 'envkit', 'identity.txt');
}

/**
 * The identities to decrypt with: the given key files (every identity in each), else the personal one —
 * its file when it exists, else the OS keyring's entry (unless `keyring: 'off'`). Returns an empty list
 * when there is none; throws CRYPTO for a key file that is missing or holds anything else.
 */
export async function loadIdentities(options: IdentityOptions = {}): Promise<LoadedIdentity[]> {
  const env = options.env ?? process.env;
  if (options.files && options.files.length > 0) {
    const loaded: LoadedIdentity[] = [];
    for (const file of options.files) {
      const path = resolve(file);
      const text = readTextFile(path, { followSymlinks: true });
      if (text === undefined) throw new EnvkitError('CRYPTO', `identity file ${file} does not exist`, { hint: 'give the file `age-keygen -o FILE` wrote', path });
      for (const entry of identityFileEntries(text, file)) loaded.push(await withRecipient(entry, { kind: 'file', path }));
    }
    return loaded;
  }
  const personal = await readPersonalFile(env);
  if (personal.length > 0) return personal;
  if (options.keyring === 'off') return [];
  const stored = await readKeyring(options, env);
  return stored === undefined ? [] : [stored];
}

/**
 * The personal identity, created when there is none: a new X25519 identity kept in the OS keyring, or —
 * when the keyring is unavailable (`auto`) or `off` — in a 0600 file under a 0700 directory
 * ({@link identityFilePath}), in age-keygen's format so `age -d -i` reads it. Never replaces one: with the
 * keyring `off` and no file, an identity the keyring already holds is copied into the file (`copiedFrom`).
 */
export async function ensureIdentity(options: IdentityOptions = {}): Promise<LoadedIdentity & { created: boolean; copiedFrom?: IdentitySource }> {
  const env = options.env ?? process.env;
  const existing = await loadIdentities({ ...options, files: undefined });
  if (existing.length > 0) return { ...(existing[0] as LoadedIdentity), created: false };
  if (options.keyring === 'off') {
    // A file is wanted, and the keyring may hold the identity already: a new one in the file would take its
    // place (the file is read first) and lock its owner out of every environment encrypted to it. The keyring's
    // is copied into the file instead (read only; one that cannot be read or used leaves a new one to be made).
    const stored = await readKeyring({ keyring: 'auto' }, env).catch(() => undefined);
    if (stored !== undefined) {
      const path = writePersonalFile(env, stored.identity, stored.recipient);
      return { identity: stored.identity, recipient: stored.recipient, source: { kind: 'file', path }, created: false, copiedFrom: stored.source };
    }
  }
  const age = await loadAge();
  const identity = await age.generateX25519Identity();
  const recipient = await age.identityToRecipient(identity);
  if (options.keyring !== 'off') {
    const kept = await keepInKeyring(identity, options, env);
    if (kept !== undefined) return { identity, recipient, source: kept, created: true };
  }
  const path = writePersonalFile(env, identity, recipient);
  return { identity, recipient, source: { kind: 'file', path }, created: true };
}

/** Write the personal identity file ({@link identityFilePath}, 0600 under a 0700 directory); returns its path. */
function writePersonalFile(env: NodeJS.ProcessEnv, identity: string, recipient: string): string {
  const path = identityFilePath(env);
  makePrivateDir(resolve(path, '..'));
  writeSecretFile(path, formatIdentityFile(identity, recipient, new Date()));
  return path;
}

/** The identity with its recipient: by node:crypto, so that a command that only decrypts never loads age-encryption. */
async function withRecipient({ identity, claimedRecipient }: IdentityFileEntry, source: IdentitySource): Promise<LoadedIdentity> {
  if (nativeUsable([identity])) {
    if (claimedRecipient !== undefined) noteClaimedRecipient(identity, claimedRecipient);
    // Computed when first asked for: decrypting (`envkit run --env`) needs only the secret key, and importing
    // the key is most of what the recipient costs.
    let recipient: string | undefined;
    return {
      identity,
      source,
      get recipient() {
        recipient ??= x25519Recipient(nativeKey(identity));
        return recipient;
      },
    };
  }
  const age = await loadAge();
  return { identity, recipient: await age.identityToRecipient(identity), source };
}

async function readPersonalFile(env: NodeJS.ProcessEnv): Promise<LoadedIdentity[]> {
  const path = identityFilePath(env);
  const text = readTextFile(path);
  if (text === undefined) return [];
  const mode = lstatSync(path).mode & 0o077;
  if (mode !== 0) {
    throw new EnvkitError('CRYPTO', `${path} can be read by other users (mode ${(lstatSync(path).mode & 0o777).toString(8)}): it holds your secret age identity`, {
      hint: `chmod 600 ${shellWord(path)}, and if others could really read it, create a new identity and rotate what it could decrypt`,
      path,
    });
  }
  let entries: IdentityFileEntry[];
  try {
    entries = identityFileEntries(text, path);
  } catch (error) {
    // envkit's own file: `envkit identity` would read it again and age-keygen -o will not overwrite it, so the
    // error says it is the personal one (as data) for a fix that moves it away first.
    if (!isEnvkitError(error, 'CRYPTO') || error.reason !== 'identity-invalid') throw error;
    throw new EnvkitError('CRYPTO', error.message, {
      hint: `move it away (mv -i ${shellWord(path)} ${shellWord(`${path}.unusable`)}), then create a new X25519 identity and have its recipient added to each environment`,
      reason: error.reason,
      data: { ...error.data, personal: path },
      cause: error,
    });
  }
  const loaded: LoadedIdentity[] = [];
  for (const entry of entries) loaded.push(await withRecipient(entry, { kind: 'file', path }));
  return loaded;
}

function readKeyring(options: IdentityOptions, env: NodeJS.ProcessEnv): Promise<LoadedIdentity | undefined> {
  return withKeyring(options, env, async (store) => {
    const identity = (await store.get(KEYRING_PROJECT, KEYRING_KEY))?.trim();
    if (identity === undefined) return undefined;
    // Checked as an identity file's lines are (age-encryption's decoder would quote it in its error).
    const problem = identityProblem(identity);
    if (problem !== undefined) {
      throw new EnvkitError('CRYPTO', `the OS keyring's identity (${store.backend}): ${problem}`, {
        hint: `envkit keeps an AGE-SECRET-KEY-1… identity (as age-keygen writes it) under service envkit:${KEYRING_PROJECT}, account ${KEYRING_KEY}`,
        reason: 'identity-invalid',
        data: { where: 'keyring', problem, postQuantum: problem === POST_QUANTUM_IDENTITY },
      });
    }
    return withRecipient({ identity }, { kind: 'keyring', backend: store.backend });
  });
}

function keepInKeyring(identity: string, options: IdentityOptions, env: NodeJS.ProcessEnv): Promise<IdentitySource | undefined> {
  return withKeyring(options, env, async (store) => {
    await store.set(KEYRING_PROJECT, KEYRING_KEY, identity);
    return { kind: 'keyring', backend: store.backend };
  });
}

/** Run `fn` with the OS keyring; `undefined` when it is unavailable (unless it is required), closed afterwards. */
async function withKeyring<T>(options: IdentityOptions, env: NodeJS.ProcessEnv, fn: (store: OsSecretStore) => Promise<T | undefined>): Promise<T | undefined> {
  let store: OsSecretStore;
  try {
    store = await openOsStore({ env });
  } catch (error) {
    if (options.keyring === 'required' || !isEnvkitError(error, 'KEYRING')) throw error;
    return undefined;
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Create `dir` (and parents) and make it 0700: it holds a secret key. */
function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
