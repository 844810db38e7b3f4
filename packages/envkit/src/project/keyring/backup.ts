import { EnvkitError, type ErrorIssue, type IssueFix } from '../../errors.js';
import { validateValues } from '../../schema/load.js';
import { projectPaths } from '../context.js';
import { readEnvFile } from '../env-file.js';
import { isPresent } from '../plan.js';
import { stripKey } from './inspect.js';
import { withDoneBefore } from './done-before.js';
import { currentValues, type CurrentValues } from './held.js';
import { secretKeys, targetOf, type KeyringProjectOptions, type KeyringTarget } from './project-id.js';

/** What {@link backupSecrets} did with one secret. */
export interface BackedUpKey {
  key: string;
  /**
   * `stored`: written (a different previous value moved into the history); `unchanged`: the keyring already
   * had this value; `skipped`: not written, `reason` says why (empty, or invalid in `.env`).
   */
  action: 'stored' | 'unchanged' | 'skipped';
  /** For `stored`: a previous value was replaced and kept as history. */
  replaced?: boolean;
  /** For `skipped`: why, as a code (`empty`, `invalid`); `reason` says it in words. */
  why?: 'empty' | 'invalid';
  reason?: string;
  /** For `invalid`: what is wrong with the value (in `reason`'s parentheses), and how to fix it, as data. */
  issue?: string;
  fix?: IssueFix;
}

/** Result of {@link backupSecrets}. */
export interface BackupResult extends KeyringTarget {
  keys: BackedUpKey[];
}

/** Options of {@link backupSecrets}. */
export interface BackupOptions extends KeyringProjectOptions {
  /** Only these secrets (default: every secret of the schema). */
  keys?: string[];
  /** Compare only, write nothing. */
  dryRun?: boolean;
}

/**
 * Copy the secrets of the env file into the store (`envkit backup`; also the last step of `envkit init`).
 * A secret that is empty is skipped, and so is one that fails validation: a broken value must not push the
 * good copy into the history. Throws FILE when the env file is missing, PARSE when it cannot be read
 * completely, KEYRING from the store. On a store with a snapshot (the Secret Service) the keys are compared with
 * one listing of the project, made where the first key would have been read; elsewhere key by key.
 *
 * @example
 * const result = await backupSecrets({ cwd, schema: memuSchema, store: await openOsStore() });
 * result.keys; // [{ key: 'POSTGRES_PASSWORD', action: 'stored' }, …]
 */
export function backupSecrets(options: BackupOptions): Promise<BackupResult> {
  return backupReading(options);
}

/**
 * {@link backupSecrets}, reading the store through `held` when given: a command that reads some of the keys
 * before (keepRotatedSecret) shares one, so the project is listed once (held.ts).
 */
export async function backupReading(options: BackupOptions, held?: CurrentValues): Promise<BackupResult> {
  const target = targetOf(options);
  const current = held ?? currentValues(options.store, target.projectId);
  const paths = projectPaths(options);
  const { text, doc } = readEnvFile(paths);
  if (text === undefined) {
    throw new EnvkitError('FILE', `${paths.envName} does not exist: nothing to back up`, {
      path: paths.env,
      hint: 'create it (init), or rebuild it from the keyring (restore)',
      reason: 'backup-env-missing',
    });
  }
  const values = doc.toObject();
  const invalid = new Map<string, ErrorIssue>();
  for (const issue of validateValues(options.schema, values).issues) if (issue.key !== undefined && !invalid.has(issue.key)) invalid.set(issue.key, issue);
  const secrets = secretKeys(options.schema);
  const wanted = options.keys ?? secrets;
  const keys: BackedUpKey[] = [];
  for (const key of wanted) {
    if (!secrets.includes(key)) {
      throw new EnvkitError('USAGE', `${key} is not a secret of the ${options.schema.name} schema; only secrets go to the keyring`, {
        hint: `the secrets are: ${secrets.join(', ')}`,
      });
    }
    const value = values[key];
    if (!isPresent(value)) {
      keys.push({ key, action: 'skipped', why: 'empty', reason: `empty in ${paths.envName}` });
      continue;
    }
    const issue = invalid.get(key);
    if (issue !== undefined) {
      const detail = stripKey(issue.message, key);
      keys.push({
        key,
        action: 'skipped',
        why: 'invalid',
        reason: `invalid in ${paths.envName} (${detail}); the keyring copy was left as it was`,
        issue: detail,
        ...(issue.fix ? { fix: issue.fix } : {}),
      });
      continue;
    }
    try {
      const stored = await current.get(key);
      if (stored === value) {
        keys.push({ key, action: 'unchanged' });
        continue;
      }
      if (!options.dryRun) {
        await options.store.set(target.projectId, key, value);
        current.stored(key, value);
      }
      keys.push({ key, action: 'stored', ...(stored === undefined ? {} : { replaced: true }) });
    } catch (error) {
      throw options.dryRun ? error : withDoneBefore(error, keys.filter((k) => k.action === 'stored').map((k) => k.key), 'stored');
    }
  }
  return { ...target, keys };
}
