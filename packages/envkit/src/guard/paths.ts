import { posix } from 'node:path';

/** What a path in the repository is to the guard. */
export type PathKind = 'env' | 'example' | 'compose' | 'other';

/** The project's own env file, relative to the repository's top (POSIX separators), to block whatever its name. */
export interface GuardPathOptions {
  envFile?: string;
}

// docker-compose.yml, compose.override.yaml, podman-compose.prod.yml …
const COMPOSE_NAME = /^(?:docker-|podman-)?compose(?:\.[\w.-]+)?\.ya?ml$/i;

/**
 * What `path` (relative to the repository's top, `/`-separated) holds by its name alone:
 *
 * - `env`: a plaintext env file of some environment: `.env`, `.env.<anything>` (`.env.production`,
 *   `.env.local`, envkit's `.env.envkit-pending` and `.env.envkit-backup`), and the project's own env file
 *   and envkit's files beside it when it has another name. Not `.env.example`, not an encrypted
 *   environment (`*.age`) and not an age recipients list (`.env.<name>.recipients`): those are meant to be
 *   committed.
 * - `example`: `.env.example`, `.env.<name>.example` (or `<env file>.example`), which must hold no real secret.
 * - `compose`: a compose file, where a secret must be a `${VAR}` reference.
 *
 * @example
 * pathKind('deploy/.env.production'); // 'env'
 * pathKind('.env.production.age');     // 'other'
 */
export function pathKind(path: string, options: GuardPathOptions = {}): PathKind {
  const name = posix.basename(path);
  const envFile = options.envFile;
  if (envFile !== undefined && envFile !== '' && posix.basename(envFile) !== '.env') {
    if (path === `${envFile}.example`) return 'example';
    if (path === envFile || path.startsWith(`${envFile}.envkit-`)) return 'env';
  }
  // `.env.staging.example` is the example of another environment: checked as an example, not blocked.
  if (name === '.env.example' || (name.startsWith('.env.') && name.endsWith('.example'))) return 'example';
  if (name === '.env') return 'env';
  if (name.startsWith('.env.')) {
    if (name.endsWith('.age')) return 'other';
    if (/^\.env\..+\.recipients$/.test(name)) return 'other';
    return 'env';
  }
  if (COMPOSE_NAME.test(name)) return 'compose';
  return 'other';
}
