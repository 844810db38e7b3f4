import { dirname, resolve } from 'node:path';
import { envFilesLoaded } from '../../compose/services.js';
import type { ComposeCommand } from '../../database/compose-command.js';
import type { ParsedCompose } from './plan.js';

/** What the compose files say of the app service and the env file rotated (see {@link appEnvFiles}). */
export interface AppEnvFiles {
  /** The app service loads the env file with `env_file:`. */
  loads: boolean;
  /** Its `env_file:` entries, as written. */
  envFiles: string[];
}

/**
 * Whether recreating `appService` gives it the values of `envPath`: its `env_file:` entries (each resolved
 * against its compose file's directory, the files merged) name it, or they do not and compose cannot read it
 * otherwise. `undefined` when the compose files do not tell: none, one that does not parse, none that defines
 * the service; or `envPath` is the `.env` compose itself reads for `${…}` (the project's, or one `--env-file`
 * of the compose command names), which may pass its values on without `env_file:`.
 */
export function appEnvFiles(composeFiles: readonly ParsedCompose[], appService: string, envPath: string, compose: ComposeCommand | undefined): AppEnvFiles | undefined {
  const entries: { path: string; resolved: string }[] = [];
  let defined = false;
  for (const { path, file } of composeFiles) {
    if (file.errors.some((e) => e.severity === 'error')) return undefined;
    const service = file.services.find((s) => s.name === appService);
    if (service === undefined) continue;
    defined = true;
    for (const entry of envFilesLoaded(service, path)) entries.push(entry);
  }
  if (!defined) return undefined;
  const envFiles = entries.map((e) => e.path);
  if (entries.some((e) => e.resolved === resolve(envPath))) return { loads: true, envFiles };
  const interpolated = resolve(dirname(composeFiles[0]!.path), '.env') === resolve(envPath);
  if (interpolated || compose?.argv.some((word) => word === '--env-file' || word.startsWith('--env-file='))) return undefined;
  return { loads: false, envFiles };
}
