import { EnvkitError } from '../../errors.js';
import { readComposeText, type ComposeFile } from '../../compose/read.js';
import { givenComposeFilePaths, shellLine } from '../../compose/project.js';
import { detectComposeCommand, findExecutable, type ComposeCommand } from '../../database/compose-command.js';
import { readTextFile } from '../../files/write-file.js';
import type { ConnectionSecurity } from '../../database/tls.js';
import type { ApplyMode, PendingRotation, PendingVia } from './pending.js';
import type { RotatePasswordOptions } from './options.js';

/** How the rotation reaches the database, decided before anything changes. */
export interface ApplyPlan {
  mode: ApplyMode;
  /** The compose command: in compose mode, or when the user named one; otherwise not looked for yet. */
  compose: ComposeCommand | undefined;
  /** The `-f` files, as the user gave them. */
  files: string[];
  /** The `-p` project name. */
  projectName: string | undefined;
  /** The compose files as paths (the `-f` files, or the one compose finds); empty: none, nothing here can recreate the app. */
  composePaths: string[];
  /** `composePaths` read and parsed: in compose mode, where the service is looked for in them; otherwise not read yet. */
  composeFiles: ParsedCompose[] | undefined;
}

/** A compose file as read and parsed, with its path. */
export interface ParsedCompose {
  path: string;
  file: ComposeFile;
}

/** Reads and parses each compose file (a missing one as empty). */
export async function readComposeFiles(composePaths: readonly string[]): Promise<ParsedCompose[]> {
  const parsed: ParsedCompose[] = [];
  for (const path of composePaths) parsed.push({ path, file: await readComposeText(readTextFile(path, { followSymlinks: true }) ?? '', path) });
  return parsed;
}

/**
 * The options with the settings a pending rotation of the same key recorded, when the caller gave none of
 * them: the apply mode, the compose command, files, project and services, or the direct host and port.
 * Settings the caller gives replace the recorded ones as a whole (a resumed rotation may go another way).
 */
export function withPendingSettings(options: RotatePasswordOptions, pending: PendingRotation | undefined): RotatePasswordOptions {
  const given = [options.apply, options.composeCmd, options.composeFiles, options.composeProject, options.service, options.appService, options.dbHost, options.dbPort, options.dbSecurity];
  if (given.some((setting) => setting !== undefined)) return options;
  if (pending === undefined || pending.key !== options.key) return options;
  const via = pending.via ?? {};
  return {
    ...options,
    apply: pending.apply,
    composeCmd: via.compose === undefined ? undefined : shellLine(via.compose),
    composeFiles: via.files,
    composeProject: via.project,
    service: via.service,
    appService: via.appService,
    dbHost: via.dbHost,
    dbPort: via.dbPort,
    dbSecurity: securityOf(via),
  };
}

/** The connection security a pending file recorded; `undefined` when it recorded none (older files). */
function securityOf(via: PendingVia): ConnectionSecurity | undefined {
  if (via.dbSslMode === undefined && via.dbSslRootCert === undefined && via.dbAllowInsecureAuth === undefined) return undefined;
  return {
    ...(via.dbSslMode === undefined ? {} : { sslmode: via.dbSslMode }),
    ...(via.dbSslRootCert === undefined ? {} : { sslrootcert: via.dbSslRootCert }),
    ...(via.dbAllowInsecureAuth === undefined ? {} : { allowInsecureAuth: via.dbAllowInsecureAuth }),
  };
}

/** The apply modes that need no compose file, as a hint names them (a caller with flags of its own words them itself, by `reason`). */
const WITHOUT_COMPOSE = 'direct (connect with the current password and the database host), none (change the env file only; you change the database yourself)';

/** The apply modes, as a hint names them. */
const CHOICES = `compose (psql in the running db container, no password needed), ${WITHOUT_COMPOSE}`;

/** Decide the apply mode and find compose before anything is touched. */
export async function planApply(options: RotatePasswordOptions, dir: string, envName: string, service: string, env: NodeJS.ProcessEnv): Promise<ApplyPlan> {
  const files = options.composeFiles ?? [];
  const composePaths = givenComposeFilePaths({ dir, files });
  let mode = options.apply;
  if (mode === undefined) {
    if (composePaths.length === 0) {
      throw new EnvkitError('USAGE', `no compose file in ${dir}: say how to change the database password`, {
        // Compose mode needs a compose file, and there is none here: it is offered as giving one.
        hint: `give the compose file (composeFiles; compose mode: psql in its running db container, no password needed), or choose the apply mode: ${WITHOUT_COMPOSE}. envkit never edits only ${envName}: the database would keep the old password`,
        reason: 'apply-unknown',
        data: { envName },
      });
    }
    mode = 'compose';
  } else if (mode === 'compose' && composePaths.length === 0) {
    throw new EnvkitError('USAGE', `apply mode compose: no compose file in ${dir}`, {
      hint: 'give the compose files, work in the directory of the compose file, or apply directly',
      reason: 'apply-compose-no-file',
      data: { dir },
    });
  }
  const composeFiles = mode === 'compose' ? await readComposeFiles(composePaths) : undefined;
  if (composeFiles !== undefined) assertServiceDefined(composeFiles, service, envName);
  // Detecting may probe `docker compose version` (seconds): only where compose runs now. Otherwise only a
  // command the user named is known; the restart step detects one when it has to run it.
  const compose = mode === 'compose' || options.composeCmd !== undefined ? detectComposeCommand({ given: options.composeCmd, env }) : undefined;
  if (mode === 'compose' && compose === undefined) {
    throw new EnvkitError('TOOL', 'no compose command found (podman-compose, docker compose, docker-compose)', {
      hint: 'install podman-compose (apt-get install podman-compose), name the compose command (docker compose), or apply directly',
      reason: 'compose-not-found',
    });
  }
  // The database is reached through the engine, but the project (its containers, the restart) is compose's.
  if (mode === 'compose' && findExecutable(compose!.argv[0]!, env) === undefined) {
    throw new EnvkitError('TOOL', `the compose command \`${compose!.argv[0]}\` was not found`, {
      hint: 'install podman-compose (apt-get install podman-compose) or name the compose command (docker compose)',
      reason: 'compose-missing',
    });
  }
  return { mode, compose, files, projectName: options.composeProject, composePaths, composeFiles };
}

/**
 * Throws USAGE unless one of the compose files defines `service` (the files merge, so any may): an
 * unknown service is a diagnosis of its own, before any container is looked for.
 */
function assertServiceDefined(composeFiles: readonly ParsedCompose[], service: string, envName: string): void {
  const composePaths = composeFiles.map((c) => c.path);
  let syntax: { path: string; line: number; message: string } | undefined;
  for (const { path, file } of composeFiles) {
    if (file.services.some((s) => s.name === service)) return;
    const error = file.errors.find((e) => e.rule === 'compose.yaml');
    if (error !== undefined && syntax === undefined) syntax = { path, line: error.line ?? 1, message: error.message };
  }
  if (syntax !== undefined) {
    throw new EnvkitError('USAGE', `${syntax.path}:${syntax.line} does not parse (${syntax.message}): fix it, or say how to change the database password`, {
      hint: `fix the compose file; or choose the apply mode: ${CHOICES}`,
      path: syntax.path,
      reason: 'compose-syntax',
      data: { envName },
    });
  }
  throw new EnvkitError('USAGE', `${composePaths.join(' + ')} define${composePaths.length === 1 ? 's' : ''} no service "${service}": say how to change the database password`, {
    hint: `name the database service, or choose the apply mode: ${CHOICES}`,
    path: composePaths[0]!,
    reason: 'service-unknown',
    data: { envName },
  });
}
