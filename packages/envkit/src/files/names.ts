import { basename, dirname, join, resolve } from 'node:path';

/**
 * The infix of every temporary file envkit creates: a write to `target` goes through
 * `${target}.envkit-tmp-<random>` in the same directory, so the final rename is atomic and a file
 * left behind by a killed process is recognisable (see `cleanStaleTemps`) and ignored by git.
 */
export const TEMP_MARKER = '.envkit-tmp-';

/** The paths of every file envkit keeps beside one env file. */
export interface ProjectFiles {
  /** The env file itself (absolute). */
  env: string;
  /** The committed template: same directory, `<basename>.example` (`.env.example`). */
  example: string;
  /** The rotation write-ahead log: the new secret before it is applied (mode 0600, git-ignored). */
  pending: string;
  /** The project lock: one envkit writer at a time. */
  lock: string;
  /** The previous env file kept by a rotation (mode 0600, git-ignored). */
  backup: string;
}

/**
 * The names of every file envkit writes beside an env file, in one place. All of them start with the
 * env file's name, so one ignore pattern (`.env.envkit-*`) covers envkit's working files.
 *
 * @example
 * projectFiles('/srv/memu/.env').pending; // '/srv/memu/.env.envkit-pending'
 */
export function projectFiles(envFile: string): ProjectFiles {
  const env = resolve(envFile);
  return {
    env,
    example: join(dirname(env), `${basename(env)}.example`),
    pending: `${env}.envkit-pending`,
    lock: `${env}.envkit-lock`,
    backup: `${env}.envkit-backup`,
  };
}
