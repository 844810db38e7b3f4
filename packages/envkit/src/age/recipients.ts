import { withLockAsync } from '../files/lock.js';
import { cleanStaleTemps, readTextFile, writeFileAtomic } from '../files/write-file.js';
import { parseDocument } from '../dotenv/document.js';
import type { EnvSchema } from '../schema/define.js';
import type { FileChange } from '../files/file-change.js';
import { describeWrite } from '../files/file-change.js';
import { assertRecipient, type KeyPair } from './keys.js';
import { addRecipientText, findRecipient, parseRecipients, removeRecipientText, type RecipientEntry } from './recipients-file.js';
import { assertNotLockedOut, environmentPaths, readEnvironmentText, readRecipients, sealEnvironment, type EnvironmentPaths } from './environment.js';

/** Options of the recipients operations. */
export interface RecipientsOptions {
  cwd: string;
  /** The environment's name. */
  name: string;
  /** The identities present (to re-encrypt, and for the lock-out check). */
  identities: readonly KeyPair[];
}

/** What a change of recipients did. */
export interface RecipientsChange {
  /** The recipient added or removed. */
  entry: RecipientEntry;
  /** False when it was already listed (add): the environment is then re-encrypted to the list as it is. */
  changed: boolean;
  /** The recipients file and the encrypted file, as written (the latter `unchanged` when it does not exist yet). */
  files: FileChange[];
  /** The recipients after the change. */
  recipients: RecipientEntry[];
}

/** The recipients of an environment (an empty list when its recipients file does not exist). */
export function listRecipients(cwd: string, name: string): { paths: EnvironmentPaths; recipients: RecipientEntry[] } {
  const paths = environmentPaths(cwd, name);
  const text = readTextFile(paths.recipients);
  return { paths, recipients: text === undefined ? [] : parseRecipients(text, paths.recipientsName) };
}

/**
 * Add a recipient (`age1…` X25519 only) to an environment, with its owner's name as a comment, and
 * re-encrypt the environment to the new list. Refuses a list none of the identities present is on (the
 * first recipient of a new environment must be one of yours). The encrypted file is written first: if
 * envkit dies in between, the next write encrypts to the old list again, never to more people.
 */
export async function addRecipient(options: RecipientsOptions & { recipient: string; label?: string }): Promise<RecipientsChange> {
  const { paths } = listRecipients(options.cwd, options.name);
  assertRecipient(options.recipient, 'recipient');
  return withLockAsync(paths.lock, 'recipients add', async () => {
    const text = readTextFile(paths.recipients);
    const before = text === undefined ? [] : parseRecipients(text, paths.recipientsName);
    const existing = before.find((e) => e.recipient === options.recipient);
    if (existing) return { entry: existing, changed: false, files: await resealToList(paths, options, before), recipients: before };
    const nextText = addRecipientText(text, options.recipient, options.label);
    const after = parseRecipients(nextText, paths.recipientsName);
    // Decrypted before the lock-out check: someone who cannot read the environment now is told that (and how
    // to be added), not that this change would lock them out.
    const plain = await readEnvironmentText(paths, options.identities.map((i) => i.identity));
    assertNotLockedOut(paths, after, options.identities.map((i) => i.recipient));
    const files: FileChange[] = [];
    if (plain !== undefined) {
      cleanStaleTemps(paths.encrypted);
      files.push(describeWrite(await sealEnvironment(paths, plain, after)));
    }
    cleanStaleTemps(paths.recipients);
    files.unshift(describeWrite(writeFileAtomic(paths.recipients, nextText, { mode: 0o644 })));
    return { entry: after.at(-1) as RecipientEntry, changed: true, files, recipients: after };
  });
}

/**
 * Re-encrypt the environment (if it exists) to `listed`, the recipients file as it is: a recipient already
 * listed may have been added by hand (the file is age's recipients format), and the environment is encrypted
 * to the list only at its next write. Adding it again makes that write now, so it can decrypt afterwards.
 */
async function resealToList(paths: EnvironmentPaths, options: RecipientsOptions, listed: readonly RecipientEntry[]): Promise<FileChange[]> {
  const plain = await readEnvironmentText(paths, options.identities.map((i) => i.identity));
  if (plain === undefined) return [];
  assertNotLockedOut(paths, listed, options.identities.map((i) => i.recipient));
  cleanStaleTemps(paths.encrypted);
  return [describeWrite(await sealEnvironment(paths, plain, listed))];
}

/** What {@link removeRecipient} did, and what the removed recipient could read. */
export interface RecipientRemoval extends RecipientsChange {
  /**
   * The secrets of the environment the removed recipient could decrypt until now (every non-empty key the
   * schema marks secret or does not know; derived ones change with their parts): they stay valid until
   * rotated. Names only.
   */
  exposed: string[];
}

/**
 * Remove a recipient (by `age1…` or by name) and re-encrypt the environment without it. Refuses when none
 * of the identities present would stay on the list. The recipients file is written first: if envkit dies
 * in between, the old file (which the removed recipient could read anyway) is re-encrypted without them at
 * the next write. Removal alone is not revocation: the removed recipient may keep the old file or its
 * values, so the result lists every secret they could read, for `envkit rotate`.
 */
export async function removeRecipient(options: RecipientsOptions & { who: string; schema: EnvSchema }): Promise<RecipientRemoval> {
  const paths = environmentPaths(options.cwd, options.name);
  return withLockAsync(paths.lock, 'recipients remove', async () => {
    const before = readRecipients(paths);
    const entry = findRecipient(before, options.who, paths.recipientsName);
    const after = before.filter((e) => e !== entry);
    // Decrypted first, as in addRecipient: a non-recipient is not "locked out" by a change, and cannot add itself.
    const plain = await readEnvironmentText(paths, options.identities.map((i) => i.identity));
    assertNotLockedOut(paths, after, options.identities.map((i) => i.recipient));
    const nextText = removeRecipientText(readTextFile(paths.recipients) ?? '', entry);
    const remaining = parseRecipients(nextText, paths.recipientsName);
    cleanStaleTemps(paths.recipients);
    const files = [describeWrite(writeFileAtomic(paths.recipients, nextText, { mode: 0o644 }))];
    let exposed: string[] = [];
    if (plain !== undefined) {
      cleanStaleTemps(paths.encrypted);
      files.push(describeWrite(await sealEnvironment(paths, plain, remaining)));
      const values = parseDocument(plain).toObject();
      // A derived secret (the database URL) changes with its parts: rotating those covers it.
      exposed = Object.keys(values).filter((key) => values[key] !== '' && (options.schema.vars[key]?.secret ?? true) && !options.schema.vars[key]?.derive);
    }
    return { entry, changed: true, files, recipients: remaining, exposed };
  });
}
