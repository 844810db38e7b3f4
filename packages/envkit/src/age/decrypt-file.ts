import { EnvkitError } from '../errors.js';
import { cleanStaleTemps, readTextFile, writeSecretFile } from '../files/write-file.js';
import { withLock } from '../files/lock.js';
import { projectPaths } from '../project/context.js';
import { describeWrite } from '../files/file-change.js';
import type { FileChange } from '../files/file-change.js';
import { openEnvironment } from './environment.js';

/** Options of {@link decryptToFile}. */
export interface DecryptToFileOptions {
  cwd: string;
  /** The environment's name. */
  name: string;
  /** The env file to write, relative to `cwd` (default `.env`). */
  envFile?: string;
  /** The identities' secret keys. */
  identities: readonly string[];
  /** Replace an env file whose contents differ. */
  force?: boolean;
}

/**
 * Write an environment to the project's env file, so compose and every other reader read it unchanged:
 * mode 0600 from creation, atomic, under the project lock (the one writer every envkit write uses). An
 * existing file with other contents is refused (REFUSED) unless `force`; one with the same contents is left
 * alone. This is how a host gets its secrets: its own identity is a recipient of its environment.
 */
export async function decryptToFile(options: DecryptToFileOptions): Promise<FileChange> {
  const { text } = await openEnvironment(options.cwd, options.name, options.identities);
  const paths = projectPaths({ cwd: options.cwd, envFile: options.envFile });
  return withLock(paths.lock, 'decrypt', () => {
    const existing = readTextFile(paths.env);
    if (existing !== undefined && existing !== text && !options.force) {
      throw new EnvkitError('REFUSED', `${paths.envName} exists and differs from environment ${options.name}; it was not changed`, {
        hint: 'compare them, then replace it if that is what you mean',
        reason: 'env-differs',
        data: { envName: paths.envName, environment: options.name },
        path: paths.env,
      });
    }
    cleanStaleTemps(paths.env);
    return describeWrite(writeSecretFile(paths.env, text));
  });
}
