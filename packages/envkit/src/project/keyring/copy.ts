import type { EnvkitError } from '../../errors.js';
import type { BackupResult } from './backup.js';

/**
 * What happened to the keyring copy of the secrets a command wrote to the env file — the one shape of
 * init, set, unset, rotate and a rotation's result. The env file is written first (it is what the
 * application reads), the keyring after it, so a keyring failure never undoes the file:
 * - `stored`: the secrets were copied (`backup` says what, per key; `removed`: secrets deleted from the
 *   keyring because they left the env file);
 * - `failed`: the copy stopped at `error` (a KEYRING error, or keys skipped: `backup` then says which);
 * - `off`: no store, a dry run, no secret changed, or an encrypted environment (its copy is its file).
 */
export type KeyringCopy =
  | { status: 'stored'; backup: BackupResult; removed?: string[] }
  | { status: 'failed'; error: EnvkitError; backup?: BackupResult; backend?: string }
  | { status: 'off' };
