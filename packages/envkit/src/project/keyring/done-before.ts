import { EnvkitError } from '../../errors.js';

/**
 * A keyring that fails after some keys were already stored or removed (gnome-keyring dying mid-way): `error`
 * saying which (also as data: `storedBefore` / `removedBefore`), so the failure is not read as "nothing
 * changed". Running the command again does the rest. Other errors, or none done, pass as they are.
 */
export function withDoneBefore(error: unknown, done: readonly string[], verb: 'stored' | 'removed'): unknown {
  if (done.length === 0 || !(error instanceof EnvkitError)) return error;
  return extended(error, `; ${done.join(' and ')} ${done.length === 1 ? 'was' : 'were'} ${verb} before that`, { [`${verb}Before`]: [...done] });
}

/**
 * A keyring that failed before removing secrets that left the env file (`set KEY=`, `unset`): `error` with them
 * as data (`notRemoved`), since the keyring still holds them and a `backup` would not remove them.
 */
export function withNotRemoved(error: unknown, keys: readonly string[]): unknown {
  if (keys.length === 0 || !(error instanceof EnvkitError)) return error;
  return extended(error, '', { notRemoved: [...keys] });
}

function extended(error: EnvkitError, suffix: string, data: Record<string, string[]>): EnvkitError {
  return new EnvkitError(error.code, `${error.message}${suffix}`, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    ...(error.path === undefined ? {} : { path: error.path }),
    issues: error.issues,
    data: { ...error.data, ...data },
    cause: error,
  });
}
