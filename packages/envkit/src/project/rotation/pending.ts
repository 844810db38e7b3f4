import { unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { EnvkitError } from '../../errors.js';
import { cleanStaleTemps, readTextFile, writeSecretFile } from '../../files/write-file.js';
import { MAX_STATE_BYTES } from '../../files/safe-read.js';
import { SSL_MODES, type SslMode } from '../../database/tls.js';

/** How a rotation changes the live database: compose exec psql, a direct connection, or not at all. */
export type ApplyMode = 'compose' | 'direct' | 'none';

/**
 * How far a pending rotation got. Informational only: a resumed rotation never skips a step on the
 * strength of this field, it checks the database and `.env` again.
 */
export type PendingStep = 'created' | 'applied' | 'tested';

/**
 * The write-ahead record of a rotation in progress (docs/rotation.md step 2). It holds the new secret
 * before anything else changes, so a crash at any later point loses nothing: until `.env` is written,
 * `.env` has the old value and this file the new one. Mode 0600, git-ignored (`.env.envkit-*`).
 */
export interface PendingRotation {
  /** Format version; a file with another version is refused, not guessed at. */
  version: 1;
  /** The variable being rotated. */
  key: string;
  /** The new value. Secret. */
  value: string;
  /** ISO 8601 time the rotation started. */
  created: string;
  /** How the last run applied (or meant to apply) the value. */
  apply: ApplyMode;
  /** The last step a run finished. */
  step: PendingStep;
  /**
   * How this rotation reaches the database and the app, so that `envkit rotate KEY` alone resumes it
   * against the same stack. Never a password. Absent in files of older envkit versions.
   */
  via?: PendingVia;
}

/** The settings of a rotation that a resumed run reuses (all optional: what the user gave or envkit chose). */
export interface PendingVia {
  /** The compose command's words (`['podman-compose', '--podman-run-args=--runtime runc']`). */
  compose?: string[];
  /** `-f` files, in order, as given. */
  files?: string[];
  /** `-p` project name. */
  project?: string;
  /** The database service. */
  service?: string;
  /** The app service recreated at the end. */
  appService?: string;
  /** Direct connection host and port. */
  dbHost?: string;
  dbPort?: number;
  /** Direct connection TLS in force (libpq's sslmode) and the CA file (absolute path, or `system`). */
  dbSslMode?: SslMode;
  dbSslRootCert?: string;
  /** The user allowed a cleartext or MD5 password method. */
  dbAllowInsecureAuth?: boolean;
}

const MODES: readonly ApplyMode[] = ['compose', 'direct', 'none'];
const STEPS: readonly PendingStep[] = ['created', 'applied', 'tested'];

/** The file's text: one JSON object and a newline. */
export function serializePending(pending: PendingRotation): string {
  const { version, key, value, created, apply, step, via } = pending;
  return `${JSON.stringify({ version, key, value, created, apply, step, ...(via === undefined ? {} : { via }) }, null, 2)}\n`;
}

/**
 * Parse a pending file's text. Throws `ROTATION` for anything that is not a version-1 pending rotation;
 * the message names the file and the problem, never its content (it holds a password that may already
 * be the only one the database accepts, so the hint says not to delete it blindly).
 */
export function parsePending(text: string, path: string): PendingRotation {
  const refuse = (problem: string): never => {
    throw new EnvkitError('ROTATION', `${path} is not a pending rotation envkit can read: ${problem}`, {
      hint:
        'it may hold the only copy of a new password the database already accepts: do not delete it blindly. ' +
        'It is a small JSON file ("key", "value"); check whether the database accepts "value", put the accepted ' +
        'password into the env file, then remove the file',
      path,
      reason: 'pending-unreadable',
    });
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error: it could be the password.
    return refuse('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse('not a JSON object');
  const record = data as Record<string, unknown>;
  if (record.version !== 1) return refuse('unknown format version (written by another envkit version?)');
  const { key, value, created, apply, step } = record;
  if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return refuse('"key" is not a variable name');
  if (typeof value !== 'string' || value === '') return refuse('"value" is missing or empty');
  if (typeof created !== 'string' || Number.isNaN(Date.parse(created))) return refuse('"created" is not a date');
  if (typeof apply !== 'string' || !MODES.includes(apply as ApplyMode)) return refuse('"apply" is not compose, direct or none');
  if (typeof step !== 'string' || !STEPS.includes(step as PendingStep)) return refuse('"step" is not created, applied or tested');
  const via = record.via === undefined ? undefined : parseVia(record.via);
  if (via === null) return refuse('"via" is not a set of rotation settings');
  return { version: 1, key, value, created, apply: apply as ApplyMode, step: step as PendingStep, ...(via === undefined ? {} : { via }) };
}

/** The `via` object, or `null` when any field has the wrong type. */
function parseVia(data: unknown): PendingVia | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  const words = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === 'string' && w !== '' && !w.includes('\0'));
  const name = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value);
  const via: PendingVia = {};
  for (const [field, value] of Object.entries(record)) {
    if (field === 'compose' || field === 'files') {
      if (!words(value)) return null;
      via[field] = value;
    } else if (field === 'project' || field === 'service' || field === 'appService') {
      if (!name(value)) return null;
      via[field] = value;
    } else if (field === 'dbHost') {
      if (typeof value !== 'string' || value === '' || value.includes('\0')) return null;
      via.dbHost = value;
    } else if (field === 'dbPort') {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) return null;
      via.dbPort = value as number;
    } else if (field === 'dbSslMode') {
      if (typeof value !== 'string' || !(SSL_MODES as readonly string[]).includes(value)) return null;
      via.dbSslMode = value as SslMode;
    } else if (field === 'dbSslRootCert') {
      if (typeof value !== 'string' || value === '' || value.includes('\0')) return null;
      via.dbSslRootCert = value;
    } else if (field === 'dbAllowInsecureAuth') {
      if (value !== true) return null;
      via.dbAllowInsecureAuth = true;
    } else {
      return null;
    }
  }
  return via;
}

/**
 * The pending rotation at `path`, or `undefined` when there is none. A symlink or other non-regular
 * file is refused (`FILE`), as the writer would refuse it, and so is one that is not the user's own or
 * that others may write (readRegularFile's `trusted`).
 */
export function readPending(path: string): PendingRotation | undefined {
  // Small, the user's own and not writable by others: a planted file would choose the new password.
  const text = readTextFile(path, { maxBytes: MAX_STATE_BYTES, trusted: true });
  return text === undefined ? undefined : parsePending(text, path);
}

/**
 * Write the pending file: atomically, mode 0600 from creation, fsynced with its directory, so that once
 * this returns the new value survives a crash or power loss. Leftover temp files of a killed earlier
 * write (which hold a secret too) are removed first; call this only while holding the project lock.
 */
export function writePending(path: string, pending: PendingRotation): void {
  cleanStaleTemps(path);
  writeSecretFile(path, serializePending(pending));
}

/** Remove the pending file; `false` when there was none. `envName` names the file that already holds the value. */
export function removePending(path: string, envName = '.env'): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') return false;
    throw new EnvkitError('FILE', `cannot remove ${path} (${typeof code === 'string' ? code : 'unknown error'})`, {
      hint: `${envName} is already up to date; remove ${basename(path)} by hand once you have checked it holds the value now in ${envName}`,
      reason: 'pending-not-removed',
      path,
      cause: error,
    });
  }
}
