import { EnvkitError } from '../errors.js';
import type { EnvSchema } from '../schema/define.js';
import { cleanStaleTemps } from '../files/write-file.js';
import { withLockAsync } from '../files/lock.js';
import { parseDocument } from '../dotenv/document.js';
import { editText, setEdit, unsetEdit, rotateEdit, nextSecretValue, valueIn, type DocumentEdit, type GetResult } from '../project/edit.js';
import { isPresent, type KeySummary } from '../project/plan.js';
import type { FileChange } from '../files/file-change.js';
import { describeWrite } from '../files/file-change.js';
import type { KeyPair } from './keys.js';
import type { RecipientEntry } from './recipients-file.js';
import { assertNotLockedOut, environmentPaths, ofEnvironment, openEnvironment, readEnvironmentText, readRecipients, sealEnvironment, type EnvironmentPaths } from './environment.js';

/** Which environment, under which schema, opened with which identities. */
export interface EnvironmentOptions {
  /** The project directory. */
  cwd: string;
  /** The environment's name (`production` for `.env.production.age`). */
  name: string;
  schema: EnvSchema;
  /** The identities present (with their recipients, for the lock-out check). */
  identities: readonly KeyPair[];
}

/** The result of an edit of an encrypted environment. Never carries a value. */
export interface EnvironmentEditResult {
  keys: KeySummary[];
  file: FileChange;
}

/**
 * Decrypt the environment in memory, apply `edit` (losslessly, derived values recomputed), encrypt to its
 * recipients and write `.env.<name>.age` atomically, all under the environment's lock. No plaintext ever
 * touches the disk. Nothing is written for a dry run or when nothing changed.
 */
export function editEnvironment(
  options: EnvironmentOptions,
  purpose: string,
  edit: DocumentEdit,
  flags: { dryRun?: boolean; createIfMissing?: boolean } = {},
): Promise<EnvironmentEditResult> {
  const paths = environmentPaths(options.cwd, options.name);
  return transformEnvironment(options, purpose, (text) => editText(text, paths.encryptedName, options.schema, edit), flags);
}

/** {@link editEnvironment} with a transform of the whole text. */
async function transformEnvironment(
  options: EnvironmentOptions,
  purpose: string,
  transform: (text: string | undefined) => { next: string; keys: KeySummary[] },
  flags: { dryRun?: boolean; createIfMissing?: boolean },
): Promise<EnvironmentEditResult> {
  const paths = environmentPaths(options.cwd, options.name);
  return withLockAsync(paths.lock, purpose, () => changeEnvironment(paths, options, transform, { ...flags, recipients: 'first' }));
}

/** How {@link changeEnvironment} goes about it. */
export interface ChangeFlags {
  dryRun?: boolean;
  /** Create the environment when it does not exist (else `missing`). */
  createIfMissing?: boolean;
  /**
   * When the recipients list is read: `first`, before decrypting (a missing list is refused even when nothing
   * would be written, as `set --env` always has); `on-write`, only when there is something to write (a
   * rotation resumed after its write finishes without it).
   */
  recipients: 'first' | 'on-write';
  /** The error for an environment that does not exist (default: "environment NAME does not exist"). */
  missing?: (paths: EnvironmentPaths) => EnvkitError;
}

/**
 * The core of every change of an encrypted environment, under its lock (the caller holds it): decrypt in
 * memory, `transform` the text, and unless nothing changed or it is a dry run, refuse a recipients list none
 * of the identities is on, then encrypt to the recipients and write `.env.<name>.age` atomically.
 */
export async function changeEnvironment(
  paths: EnvironmentPaths,
  options: EnvironmentOptions,
  transform: (text: string | undefined) => { next: string; keys: KeySummary[] },
  flags: ChangeFlags,
): Promise<EnvironmentEditResult> {
  const listed = flags.recipients === 'first' ? readRecipients(paths) : undefined;
  const text = await readEnvironmentText(paths, secretsOf(options));
  if (text === undefined && !flags.createIfMissing) throw (flags.missing ?? missing)(paths);
  let transformed: { next: string; keys: KeySummary[] };
  try {
    transformed = transform(text);
  } catch (error) {
    throw ofEnvironment(error, paths);
  }
  const { next, keys } = transformed;
  const action = next === text ? 'unchanged' : text === undefined ? 'created' : 'updated';
  if (flags.dryRun || next === text) return { keys, file: { path: paths.encrypted, action } };
  const recipients = recipientsToWrite(paths, options, listed);
  cleanStaleTemps(paths.encrypted);
  return { keys, file: describeWrite(await sealEnvironment(paths, next, recipients)) };
}

/** `set --env`: {@link setValues} on an encrypted environment (created when it does not exist yet). */
export function setEnvironmentValues(
  options: EnvironmentOptions & { values: Record<string, string>; allowUnknown?: boolean; force?: boolean; dryRun?: boolean },
): Promise<EnvironmentEditResult> {
  return editEnvironment(options, 'set', setEdit(options), { dryRun: options.dryRun, createIfMissing: true });
}

/** `unset --env`: {@link unsetKeys} on an encrypted environment. */
export function unsetEnvironmentKeys(options: EnvironmentOptions & { keys: string[]; force?: boolean; dryRun?: boolean }): Promise<EnvironmentEditResult> {
  return editEnvironment(options, 'unset', unsetEdit(options), { dryRun: options.dryRun });
}

/** `rotate --env` for a secret that lives in the file alone: a new value (generated or given), re-encrypted. */
export async function rotateEnvironmentSecret(
  options: EnvironmentOptions & { key: string; value?: string; dryRun?: boolean },
): Promise<EnvironmentEditResult & { generated: boolean }> {
  const next = nextSecretValue(options.schema, options.key, options.value);
  const result = await editEnvironment(options, 'rotate', rotateEdit(options.schema, options.key, next), { dryRun: options.dryRun });
  return { ...result, generated: next.generated };
}

/** `get --env`: one value of an encrypted environment (the caller masks secrets). */
export async function getEnvironmentValue(options: EnvironmentOptions & { key: string; allowUnknown?: boolean }): Promise<GetResult> {
  const { doc } = await openEnvironment(options.cwd, options.name, secretsOf(options));
  return valueIn(doc, options);
}

/**
 * Replace the whole plaintext of an environment (`envkit encrypt --from FILE`, `envkit edit`): `text` must
 * parse completely (PARSE names `source`:line); the file is re-encrypted only when the text changed.
 */
export function replaceEnvironmentText(options: EnvironmentOptions & { text: string; source: string; dryRun?: boolean }): Promise<EnvironmentEditResult> {
  return transformEnvironment(
    options,
    'edit',
    (current) => {
      const before = current === undefined ? {} : parseDocument(current).toObject();
      // Compared once the derived values are recomputed: a stale MEMU_DB_URL in the file that the
      // recomputation puts back as it was is no change, not an update and a recomputation.
      const { next, keys: derived } = editText(options.text, options.source, options.schema, () => []);
      const after = parseDocument(next).toObject();
      const recomputed = new Set(derived.map((k) => k.key));
      const keys: KeySummary[] = [];
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const secret = options.schema.vars[key]?.secret ?? true;
        if (!(key in after)) keys.push({ key, action: 'removed', secret });
        // An empty value was not given: the key is there, still empty (as init says it: missing).
        else if (!(key in before)) keys.push({ key, action: isPresent(after[key]) ? 'given' : 'missing', secret });
        else if (before[key] !== after[key]) keys.push({ key, action: 'updated', secret, ...(recomputed.has(key) ? { reason: 'recomputed from its parts' } : {}) });
      }
      return { next, keys };
    },
    { createIfMissing: true, dryRun: options.dryRun },
  );
}

/**
 * The recipients to encrypt to (`listed`, else read now), refused (REFUSED) when none of the identities is on
 * the list: what was written could not be opened again here.
 */
export function recipientsToWrite(paths: EnvironmentPaths, options: EnvironmentOptions, listed: readonly RecipientEntry[] = readRecipients(paths)): readonly RecipientEntry[] {
  assertNotLockedOut(paths, listed, options.identities.map((i) => i.recipient));
  return listed;
}

/** The identities' secret keys, for the decrypter. */
export function secretsOf(options: { identities: readonly KeyPair[] }): string[] {
  return options.identities.map((i) => i.identity);
}

function missing(paths: EnvironmentPaths): EnvkitError {
  return new EnvkitError('FILE', `environment ${paths.name} does not exist (no ${paths.encryptedName})`, {
    hint: 'create it: write its values, or encrypt a file as it',
    reason: 'env-missing',
    data: { environment: paths.name },
    path: paths.encrypted,
  });
}
