import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { splitCommandLine } from '../compose/project.js';

/** How to run compose: the words before the compose subcommand. */
export interface ComposeCommand {
  /** e.g. `['podman-compose']` or `['docker', 'compose']`; `argv[0]` is looked up on PATH when run. */
  argv: string[];
}

/** Options of {@link detectComposeCommand}. */
export interface DetectComposeOptions {
  /** A command the user named (`--compose-cmd 'docker compose'`), split into words as a shell would; wins over detection. */
  given?: string;
  /** Environment whose PATH is searched; `process.env` unless given. */
  env?: NodeJS.ProcessEnv;
}

/** How long `docker compose version` may take before docker counts as unusable. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * The compose command to use: `given` when the user named one, otherwise the first of
 * `podman-compose`, `docker compose` (only if `docker compose version` works: plain docker without
 * the plugin has no `compose`) and `docker-compose` found on PATH. `undefined` when none is found.
 *
 * @example
 * detectComposeCommand({ given: 'docker compose' }); // { argv: ['docker', 'compose'] }
 */
export function detectComposeCommand(options: DetectComposeOptions = {}): ComposeCommand | undefined {
  if (options.given !== undefined) {
    return { argv: splitCommandLine(options.given) };
  }
  const env = options.env ?? process.env;
  if (findExecutable('podman-compose', env)) return { argv: ['podman-compose'] };
  const docker = findExecutable('docker', env);
  if (docker && dockerHasCompose(docker, env)) return { argv: ['docker', 'compose'] };
  if (findExecutable('docker-compose', env)) return { argv: ['docker-compose'] };
  return undefined;
}

/**
 * The full path of the executable `name` on `env.PATH` (or `name` itself when it is a path),
 * `undefined` when there is none.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty or relative PATH entry means the current directory, which a library must not depend on.
    if (dir === '' || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    // Most PATH entries lack the file: asked without an exception (one costs more than the stat).
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function dockerHasCompose(docker: string, env: NodeJS.ProcessEnv): boolean {
  const probe = spawnSync(docker, ['compose', 'version'], { env, stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  return probe.status === 0;
}
