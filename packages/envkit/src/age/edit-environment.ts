import { EnvkitError } from '../errors.js';
import type { EnvSchema } from '../schema/define.js';
import { cleanStaleTemps } from '../files/write-file.js';
import { withLockAsync } from '../files/lock.js';
import { parseDocument } from '../dotenv/document.js';
import { editText, setEdit, unsetEdit, rotateEdit, nextSecretValue, valueIn, type DocumentEdit, type GetResult } from '../project/edit.js';
import type { KeySummary } from '../project/plan.js';
import type { FileChange } from '../files/file-change.js';
import { describeWrite } from '../files/file-change.js';
import type { KeyPair } from './keys.js';
import { assertNotLockedOut, environmentPaths, openEnvironment, readEnvironmentText, readRecipients, sealEnvironment, type EnvironmentPaths } from './environment.js';

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
  return withLockAsync(paths.lock, purpose, async () => {
    const recipients = readRecipients(paths);
    const text = await readEnvironmentText(paths, secretsOf(options));
    if (text === undefined && !flags.createIfMissing) throw missing(paths);
    const { next, keys } = transform(text);
    const action = next === text ? 'unchanged' : text === undefined ? 'created' : 'updated';
    if (flags.dryRun || next === text) return { keys, file: { path: paths.encrypted, action } };
    assertNotLockedOut(paths, recipients, options.identities.map((i) => i.recipient));
    cleanStaleTemps(paths.encrypted);
    return { keys, file: describeWrite(await sealEnvironment(paths, next, recipients)) };
  });
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
      return editText(options.text, options.source, options.schema, (_doc, after) => {
        const keys: KeySummary[] = [];
        for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
          const secret = options.schema.vars[key]?.secret ?? true;
          if (!(key in after)) keys.push({ key, action: 'removed', secret });
          else if (!(key in before)) keys.push({ key, action: 'given', secret });
          else if (before[key] !== after[key]) keys.push({ key, action: 'updated', secret });
        }
        return keys;
      });
    },
    { createIfMissing: true, dryRun: options.dryRun },
  );
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
