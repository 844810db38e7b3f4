import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { EnvkitError } from '../errors.js';
import { parseDocument } from '../dotenv/document.js';
import { cleanStaleTemps, writeSecretFile } from '../files/write-file.js';
import { MAX_STATE_BYTES, readRegularFile } from '../files/safe-read.js';
import { editText } from '../project/edit.js';
import { parsePending, removePending, serializePending } from '../project/rotation/pending.js';
import type { EnvStore } from '../project/rotation/store.js';
import { decryptText, encryptText } from './cipher.js';
import { changeEnvironment, recipientsToWrite, secretsOf, type EnvironmentOptions } from './edit-environment.js';
import { assertEnvironmentParsed, environmentPaths, readEnvironmentText, type EnvironmentPaths } from './environment.js';

/**
 * The pending file of an environment's rotation: `.env.<name>.envkit-pending.age`, encrypted to the
 * environment's recipients (never plaintext on disk), git-ignored by the environment's `.env.<name>.envkit-*`
 * rule, and an `.age` file to the guard (ciphertext, not an env file).
 */
export function environmentPendingPath(paths: EnvironmentPaths): string {
  return `${paths.plaintext}.envkit-pending.age`;
}

/**
 * An encrypted environment as the store of a rotation (rotatePassword's `envStore`): decrypted in memory,
 * edited losslessly, re-encrypted to its recipients and written atomically under the environment's lock,
 * like `set --env`; the pending file is encrypted to the same recipients, so `envkit rotate KEY --env NAME`
 * alone resumes after a crash, on any machine that holds one of their identities. Every write first
 * refuses (REFUSED) a recipients list none of `identities` is on: the file could not be opened again here.
 */
export function environmentStore(options: EnvironmentOptions): EnvStore {
  const paths = environmentPaths(options.cwd, options.name);
  const identities = secretsOf(options);
  const pending = environmentPendingPath(paths);
  const pendingName = basename(pending);
  const read = async () => {
    const text = await readEnvironmentText(paths, identities);
    const doc = parseDocument(text ?? '');
    assertEnvironmentParsed(doc, paths);
    return { text, doc };
  };
  return {
    kind: 'environment',
    dir: paths.dir,
    path: paths.encrypted,
    name: paths.encryptedName,
    environment: paths.name,
    lock: paths.lock,
    pending,
    pendingName,
    read,
    // The recipients are read only to write: a rotation resumed after its write (the file has the new value)
    // finishes even if the recipients list is gone since.
    edit: (edit) =>
      changeEnvironment(paths, options, (text) => editText(text, paths.encryptedName, options.schema, edit), {
        recipients: 'on-write',
        missing: () => new EnvkitError('FILE', `${paths.encryptedName} does not exist`, { path: paths.encrypted, reason: 'env-missing', data: { store: 'environment', environment: paths.name } }),
      }),
    hasPending: () => existsSync(pending),
    async readPending() {
      // Small, the user's own and not writable by others, as the plaintext pending file: a planted file would choose the new password.
      const read = readRegularFile(pending, { maxBytes: MAX_STATE_BYTES * 4, trusted: true });
      if (read === undefined) return undefined;
      return parsePending(await decryptText(read.bytes, identities, pendingName), pending);
    },
    async writePending(record) {
      const sealed = await encryptText(serializePending(record), recipientsToWrite(paths, options).map((r) => r.recipient));
      cleanStaleTemps(pending);
      // Ciphertext, but the write-ahead record of a password: 0600 like the plaintext one.
      writeSecretFile(pending, new TextDecoder().decode(sealed));
    },
    removePending: () => removePending(pending, paths.encryptedName),
  };
}
