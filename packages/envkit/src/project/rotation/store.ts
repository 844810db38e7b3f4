import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { EnvSchema } from '../../schema/define.js';
import type { PendingRotation } from './pending.js';
import { readPending, removePending, writePending } from './pending.js';
import type { LoadedEnvFile } from '../env-file.js';
import { readEnvFile } from '../env-file.js';
import { applyEdit, type DocumentEdit, type EditResult } from '../edit.js';
import type { ProjectPaths } from '../context.js';

/**
 * Where a rotation reads and writes the values it changes, and its write-ahead record: the plaintext env
 * file ({@link envFileStore}) or an encrypted environment (`environmentStore` of envkit/age). The protocol
 * (docs/rotation.md) is the same for both; only how the files are read and written differs.
 */
export interface EnvStore {
  /** `file`: the plaintext env file; `environment`: an age-encrypted environment. */
  kind: 'file' | 'environment';
  /** The directory of the files (the compose project's too). */
  dir: string;
  /** The file that holds the values. */
  path: string;
  /** Its name as messages show it (`.env`, `.env.staging.age`). */
  name: string;
  /** The environment's name, for an encrypted environment. */
  environment?: string;
  /** The lock every writer of this file takes. */
  lock: string;
  /** The pending file: the new value before anything else changes. */
  pending: string;
  /** Its name as messages show it. */
  pendingName: string;
  /** The values now (`text` undefined: no file). Throws PARSE (or CRYPTO) for a file envkit cannot read completely. */
  read(): Promise<LoadedEnvFile>;
  /** Apply `edit` (derived values recomputed) and write the file once, atomically. The caller holds the lock. */
  edit(edit: DocumentEdit): Promise<EditResult>;
  /** Whether a pending file exists (without reading it). */
  hasPending(): boolean;
  /** The pending rotation, `undefined` when there is none. */
  readPending(): Promise<PendingRotation | undefined>;
  /** Write the pending file durably (the caller holds the lock). */
  writePending(pending: PendingRotation): Promise<void>;
  /** Remove the pending file; `false` when there was none. */
  removePending(): boolean;
}

/** The plaintext env file of a project as an {@link EnvStore}: `.env` and `.env.envkit-pending`, mode 0600. */
export function envFileStore(paths: ProjectPaths, schema: EnvSchema): EnvStore {
  return {
    kind: 'file',
    dir: paths.dir,
    path: paths.env,
    name: paths.envName,
    lock: paths.lock,
    pending: paths.pending,
    pendingName: basename(paths.pending),
    read: async () => readEnvFile(paths),
    edit: async (edit) => applyEdit(paths, schema, edit),
    hasPending: () => existsSync(paths.pending),
    readPending: async () => readPending(paths.pending),
    writePending: async (pending) => writePending(paths.pending, pending),
    removePending: () => removePending(paths.pending, paths.envName),
  };
}
