import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvkitError } from '../errors.js';
import { readTextFile } from '../files/write-file.js';

/** A plaintext copy for an editor, in a private directory. */
export interface PrivateCopy {
  /** The private directory (0700). */
  dir: string;
  /** The copy (0600). */
  file: string;
  /** The copy's text now. */
  read(): string;
  /** Every other name in the private directory: swap, backup or lock files an editor left (each holds plaintext). */
  strays(): string[];
  /** Remove the directory and everything in it. Safe to call twice. */
  remove(): void;
}

/**
 * Write `text` for an editor to a 0600 file named `fileName` in a new 0700 directory, preferring memory-backed
 * places — `$XDG_RUNTIME_DIR` (per user, tmpfs), then `/dev/shm` — over the temp directory, so the plaintext
 * does not reach a disk where they exist. The caller removes it in a `finally`.
 */
export function privateCopy(text: string, fileName: string, env: NodeJS.ProcessEnv = process.env): PrivateCopy {
  const base = [env.XDG_RUNTIME_DIR, '/dev/shm', env.TMPDIR, tmpdir()].find((d) => d !== undefined && d !== '' && writable(d)) as string;
  const dir = mkdtempSync(join(base, 'envkit-edit-'));
  chmodSync(dir, 0o700);
  const file = join(dir, fileName);
  const copy: PrivateCopy = {
    dir,
    file,
    read() {
      const now = readTextFile(file);
      if (now === undefined) throw new EnvkitError('FILE', `the editor removed ${fileName}: nothing was changed`, { hint: 'edit it again and save the file in place', reason: 'editor-removed' });
      return now;
    },
    strays: () => (existsSync(dir) ? readdirSync(dir).filter((n) => n !== fileName) : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  try {
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    copy.remove();
    throw new EnvkitError('FILE', `cannot write a private copy in ${base}`, { hint: 'check that the temp directory is writable', cause: error });
  }
  return copy;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
